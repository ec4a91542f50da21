"""Concurrent scans: threads race for the last places in one parent, scan one child at once, and race a
bill being closed."""

import threading
import time

import pytest
from conftest import (
    _truncate,
    add_device,
    add_user,
    fill_parent,
    login,
    postgres_config,
    scan_child,
    session_headers,
)
from sqlalchemy import func, select, text

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


# Bill close against child scans, on PostgreSQL: one side holds its transaction open while the other
# arrives as a request; the request must wait for it, then see what it did.


def _blocked_by(app, holder_pid: int) -> bool:
    with app.app_context(), services().db.read() as conn:
        return bool(
            conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"),
                {"holder": holder_pid},
            ).scalar()
        )


def _in_thread(call) -> tuple[threading.Thread, list]:
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(call()))
    thread.start()
    return thread, outcome


def _wait_for(condition, attempts: int = 200) -> bool:
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def billed_parent(make_app, pg_schema):
    """A PostgreSQL app, a device, a biller session and SB85001 (2 children) on the open bill B-RACE."""
    app = make_app(**postgres_config(pg_schema))
    _truncate(app)
    device = add_device(app, "race-scanner")
    add_user(app, "race-biller", "biller")
    biller = app.test_client()
    login(biller, "race-biller")
    headers = session_headers(biller)
    fill_parent(app.test_client(), device, "SB85001", 2, first_child=85_000)
    bill = {"bill_number": "B-RACE", "expected_parent_count": 1}
    assert biller.post("/api/v1/bills", json=bill, headers=headers).status_code == 201
    added = biller.post("/api/v1/bills/B-RACE/parents", json={"qr_id": "SB85001"}, headers=headers)
    assert added.status_code == 200
    yield app, device, biller, headers
    _truncate(app)


def test_a_child_scan_waits_for_a_bill_being_closed_then_is_refused(billed_parent):
    app, device, _biller, _headers = billed_parent
    scanner = app.test_client()
    with app.app_context(), services().db.transaction() as conn:
        holder = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        inventory.close_bill(conn, "B-RACE")
        thread, outcome = _in_thread(lambda: scan_child(scanner, device, "CB85100", "SB85001"))
        assert _wait_for(lambda: outcome or _blocked_by(app, holder))
        assert not outcome, "the scan went through while the bill was being closed"
    thread.join()
    assert outcome[0].status_code == 409
    assert outcome[0].get_json()["error"]["code"] == "parent_dispatched"
    assert _linked(app, "SB85001") == (2, 2)


def test_closing_a_bill_waits_for_a_scan_in_flight_and_lists_its_child(billed_parent):
    app, _device, biller, headers = billed_parent
    with app.app_context(), services().db.transaction() as conn:
        holder = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        actor = Actor("device", 1, "race-scanner", "device")
        inventory.scan_child(conn, "CB85101", "SB85001", actor)
        thread, outcome = _in_thread(lambda: biller.post("/api/v1/bills/B-RACE/close", headers=headers))
        assert _wait_for(lambda: outcome or _blocked_by(app, holder))
        assert not outcome, "the bill was closed while a scan into one of its parents was in flight"
    thread.join()
    closed = outcome[0].get_json()
    assert (outcome[0].status_code, closed["status"]) == (200, "closed")
    assert closed["parents"][0]["child_count"] == 3
    assert _linked(app, "SB85001") == (3, 3)


def test_the_same_child_scanned_twice_at_once_into_one_parent_is_linked_once(app, scanner):
    client = app.test_client()
    device = add_device(app, "doubler")
    client.post("/api/v1/scans/parent", json={"qr_id": "SB86001"}, headers=device)
    clients = [app.test_client() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    responses = [None] * THREADS

    def run(index):
        barrier.wait()
        responses[index] = scan_child(clients[index], device, "CB86000", "SB86001")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert len({r.get_json()["event_id"] for r in responses}) == 1
    assert _linked(app, "SB86001") == (1, 1)
