"""Revocation: sessions and device keys end on the next request, in every worker, with or without Redis."""

import json
from contextlib import contextmanager

import pytest
import redis
from conftest import TEST_REDIS_URL, add_device, add_user, csrf_token, login, needs_redis
from netutil import free_port
from sqlalchemy import select

from tracetrack import auth
from tracetrack.models import devices, users
from tracetrack.services import services

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def sqlite_app(make_app):
    return make_app()


def change_user(app, username: str, **values) -> None:
    """What the administration pages, the account page and the commands do to a user."""
    with app.app_context(), auth.identity_transaction() as (conn, changes):
        user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        auth.change_user(conn, changes, user_id, **values)


def deactivate_device(app, name: str) -> None:
    with app.app_context(), auth.identity_transaction() as (conn, changes):
        device_id = conn.execute(select(devices.c.id).where(devices.c.name == name)).scalar_one()
        auth.deactivate_device(conn, changes, device_id)


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    return client


def test_device_requests_carry_no_session_and_signed_in_users_keep_theirs(sqlite_app):
    device = add_device(sqlite_app)
    scanner = sqlite_app.test_client()
    for response in (
        scanner.get("/api/v1/me", headers=device),
        scanner.post("/api/v1/scans/parent", json={"qr_id": "SB10001"}, headers=device),
    ):
        assert response.status_code in (200, 201)
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
    assert scanner.get_cookie("tracetrack_session") is None

    add_user(sqlite_app, "dana", "dispatcher")
    browser = signed_in(sqlite_app, "dana")
    scan = browser.post(
        "/api/v1/scans/parent", json={"qr_id": "SB10001"}, headers={"X-CSRFToken": csrf_token(browser, "/scan")}
    )
    assert scan.status_code == 200
    assert "Cookie" in scan.headers["Vary"]
    assert browser.get("/api/v1/scans/current").get_json()["parent"]["qr_id"] == "SB10001"


def test_logout_ends_every_session_of_the_user(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    add_user(sqlite_app, "sam", "dispatcher")
    phone, desk, other = signed_in(sqlite_app, "dana"), signed_in(sqlite_app, "dana"), signed_in(sqlite_app, "sam")
    phone.post("/logout", data={"csrf_token": csrf_token(phone, "/dashboard")})
    assert phone.get("/api/v1/me").status_code == 401
    assert desk.get("/api/v1/me").status_code == 401
    page = desk.get("/scan")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/scan"
    assert other.get("/api/v1/me").status_code == 200
    assert signed_in(sqlite_app, "dana").get("/api/v1/me").get_json()["name"] == "dana"


def test_deactivating_a_user_ends_their_open_session_on_the_next_request(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = signed_in(sqlite_app, "dana")
    change_user(sqlite_app, "dana", active=False)
    page = client.get("/dashboard")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/dashboard"
    assert client.get("/api/v1/me").status_code == 401
    assert login(client, "dana").status_code == 200  # the form again: refused


def test_a_password_change_ends_the_users_other_sessions_and_keeps_this_one(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    phone, desk = signed_in(sqlite_app, "dana"), signed_in(sqlite_app, "dana")
    token = csrf_token(phone, "/account")
    form = {"csrf_token": token, "current": "not my password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    wrong = phone.post("/account", data=form)
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    mismatch = phone.post("/account", data=form | {"current": "correct horse battery staple", "confirm": "other"})
    assert "The two differ." in mismatch.get_data(as_text=True)
    assert desk.get("/api/v1/me").status_code == 200

    changed = phone.post("/account", data=form | {"current": "correct horse battery staple"}, follow_redirects=True)
    assert "Password changed. Your other sessions were signed out." in changed.get_data(as_text=True)
    assert phone.get("/api/v1/me").status_code == 200
    assert desk.get("/api/v1/me").status_code == 401
    assert login(desk, "dana").status_code == 200
    assert login(desk, "dana", NEW_PASSWORD).status_code == 302


def test_role_change_ends_the_users_sessions(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = signed_in(sqlite_app, "dana")
    change_user(sqlite_app, "dana", role="biller")
    assert client.get("/api/v1/me").status_code == 401
    assert signed_in(sqlite_app, "dana").get("/api/v1/me").get_json()["role"] == "biller"


def test_sessions_from_before_session_versions_count_as_version_0(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = sqlite_app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = 1  # what the previous release signed into the cookie
    assert client.get("/api/v1/me").get_json()["name"] == "dana"
    change_user(sqlite_app, "dana")
    assert client.get("/api/v1/me").status_code == 401


@pytest.fixture(params=["redis", "database"])
def two_workers(request, make_app):
    """Two application instances (two workers, or two tasks) on one database, sharing Redis or not."""
    if request.param == "redis":
        needs_redis()
        first = make_app(REDIS_URL=TEST_REDIS_URL)
        second = make_app(REDIS_URL=TEST_REDIS_URL, CACHE_KEY_PREFIX=first.config["CACHE_KEY_PREFIX"])
    else:
        first, second = make_app(), make_app()
    return first, second


def test_revocations_in_one_worker_take_effect_in_the_other_at_once(two_workers):
    first, second = two_workers
    add_user(first, "dana", "dispatcher")
    add_user(first, "sam", "dispatcher")
    device = add_device(first, "gate-1")
    dana, sam = signed_in(first, "dana"), signed_in(first, "sam")
    scanner = first.test_client()
    for _ in range(3):  # cached by now, wherever this worker caches
        assert dana.get("/api/v1/me").status_code == sam.get("/api/v1/me").status_code == 200
        assert scanner.get("/api/v1/me", headers=device).status_code == 200

    change_user(second, "dana", active=False)
    deactivate_device(second, "gate-1")
    assert dana.get("/api/v1/me").status_code == 401
    assert scanner.get("/api/v1/me", headers=device).status_code == 401
    assert sam.get("/api/v1/me").status_code == 200


@contextmanager
def counting_reads(app):
    """Count the database reads of the requests made inside the block."""
    svc = app.extensions["tracetrack"]
    original = svc.db.read
    reads = []

    @contextmanager
    def counted():
        reads.append("primary")  # read() is the primary's; replica reads go through query()
        with original() as conn:
            yield conn

    svc.db.read = counted
    try:
        yield reads
    finally:
        svc.db.read = original


def test_with_redis_one_get_per_request_and_no_database_read(make_app):
    needs_redis()
    app = make_app(REDIS_URL=TEST_REDIS_URL)
    add_user(app, "dana", "dispatcher")
    device = add_device(app, "gate-1")
    client = signed_in(app, "dana")
    with counting_reads(app) as reads:
        statuses = [client.get("/api/v1/me").status_code for _ in range(5)]
        statuses += [client.get("/api/v1/me", headers=device).status_code for _ in range(5)]
    assert statuses == [200] * 10
    assert reads == ["primary"]  # the device's first request; the session was cached by the sign-in check
    server = redis.Redis.from_url(TEST_REDIS_URL)
    prefix = app.config["CACHE_KEY_PREFIX"]
    assert json.loads(server.get(prefix + "session:1:0")) == {"name": "dana", "role": "dispatcher"}
    change_user(app, "dana")
    assert json.loads(server.get(prefix + "session:1:0")) == {}
    assert server.ttl(prefix + "session:1:0") > auth.ACTOR_CACHE_SECONDS


def test_a_read_that_began_before_a_revocation_cannot_bring_it_back(two_workers):
    """A request reads the user (still valid), the revocation commits, then the request caches what it read:
    the cached entry must not outlive the revocation."""
    first, second = two_workers
    add_user(first, "dana", "dispatcher")
    device = add_device(first, "gate-1")
    client = signed_in(first, "dana")
    svc = first.extensions["tracetrack"]
    svc.cache.delete("session:1:0")  # the next request reads the database
    original = svc.db.read
    pending = []  # run right after the next database read

    @contextmanager
    def read_then_revoke():
        with original() as conn:
            yield conn
        while pending:
            pending.pop()()

    svc.db.read = read_then_revoke
    try:
        pending.append(lambda: change_user(second, "dana", active=False))
        assert client.get("/api/v1/me").status_code == 200  # it read before the revocation
        assert client.get("/api/v1/me").status_code == 401
        pending.append(lambda: deactivate_device(second, "gate-1"))
        assert client.get("/api/v1/me", headers=device).status_code == 200
        assert client.get("/api/v1/me", headers=device).status_code == 401
    finally:
        svc.db.read = original
    assert pending == []


def test_while_redis_is_unreachable_identities_come_from_the_database(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", CACHE_RETRY_SECONDS=60)
    add_user(app, "dana", "dispatcher")
    device = add_device(app, "gate-1")
    client = signed_in(app, "dana")
    assert client.get("/api/v1/me", headers=device).status_code == 200
    with app.app_context():
        assert services().cache.backend == "memory"
    change_user(app, "dana", active=False)
    deactivate_device(app, "gate-1")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=device).status_code == 401
