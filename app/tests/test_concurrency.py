"""Concurrent scans: threads with their own connections race for the last places in one parent."""

import threading

import pytest
from conftest import add_device, fill_parent
from sqlalchemy import func, select

from tracetrack import inventory
from tracetrack.auth import Actor
from tracetrack.errors import Conflict
from tracetrack.models import bags, devices
from tracetrack.services import services

THREADS = 20


def _race(app, work) -> list:
    """Run ``work(index, conn)`` in THREADS threads, each in its own transaction, released together."""
    barrier = threading.Barrier(THREADS)
    outcomes = [None] * THREADS

    def run(index):
        with app.app_context():
            barrier.wait()
            try:
                with services().db.transaction() as conn:
                    outcomes[index] = work(index, conn)
            except Conflict as refusal:
                outcomes[index] = refusal.code

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def scanner(app):
    add_device(app, "racer")
    with app.app_context(), services().db.read() as conn:
        device_id = conn.execute(select(devices.c.id).where(devices.c.name == "racer")).scalar_one()
    return Actor("device", device_id, "racer", "device")


def _linked(app, parent_qr: str) -> tuple[int, int]:
    """The parent's counter and the number of children actually pointing at it."""
    holder = bags.alias("holder")
    with app.app_context(), services().db.read() as conn:
        counted = conn.execute(select(bags.c.child_count).where(bags.c.qr_id == parent_qr)).scalar_one()
        linked = conn.execute(
            select(func.count())
            .select_from(bags.join(holder, bags.c.parent_id == holder.c.id))
            .where(holder.c.qr_id == parent_qr)
        ).scalar_one()
    return counted, linked


def test_concurrent_child_scans_never_exceed_capacity(app, scanner):
    client = app.test_client()
    device = add_device(app, "filler")
    fill_parent(client, device, "SB80001", 15, first_child=80_000)

    outcomes = _race(app, lambda n, conn: inventory.scan_child(conn, f"CB{81_000 + n}", "SB80001", scanner))

    assert sum(1 for o in outcomes if isinstance(o, dict)) == 15
    assert outcomes.count("parent_full") == 5
    assert _linked(app, "SB80001") == (30, 30)


def test_the_same_child_scanned_concurrently_into_many_parents_is_linked_once(app, scanner):
    client = app.test_client()
    device = add_device(app, "opener")
    for n in range(THREADS):
        client.post("/api/v1/scans/parent", json={"qr_id": f"SB{82_000 + n}"}, headers=device)

    outcomes = _race(app, lambda n, conn: inventory.scan_child(conn, "CB83000", f"SB{82_000 + n}", scanner))

    winners = [o for o in outcomes if isinstance(o, dict)]
    assert len(winners) == 1
    assert outcomes.count("already_linked") == THREADS - 1
    parent = winners[0]["parent"]["qr_id"]
    assert _linked(app, parent) == (1, 1)
