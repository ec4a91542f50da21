"""Failures: Redis going away and coming back, the database unreachable, the read replica down."""

import time

import redis
from conftest import TEST_DATABASE_URL, add_device, fill_parent, needs_postgres, postgres_config, scan_parent
from netutil import Relay, free_port
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tracetrack.cache import Cache
from tracetrack.db import DatabaseUnavailable, make_engine
from tracetrack.services import services


def _wait_until(condition, attempts: int = 100, pause: float = 0.05) -> bool:
    """Poll for a state change; the tests assert on the state, never on how long it took."""
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(pause)
    return False


def test_requests_survive_redis_going_away_and_return_to_it(make_app, redis_server):
    app = make_app(REDIS_URL=redis_server.url, CACHE_RETRY_SECONDS=0.2, REDIS_TIMEOUT=0.2)
    client = app.test_client()
    device = add_device(app)
    cache = app.extensions["tracetrack"].cache
    statuses = [client.get("/api/v1/me", headers=device).status_code for _ in range(3)]
    assert cache.backend == "redis"
    assert redis.Redis.from_url(redis_server.url).keys(app.config["CACHE_KEY_PREFIX"] + "device:*")

    redis_server.stop()
    statuses += [client.get("/api/v1/me", headers=device).status_code for _ in range(10)]
    statuses.append(scan_parent(client, device, "SB70001").status_code)
    readiness = client.get("/health/elb")
    assert readiness.status_code == 200
    assert readiness.get_json()["status"] == "degraded"
    assert readiness.get_json()["components"]["cache"]["status"] == "fallback"
    assert cache.backend == "memory"
    statuses += [client.get("/api/v1/me", headers=device).status_code for _ in range(3)]

    redis_server.start()

    def back_on_redis():
        # As in service: the load balancer's readiness checks keep trying Redis between requests.
        client.get("/health/elb")
        statuses.append(client.get("/api/v1/me", headers=device).status_code)
        return cache.backend == "redis" and cache.fallback_operations > 0

    assert _wait_until(back_on_redis, pause=0.1)
    assert client.get("/health/elb").get_json()["components"]["cache"]["status"] == "ok"
    assert set(statuses) <= {200, 201}
    assert cache.hit_ratio() > 0


def test_cache_with_redis_unreachable_from_the_start_serves_from_memory(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", CACHE_RETRY_SECONDS=60)
    client = app.test_client()
    device = add_device(app)
    assert [client.get("/api/v1/dashboard/stats", headers=device).status_code for _ in range(5)] == [200] * 5
    stats = client.get("/metrics/scaling").get_json()["cache"]
    assert stats["backend"] == "memory"
    # The dashboard figures are served from memory; identities never are (the database answers for them
    # while Redis is away, so that a revoked key is refused in every process).
    assert stats["hits"] == 4


def test_cache_uses_tls_and_the_auth_token():
    base = {"REDIS_TIMEOUT": 0.2, "CACHE_KEY_PREFIX": "t:", "CACHE_LOCAL_MAX_ITEMS": 10, "CACHE_RETRY_SECONDS": 1}
    token_cache = Cache(base | {"REDIS_URL": "rediss://cache.internal:6379/0", "REDIS_AUTH_TOKEN": "t0ken"})
    url_cache = Cache(base | {"REDIS_URL": "rediss://:in-url@cache.internal:6379/0", "REDIS_AUTH_TOKEN": ""})
    for cache, password in ((token_cache, "t0ken"), (url_cache, "in-url")):
        pool = cache._redis.connection_pool
        assert pool.connection_class is redis.SSLConnection
        assert pool.connection_kwargs["password"] == password


def _closed_database_url() -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"


def test_database_unreachable_gives_503_and_opens_the_breaker_without_500s(make_app):
    app = make_app(
        DATABASE_URL=_closed_database_url(), DB_AUTO_MIGRATE=False, BREAKER_FAIL_MAX=3, BREAKER_PROBE_SECONDS=60
    )
    client = app.test_client()
    assert client.get("/health").status_code == 200
    # Never reached its database since it started: a new task could do better, so the load balancer may
    # replace this one.
    readiness = client.get("/health/elb")
    assert readiness.status_code == 503
    assert readiness.get_json()["status"] == "fail"
    assert readiness.get_json()["components"]["database"]["status"] == "fail"
    device = {"X-API-Key": "tt_any"}
    responses = [client.get("/api/v1/bags/SB12345", headers=device) for _ in range(4)]
    responses.append(client.post("/api/v1/scans/parent", json={"qr_id": "SB12345"}, headers=device))
    assert {r.status_code for r in responses} == {503}
    assert responses[-1].get_json()["error"] == {
        "code": "database_unavailable",
        "message": "database unavailable (circuit open)",
    }
    assert responses[-1].headers["Retry-After"] == "1"
    assert app.extensions["tracetrack"].db.breaker.current_state == "open"
    assert client.get("/metrics/scaling").get_json()["database"]["circuit"] == "open"
    page = client.get("/login")
    assert page.status_code == 200


def test_database_lost_mid_run_recovers_when_it_returns(make_app, pg_schema):
    url = make_url(TEST_DATABASE_URL)
    relay = Relay(url.port or 5432).start()
    config = postgres_config(pg_schema) | {"DATABASE_URL": url.set(port=relay.port).render_as_string(False)}
    app = make_app(**config, BREAKER_FAIL_MAX=2, BREAKER_PROBE_SECONDS=0.2)
    client = app.test_client()
    device = add_device(app, "relay-scanner")
    fill_parent(client, device, "SB70002", 1, first_child=70_000)
    assert client.get("/health/elb").status_code == 200

    relay.cut()
    down = [client.get("/api/v1/bags/SB70002", headers=device) for _ in range(3)]
    assert {r.status_code for r in down} == {503}
    assert down[-1].headers["Retry-After"] == "1"
    # The outage is everyone's: this task stays in service (200), and says what it sees in the body.
    readiness = client.get("/health/elb")
    assert (readiness.status_code, readiness.get_json()["status"]) == (200, "fail")

    relay = Relay(url.port or 5432, port=relay.port).start()
    assert _wait_until(lambda: client.get("/health/elb").get_json()["status"] == "ok", pause=0.1)
    assert client.get("/api/v1/bags/SB70002", headers=device).get_json()["child_count"] == 1
    assert app.extensions["tracetrack"].db.breaker.current_state == "closed"
    relay.cut()
    app.extensions["tracetrack"].db.dispose()


def test_reads_fall_back_to_the_primary_when_the_replica_is_down(make_app):
    app = make_app(DATABASE_READ_URL=_closed_database_url())
    client = app.test_client()
    device = add_device(app)
    fill_parent(client, device, "SB70003", 2, first_child=71_000)
    assert client.get("/api/v1/bags/SB70003", headers=device).get_json()["child_count"] == 2
    readiness = client.get("/health/elb").get_json()
    assert readiness["status"] == "degraded"
    assert readiness["components"]["database_replica"]["status"] == "fallback"
    assert app.extensions["tracetrack"].db.replica_fallbacks >= 1


def test_reads_take_every_replica_in_turn(make_app):
    # Two replicas, both down: two reads try one each (and fall back to the primary), so both breakers open.
    app = make_app(DATABASE_READ_URLS=[_closed_database_url(), _closed_database_url()])
    db = app.extensions["tracetrack"].db
    fallbacks = db.replica_fallbacks
    for _ in range(2):
        assert db.query(lambda conn: conn.exec_driver_sql("SELECT 1").scalar()) == 1
    assert len(db.replicas()) == 2
    assert [breaker.current_state for _engine, breaker in db.replicas()] == ["open", "open"]
    assert db.replica_fallbacks - fallbacks == 2
    readiness = app.test_client().get("/health/elb").get_json()["components"]["database_replica"]
    assert (readiness["status"], readiness["replicas"]) == ("fallback", 2)


def test_reads_use_the_replica_when_it_answers(make_app, pg_schema):
    needs_postgres()
    app = make_app(**postgres_config(pg_schema), DATABASE_READ_URL=TEST_DATABASE_URL)
    client = app.test_client()
    device = add_device(app, "replica-scanner")
    fill_parent(client, device, "SB70004", 1, first_child=72_000)
    assert client.get("/api/v1/bags/SB70004", headers=device).status_code == 200
    assert client.get("/health/elb").get_json()["components"]["database_replica"]["status"] == "ok"
    assert app.extensions["tracetrack"].db.replica_fallbacks == 0


def test_lookups_on_postgresql_fall_back_to_the_primary_when_the_replica_is_down(make_app, pg_schema):
    # On PostgreSQL a lookup is one statement on an autocommit connection, the replica's or the primary's.
    needs_postgres()
    app = make_app(**postgres_config(pg_schema), DATABASE_READ_URL=_closed_database_url())
    client = app.test_client()
    device = add_device(app, "replica-down-scanner")
    fill_parent(client, device, "SB70006", 2, first_child=74_000)
    db = app.extensions["tracetrack"].db
    answer = client.get("/api/v1/bags/SB70006", headers=device)
    assert (answer.status_code, answer.get_json()["child_count"]) == (200, 2)
    assert db.replica_fallbacks == 1
    assert (db.replica_breaker.current_state, db.breaker.current_state) == ("open", "closed")
    assert client.get("/api/v1/bags/SB79999", headers=device).status_code == 404


def _refused_by_timeout(db, setting: str) -> DatabaseUnavailable:
    """Run a query that ``setting`` (statement_timeout or lock_timeout, 20 ms) cuts short; what it raised."""
    try:
        with db.transaction() as conn:
            conn.execute(text(f"SET LOCAL {setting} = 20"))
            if setting == "statement_timeout":
                conn.execute(text("SELECT pg_sleep(1)"))
            with db.transaction() as holder:  # another transaction holds the lock the query waits for
                holder.execute(text("LOCK TABLE bills IN ACCESS EXCLUSIVE MODE NOWAIT"))
                conn.execute(text("SELECT count(*) FROM bills"))
    except DatabaseUnavailable as refusal:
        return refusal
    raise AssertionError(f"{setting} did not refuse the query")


def test_query_refusals_answer_busy_and_never_open_the_breaker(make_app, pg_schema):
    """A statement or lock timeout says the server is up: 503 database_busy, and the circuit stays closed."""
    app = make_app(**postgres_config(pg_schema), BREAKER_FAIL_MAX=2)
    with app.app_context():
        db = services().db
        for setting in ("statement_timeout", "lock_timeout") * 2:
            refusal = _refused_by_timeout(db, setting)
            assert (refusal.code, refusal.retry_after) == ("database_busy", 1)
        assert db.breaker.current_state == "closed"


def test_a_failing_query_on_the_replica_runs_again_on_the_primary(make_app, pg_schema):
    app = make_app(**postgres_config(pg_schema), DATABASE_READ_URL=TEST_DATABASE_URL)
    db = app.extensions["tracetrack"].db
    # The replica answers, but its search path names a schema without the tables: every query on it fails.
    db.reader = make_engine(TEST_DATABASE_URL, app.config | {"DATABASE_SCHEMA": "tt_replica_without_tables"})
    client = app.test_client()
    device = add_device(app, "replica-query-scanner")
    fill_parent(client, device, "SB70005", 2, first_child=73_000)
    assert client.get("/api/v1/bags/SB70005", headers=device).get_json()["child_count"] == 2
    assert client.get("/api/v1/bags?q=SB7000", headers=device).status_code == 200
    assert client.get("/metrics/scaling").get_json()["database"]["replica_fallbacks"] == 2
    assert db.replica_breaker.current_state == "closed"
    db.reader.dispose()
