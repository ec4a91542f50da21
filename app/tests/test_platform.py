"""The contract other modules consume: health, readiness, scaling metrics, headers, the OpenAPI document."""

import re

import pytest
from conftest import fill_parent

from tracetrack.telemetry import RequestStats, recommend

CONFIG = {"SCALE_OUT_P95_MS": 100, "SCALE_OUT_UTILIZATION": 0.75, "SCALE_IN_UTILIZATION": 0.25}


@pytest.fixture
def sqlite_app(make_app):
    return make_app(APP_VERSION="9.9.9")


def test_liveness(sqlite_app):
    response = sqlite_app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "version": "9.9.9"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readiness_reports_each_component(app):
    response = app.test_client().get("/health/elb")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["version"] == app.config["APP_VERSION"]
    assert body["checked_at"].endswith("Z")
    database = body["components"]["database"]
    assert database["status"] == "ok"
    assert database["circuit"] == "closed"
    assert isinstance(database["latency_ms"], float)
    assert body["components"]["cache"] == {"status": "ok", "backend": "memory", "hit_ratio": None, "latency_ms": None}


def test_scaling_metrics_describe_this_worker(sqlite_app):
    client = sqlite_app.test_client()
    for _ in range(5):
        client.get("/api/v1/me")
    body = client.get("/metrics/scaling").get_json()
    assert set(body) == {"version", "worker", "requests", "latency_ms", "database", "cache", "recommendation"}
    assert body["requests"]["count"] == 5
    assert body["requests"]["error_rate"] == 0.0
    assert body["requests"]["in_flight"] == 0
    assert set(body["latency_ms"]) == {"p50", "p95", "p99"}
    assert body["database"]["limit"] == 30
    assert body["database"]["circuit"] == "closed"
    assert set(body["cache"]) == {"backend", "hits", "misses", "hit_ratio", "fallback_operations"}
    assert body["recommendation"]["action"] in {"scale_out", "scale_in", "hold"}
    assert body["recommendation"]["reason"]


def test_scaling_metrics_can_require_a_token(make_app):
    client = make_app(METRICS_TOKEN="s3cret").test_client()
    assert client.get("/metrics/scaling").status_code == 401
    assert client.get("/metrics/scaling", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics/scaling", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_scaling_metrics_are_never_public_outside_development(make_app):
    client = make_app(TRACETRACK_ENV="production", METRICS_TOKEN="").test_client()
    response = client.get("/metrics/scaling")
    assert response.status_code == 403
    assert "METRICS_TOKEN" in response.get_json()["error"]["message"]
    assert client.get("/metrics/scaling", headers={"Authorization": "Bearer "}).status_code == 403
    development = make_app(TRACETRACK_ENV="development", METRICS_TOKEN="").test_client()
    assert development.get("/metrics/scaling").status_code == 200


def _requests(count, p95, concurrency):
    return {
        "count": count,
        "window_seconds": 60,
        "mean_concurrency": concurrency,
        "latency_ms": {"p50": p95 and p95 / 2, "p95": p95, "p99": p95},
    }


@pytest.mark.parametrize(
    ("requests", "pool_usage", "action", "reason"),
    [
        (_requests(100, 250.0, 1.0), 0.1, "scale_out", "p95 latency 250.0 ms is above the 100 ms target"),
        (_requests(100, 40.0, 7.0), 0.1, "scale_out", "utilization 88% of worker threads or DB pool"),
        (_requests(100, 40.0, 1.0), 0.9, "scale_out", "utilization 90% of worker threads or DB pool"),
        (_requests(0, None, 0.0), 0.0, "scale_in", "no requests in the last 60 s"),
        (_requests(100, 20.0, 0.5), 0.05, "scale_in", "utilization 6% and p95 20.0 ms leave capacity idle"),
        (_requests(100, 70.0, 3.0), 0.3, "hold", "p95 70.0 ms and utilization 38% are within targets"),
    ],
)
def test_recommendation(requests, pool_usage, action, reason):
    assert recommend(requests, {"usage": pool_usage}, 8, CONFIG) == {"action": action, "reason": reason}


def test_request_stats_percentiles_and_error_rate():
    stats = RequestStats(window_seconds=60)
    for latency in range(1, 101):
        stats.record(float(latency), 500 if latency > 98 else 200)
    snapshot = stats.snapshot()
    assert snapshot["count"] == 100
    assert snapshot["latency_ms"] == {"p50": 51.0, "p95": 96.0, "p99": 100.0}
    assert snapshot["error_rate"] == 0.02


def test_security_headers(sqlite_app):
    response = sqlite_app.test_client().get("/login", base_url="https://tracetrack.example")
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cache-Control"] == "no-store"
    # Over plain HTTP (the load balancer's health checks) HSTS would be meaningless and is left out.
    assert "Strict-Transport-Security" not in sqlite_app.test_client().get("/login").headers


def test_request_ids_are_echoed_or_generated(sqlite_app):
    client = sqlite_app.test_client()
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/health", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)


def test_static_files_are_fingerprinted_and_immutable(sqlite_app):
    client = sqlite_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/[0-9a-f]{12}/app\.css)"', page).group(1)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/000000000000/app.css").headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/static/000000000000/missing.css").status_code == 404


def test_openapi_document_covers_every_api_route(sqlite_app):
    doc = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    served = {
        (re.sub(r"<(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in sqlite_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == documented
    assert "/api/v1/scans/child" in sqlite_app.test_client().get("/api/docs").get_data(as_text=True)


def test_api_errors_are_json_with_the_right_status(sqlite_app):
    client = sqlite_app.test_client()
    missing = client.get("/api/v1/nothing-here")
    wrong_method = client.delete("/api/v1/scans/parent")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]


def test_garbage_input_never_causes_a_server_error(client, device):
    fill_parent(client, device, "SB60001", 1, first_child=60_000)
    bodies = [
        None,
        0,
        "x",
        [],
        {"qr_id": None},
        {"qr_id": ["SB1"]},
        {"qr_id": "SB" + "9" * 40},
        {"qr_id": "CB60000", "parent_qr_id": 5},
        {"bill_number": {"a": 1}},
        {"qr_id": "\u0000"},
    ]
    paths = [
        "/api/v1/scans/parent",
        "/api/v1/scans/child",
        "/api/v1/scans/undo",
        "/api/v1/bills",
        "/api/v1/bills/X/parents",
        "/api/v1/bills/%00/close",
    ]
    statuses = set()
    for path in paths:
        for body in bodies:
            statuses.add(client.post(path, json=body, headers=device).status_code)
    for path in ("/api/v1/bags/%FF", "/api/v1/bags/SB60001%00", "/api/v1/bills/../../etc", "/api/v1/bags?q=%00"):
        statuses.add(client.get(path, headers=device).status_code)
    assert statuses <= {200, 201, 400, 403, 404, 409}
