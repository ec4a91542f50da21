"""The shared cache and the rate limiter on a real Redis (TEST_REDIS_URL)."""

import pytest
import redis
from conftest import TEST_REDIS_URL, add_device, needs_redis, scan_parent


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
    assert server.keys(f"LIMITS:LIMITER/{prefix}limit/device:*")
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
