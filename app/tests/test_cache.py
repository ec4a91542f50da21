"""The shared cache and the rate limiter on a real Redis (TEST_REDIS_URL)."""

import pytest
import redis
from conftest import (
    TEST_REDIS_URL,
    add_device,
    add_user,
    fill_parent,
    login,
    needs_redis,
    scan_child,
    scan_parent,
    session_headers,
)


@pytest.fixture
def redis_app(make_app):
    needs_redis()
    return make_app(REDIS_URL=TEST_REDIS_URL)


def test_identities_and_rate_limits_live_in_redis(redis_app):
    client = redis_app.test_client()
    device = add_device(redis_app)
    statuses = [client.get("/api/v1/me", headers=device).status_code for _ in range(3)]
    statuses.append(scan_parent(client, device, "SB90001").status_code)
    prefix = redis_app.config["CACHE_KEY_PREFIX"]
    server = redis.Redis.from_url(TEST_REDIS_URL)
    assert statuses == [200, 200, 200, 201]
    assert server.keys(prefix + "device:*")
    assert server.keys(prefix + "rate:key:*")
    readiness = client.get("/health/elb").get_json()["components"]["cache"]
    assert readiness["status"] == "ok"
    assert readiness["backend"] == "redis"
    assert isinstance(readiness["latency_ms"], float)


def test_dashboard_figures_are_shared_through_redis(redis_app, make_app):
    device = add_device(redis_app)
    first = redis_app.test_client().get("/api/v1/dashboard/stats", headers=device).get_json()
    # A second application (another worker or task) with the same prefix finds the figures in Redis.
    other = make_app(REDIS_URL=TEST_REDIS_URL, CACHE_KEY_PREFIX=redis_app.config["CACHE_KEY_PREFIX"])
    with other.app_context():
        cached = other.extensions["tracetrack"].cache.get("dashboard:UTC")
    assert cached == first
    assert other.extensions["tracetrack"].cache.stats()["hits"] == 1


def test_lookups_are_cached_and_every_change_replaces_them(redis_app, make_app):
    client = redis_app.test_client()
    device = add_device(redis_app)
    server = redis.Redis.from_url(TEST_REDIS_URL)
    prefix = redis_app.config["CACHE_KEY_PREFIX"]

    def lookup(qr):
        response = client.get(f"/api/v1/bags/{qr}", headers=device)
        return response.headers["X-Cache"], response.get_json()

    def markers_expire(*codes):  # as they do CHANGE_MARKER_SECONDS after a change
        assert all(server.get(prefix + "bag:" + qr) == b"" for qr in codes)
        server.delete(*(prefix + "bag:" + qr for qr in codes))

    fill_parent(client, device, "SB91001", 2, first_child=91_000)
    # Just changed: the markers keep the lookup out of the cache.
    assert lookup("SB91001")[0] == "miss"
    assert lookup("SB91001")[0] == "miss"
    markers_expire("SB91001", "CB91000")
    assert [lookup("SB91001")[0], lookup("SB91001")[0]] == ["miss", "hit"]
    assert [lookup("CB91000")[0], lookup("CB91000")[0]] == ["miss", "hit"]
    # A scan replaces the parent's entry (and its new child's) before the next lookup.
    assert scan_child(client, device, "CB91005", "SB91001").status_code == 201
    source, parent = lookup("SB91001")
    assert (source, parent["child_count"], len(parent["history"])) == ("miss", 3, 4)
    markers_expire("SB91001")
    assert lookup("SB91001")[0] == "miss"
    assert lookup("SB91001") == ("hit", parent)
    # Undo, a bill and its close: every bag they change is read again, children included.
    assert client.post("/api/v1/scans/undo", json={"qr_id": "CB91005"}, headers=device).status_code == 200
    assert lookup("SB91001")[1]["child_count"] == 2
    add_user(redis_app, "billy", "biller")
    login(client, "billy")
    headers = session_headers(client)
    client.post("/api/v1/bills", json={"bill_number": "B-91", "expected_parent_count": 1}, headers=headers)
    client.post("/api/v1/bills/B-91/parents", json={"qr_id": "SB91001"}, headers=headers)
    assert lookup("CB91000")[1]["bill"] == {"bill_number": "B-91", "status": "open"}
    assert client.post("/api/v1/bills/B-91/close", headers=headers).status_code == 200
    assert lookup("CB91000")[1]["status"] == "dispatched"
    # Another worker or task with the same prefix reads the same entries.
    other = make_app(REDIS_URL=TEST_REDIS_URL, CACHE_KEY_PREFIX=prefix)
    markers_expire("CB91001")
    first, again = (other.test_client().get("/api/v1/bags/CB91001", headers=device) for _ in range(2))
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert again.get_json()["status"] == "dispatched"


def test_redis_over_tls_verifies_the_certificate_and_the_host_name():
    """rediss:// (ElastiCache in-transit encryption): the client refuses a server it cannot verify."""
    import redis as redis_client

    from tracetrack.cache import redis_options

    config = {"REDIS_URL": "rediss://:token@master.cache.example:6379/0", "REDIS_AUTH_TOKEN": "", "REDIS_TIMEOUT": 0.25,
              "REDIS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}
    options = redis_options(config)
    assert (options["ssl_cert_reqs"], options["ssl_check_hostname"], options["ssl_ca_certs"]) == (
        "required", True, "/etc/ssl/certs/ca-certificates.crt")
    pool = redis_client.Redis.from_url(config["REDIS_URL"], **options).connection_pool
    assert pool.connection_class is redis_client.SSLConnection
    assert pool.connection_kwargs["ssl_cert_reqs"] == "required"
    assert pool.connection_kwargs["ssl_check_hostname"] is True
    assert "ssl_cert_reqs" not in redis_options(dict(config, REDIS_URL="redis://127.0.0.1:6379/0"))
