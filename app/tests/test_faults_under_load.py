"""Faults under concurrent scanning: PostgreSQL cut for 2 s, Redis killed; what scanners see, what is kept.

Scanner threads (each its own client, as devices are) scan parents, fill them with children and look bags
up while the test cuts the database's TCP path or kills the Redis server. The assertions are about which
requests failed relative to the measured moments of the fault, never about how long anything took.
"""

import threading
import time
from dataclasses import dataclass

from conftest import TEST_DATABASE_URL, _truncate, add_device, postgres_config
from netutil import Relay
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tracetrack.models import bags
from tracetrack.services import services

SCANNERS = 6
CHILDREN_PER_PARENT = 12
# How long after the database answers again scans may still be refused: the one second.
RECOVERY_SECONDS = 1.0


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int
    child: str | None = None
    parent: str | None = None


class Scanners:
    """SCANNERS threads scanning until stopped: a parent, then CHILDREN_PER_PARENT children, then lookups."""

    def __init__(self, app, headers: dict, base: int):
        self.app = app
        self.headers = headers
        self.base = base
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(SCANNERS)]

    def _call(self, client, kind, method, path, body=None, **labels) -> Outcome:
        started = time.monotonic()
        response = client.open(path, method=method, json=body, headers=self.headers)
        outcome = Outcome(kind, started, time.monotonic(), response.status_code, **labels)
        self.outcomes.append(outcome)
        return outcome

    def _run(self, index: int) -> None:
        client = self.app.test_client()
        serial = 0
        while not self._stop.is_set():
            parent = f"SB{self.base + index * 1000 + serial}"
            serial += 1
            # As a scanner does: the parent again until it is acknowledged, then its children.
            while self._call(client, "parent", "POST", "/api/v1/scans/parent", {"qr_id": parent}).status >= 300:
                if self._stop.is_set():
                    return
            for n in range(CHILDREN_PER_PARENT):
                child = f"CB{self.base + index * 100_000 + serial * 100 + n}"
                body = {"qr_id": child, "parent_qr_id": parent}
                self._call(client, "child", "POST", "/api/v1/scans/child", body, child=child, parent=parent)
                self._call(client, "lookup", "GET", f"/api/v1/bags/{parent}")
                if self._stop.is_set():
                    return

    def __enter__(self) -> "Scanners":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def _links(app) -> dict[str, str]:
    holder = bags.alias("holder")
    with app.app_context(), services().db.read() as conn:
        rows = conn.execute(select(bags.c.qr_id, holder.c.qr_id).join(holder, bags.c.parent_id == holder.c.id))
        return dict(rows.all())


def _counters_match(app) -> bool:
    with app.app_context(), services().db.read() as conn:
        counted = dict(conn.execute(select(bags.c.qr_id, bags.c.child_count).where(bags.c.kind == "parent")).all())
    linked = {}
    for parent in _links(app).values():
        linked[parent] = linked.get(parent, 0) + 1
    return all(counted[parent] == linked.get(parent, 0) for parent in counted)


UNLIMITED = "1000000 per minute"


def test_postgresql_cut_for_two_seconds_refuses_scans_only_while_down_and_loses_none(make_app, pg_schema):
    url = make_url(TEST_DATABASE_URL)
    relay = Relay(url.port or 5432).start()
    # Six scanners share one device key; the API's rate limit (3000 a minute per key) is not what this test is about,
    # and a fast machine would reach it.
    config = postgres_config(pg_schema) | {
        "DATABASE_URL": url.set(port=relay.port).render_as_string(False),
        "RATELIMIT_API": UNLIMITED,
    }
    app = make_app(**config)
    _truncate(app)
    device = add_device(app, "outage-scanner")
    assert app.test_client().get("/health/elb").status_code == 200
    try:
        with Scanners(app, device, base=1_100_000) as scanners:
            time.sleep(0.5)
            down = time.monotonic()
            relay.cut()
            time.sleep(2.0)
            relay = Relay(url.port or 5432, port=relay.port).start()
            up = time.monotonic()
            readiness_during_recovery = app.test_client().get("/health/elb").status_code
            while time.monotonic() < up + RECOVERY_SECONDS + 0.7:
                time.sleep(0.1)
        outcomes = scanners.outcomes
        refused = [o for o in outcomes if o.status == 503]
        assert refused, "the outage was not seen by any request"
        assert {o.status for o in outcomes} <= {200, 201, 503}, sorted({o.status for o in outcomes})
        # Refusals only while the database was away, and for at most RECOVERY_SECONDS after it was back.
        assert all(o.ended >= down for o in refused), "a request was refused before the outage"
        last = max(o.started for o in refused) - up
        print(f"refused {len(refused)} of {len(outcomes)}; the last began {last:+.3f} s after the database was back")
        late = [o for o in refused if o.started > up + RECOVERY_SECONDS]
        assert not late, f"{len(late)} requests refused more than {RECOVERY_SECONDS} s after the database returned"
        assert any(o.started > up + RECOVERY_SECONDS and o.status in (200, 201) for o in outcomes)
        # The task stayed in service: a database outage is no reason to replace it.
        assert readiness_during_recovery == 200
        # Every acknowledged child scan is in the database, in its parent; every counter is right.
        links = _links(app)
        acknowledged = [o for o in outcomes if o.kind == "child" and o.status == 201]
        assert acknowledged
        assert [o.child for o in acknowledged if links.get(o.child) != o.parent] == []
        assert _counters_match(app)
    finally:
        # The schema is dropped at the end of the run; what this test wrote stays until then.
        app.extensions["tracetrack"].db.dispose()
        relay.cut()


def test_redis_killed_under_concurrent_scans_costs_no_request(make_app, pg_schema, redis_server):
    config = postgres_config(pg_schema) | {
        "REDIS_URL": redis_server.url,
        "CACHE_RETRY_SECONDS": 0.2,
        "RATELIMIT_API": UNLIMITED,
    }
    app = make_app(**config)
    _truncate(app)
    device = add_device(app, "cache-outage-scanner")
    try:
        with Scanners(app, device, base=1_200_000) as scanners:
            time.sleep(0.5)
            redis_server.process.kill()  # no shutdown: connections drop mid-command
            redis_server.process.wait(timeout=10)
            redis_server.process = None
            time.sleep(1.0)
            redis_server.start()
            time.sleep(1.0)
        outcomes = scanners.outcomes
        assert {o.status for o in outcomes} <= {200, 201}, sorted({o.status for o in outcomes})
        assert {o.kind for o in outcomes} == {"parent", "child", "lookup"}
        links = _links(app)
        assert all(links.get(o.child) == o.parent for o in outcomes if o.kind == "child")
        assert _counters_match(app)
    finally:
        _truncate(app)
