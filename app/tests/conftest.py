"""Fixtures: an application on SQLite (always) and on PostgreSQL and Redis (when reachable).

PostgreSQL tests run in a schema of their own that is dropped at the end; Redis tests use their own
key prefix in database 15 and delete their keys. When either service cannot be reached, its tests are
skipped with the reason, and the end of the run says so in a banner.
"""

import os
import re
import uuid

import pytest
import redis
from netutil import RedisServer
from sqlalchemy import create_engine, text

from tracetrack import auth, create_app
from tracetrack.auth import create_device, create_user
from tracetrack.services import services

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "correct horse battery staple"
TABLES = ("scan_events", "bags", "bills", "devices", "users")

# The same algorithm at a test-size cost: a default scrypt hash takes about 0.1 s and 64 MiB, and the
# suite makes hundreds. Hashes name their method, so checking them works the same.
auth.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
auth._DUMMY_HASH = auth.hash_password("not a password of any test user")


def _postgres_problem() -> str | None:
    engine = create_engine(TEST_DATABASE_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means: no PostgreSQL for this run
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def _redis_problem() -> str | None:
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


POSTGRES_PROBLEM = _postgres_problem()
REDIS_PROBLEM = _redis_problem()


def _availability(problem: str | None) -> str:
    return f"UNAVAILABLE - {problem}" if problem else "available"


def pytest_report_header(config):
    return [
        f"PostgreSQL {TEST_DATABASE_URL}: {_availability(POSTGRES_PROBLEM)}",
        f"Redis {TEST_REDIS_URL}: {_availability(REDIS_PROBLEM)}",
    ]


def pytest_terminal_summary(terminalreporter):
    for name, problem, variable in (
        ("PostgreSQL", POSTGRES_PROBLEM, "TEST_DATABASE_URL"),
        ("Redis", REDIS_PROBLEM, "TEST_REDIS_URL"),
    ):
        if problem:
            terminalreporter.write_sep("!", f"{name} TESTS WERE SKIPPED", red=True, bold=True)
            terminalreporter.write_line(f"{name} could not be reached ({problem}).")
            terminalreporter.write_line(f"Set {variable} to a reachable server to run them.")


def needs_postgres():
    if POSTGRES_PROBLEM:
        pytest.skip(f"PostgreSQL unreachable at {TEST_DATABASE_URL} ({POSTGRES_PROBLEM}); PostgreSQL tests SKIPPED")


def needs_redis():
    if REDIS_PROBLEM:
        pytest.skip(f"Redis unreachable at {TEST_REDIS_URL} ({REDIS_PROBLEM}); Redis tests SKIPPED")


@pytest.fixture(scope="session")
def pg_schema():
    """A schema of this run's own in the shared test database, dropped at the end."""
    needs_postgres()
    schema = f"tt_test_{uuid.uuid4().hex[:10]}"
    yield schema
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def base_config(tmp_path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path}/tracetrack.sqlite",
        "DATABASE_READ_URL": "",
        "DATABASE_SCHEMA": "",
        "DB_AUTO_MIGRATE": True,
        "REDIS_URL": "",
        "REDIS_AUTH_TOKEN": "",
        "CACHE_KEY_PREFIX": f"tt-test-{uuid.uuid4().hex[:8]}:",
        "ACCESS_LOG": False,
        "METRICS_EMF_ENABLED": False,
        "OTEL_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "HEALTH_CACHE_SECONDS": 0,
        "TRACETRACK_TIMEZONE": "UTC",
    }
    config.update(overrides)
    return config


@pytest.fixture
def make_app(tmp_path):
    """Build apps from test settings; each is disposed of (and its Redis keys deleted) afterwards."""
    built = []

    def build(**overrides):
        app = create_app(base_config(tmp_path, **overrides))
        built.append(app)
        return app

    yield build
    for app in built:
        svc = app.extensions["tracetrack"]
        svc.db.dispose()
        if app.config["REDIS_URL"] and not REDIS_PROBLEM and app.config["REDIS_URL"] == TEST_REDIS_URL:
            client = redis.Redis.from_url(TEST_REDIS_URL)
            # Cache entries and rate-limit counters alike carry the prefix.
            keys = list(client.scan_iter(match=app.config["CACHE_KEY_PREFIX"] + "*"))
            if keys:
                client.delete(*keys)


@pytest.fixture
def redis_server():
    """A redis-server of the test's own on a free port, which the test may stop, kill and start again."""
    server = RedisServer()
    if server.binary is None:
        pytest.skip("redis-server is not installed; the Redis failure tests SKIPPED")
    yield server.start()
    server.stop()


def postgres_config(pg_schema: str) -> dict:
    return {"DATABASE_URL": TEST_DATABASE_URL, "DATABASE_SCHEMA": pg_schema}


def _truncate(app) -> None:
    with app.app_context(), services().db.transaction() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def app(make_app, backend, request):
    if backend == "postgresql":
        schema = request.getfixturevalue("pg_schema")
        application = make_app(**postgres_config(schema))
        _truncate(application)
        yield application
        _truncate(application)
    else:
        yield make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def add_user(app, username: str, role: str, password: str = PASSWORD) -> None:
    with app.app_context(), services().db.transaction() as conn:
        create_user(conn, username, password, role)


def add_device(app, name: str = "scanner-1") -> dict:
    with app.app_context(), services().db.transaction() as conn:
        return {"X-API-Key": create_device(conn, name)}


@pytest.fixture
def device(app) -> dict:
    """Request headers that authenticate as a scanner device."""
    return add_device(app)


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def login(client, username: str, password: str = PASSWORD, follow: bool = False):
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=follow
    )


def session_headers(client) -> dict:
    """Headers for API writes made with a logged-in browser session."""
    return {"X-CSRFToken": csrf_token(client, "/dashboard")}


def scan_parent(client, headers: dict, qr: str):
    return client.post("/api/v1/scans/parent", json={"qr_id": qr}, headers=headers)


def scan_child(client, headers: dict, qr: str, parent: str | None = None):
    body = {"qr_id": qr} if parent is None else {"qr_id": qr, "parent_qr_id": parent}
    return client.post("/api/v1/scans/child", json=body, headers=headers)


def fill_parent(client, headers: dict, parent: str, count: int, first_child: int = 10_000) -> None:
    assert scan_parent(client, headers, parent).status_code in (200, 201)
    for n in range(count):
        response = scan_child(client, headers, f"CB{first_child + n}", parent)
        assert response.status_code == 201, response.get_json()
