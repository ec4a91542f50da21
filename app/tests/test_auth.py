"""Sessions, CSRF, API keys, roles and login throttling."""

import hashlib

import pytest
from conftest import PASSWORD, add_device, add_user, csrf_token, login, session_headers
from sqlalchemy import select

from tracetrack.models import devices, users
from tracetrack.services import services


@pytest.fixture
def sqlite_app(make_app):
    return make_app()


def test_login_starts_a_session_and_logout_ends_it(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = sqlite_app.test_client()
    response = login(client, "dana")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert client.get("/api/v1/me").get_json() == {"kind": "user", "id": 1, "name": "dana", "role": "dispatcher"}
    token = csrf_token(client, "/dashboard")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_and_unknown_user_get_the_same_answer(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = sqlite_app.test_client()
    wrong = login(client, "dana", "not the password").get_data(as_text=True)
    unknown = login(client, "nobody", "not the password").get_data(as_text=True)
    assert "Unknown username or wrong password." in wrong
    assert "Unknown username or wrong password." in unknown
    assert client.get("/api/v1/me").status_code == 401


def test_passwords_are_stored_hashed(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    with sqlite_app.app_context(), services().db.read() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert PASSWORD not in stored
    assert stored.startswith("scrypt:")


def test_login_redirect_stays_on_this_site(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = sqlite_app.test_client()
    for target, expected in (("/scan", "/scan"), ("https://evil.example/", "/dashboard"), ("//evil", "/dashboard")):
        # Logging in replaces the session, and the CSRF token with it.
        token = csrf_token(client)
        response = client.post(
            f"/login?next={target}", data={"username": "dana", "password": PASSWORD, "csrf_token": token}
        )
        assert response.headers["Location"] == expected


def test_login_form_without_csrf_token_is_refused(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = sqlite_app.test_client()
    response = client.post("/login", data={"username": "dana", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_session_api_writes_need_the_csrf_header(sqlite_app):
    add_user(sqlite_app, "dana", "dispatcher")
    client = sqlite_app.test_client()
    login(client, "dana")
    without = client.post("/api/v1/scans/parent", json={"qr_id": "SB50001"})
    with_token = client.post("/api/v1/scans/parent", json={"qr_id": "SB50001"}, headers=session_headers(client))
    assert without.status_code == 400
    assert without.get_json()["error"]["message"] == "The CSRF token is missing."
    assert with_token.status_code == 201
    # The session remembers the parent, so the page's child scans need no parent id.
    child = client.post("/api/v1/scans/child", json={"qr_id": "CB50001"}, headers=session_headers(client))
    assert child.get_json()["parent"]["child_count"] == 1


def test_api_keys_are_stored_as_digests_and_wrong_keys_are_401(sqlite_app):
    headers = add_device(sqlite_app, "gate-3")
    client = sqlite_app.test_client()
    with sqlite_app.app_context(), services().db.read() as conn:
        stored = conn.execute(select(devices.c.key_hash)).scalar_one()
    assert stored == hashlib.sha256(headers["X-API-Key"].encode()).hexdigest()
    assert client.get("/api/v1/me", headers=headers).get_json()["name"] == "gate-3"
    wrong = client.post("/api/v1/scans/parent", json={"qr_id": "SB50002"}, headers={"X-API-Key": "tt_wrong"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["message"] == "invalid API key"


def test_roles_limit_what_people_may_do(sqlite_app):
    add_user(sqlite_app, "bill", "biller")
    client = sqlite_app.test_client()
    login(client, "bill")
    refused = client.post("/api/v1/scans/parent", json={"qr_id": "SB50003"}, headers=session_headers(client))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "role 'biller' may not scan"
    assert client.get("/scan").status_code == 403
    assert client.get("/bills").status_code == 200


def test_pages_send_anonymous_visitors_to_login(sqlite_app):
    response = sqlite_app.test_client().get("/bills")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/bills"


def test_login_attempts_are_throttled_per_client_address(make_app):
    app = make_app(RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    statuses = [login(client, "nobody", "wrong password").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/login").status_code == 200


def test_api_requests_are_rate_limited_per_actor(make_app):
    app = make_app(RATELIMIT_API="5 per minute")
    first, second = add_device(app, "one"), add_device(app, "two")
    client = app.test_client()
    statuses = [client.get("/api/v1/me", headers=first).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = client.get("/api/v1/me", headers=first)
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_session_cookie_is_http_only_same_site_and_secure_when_configured(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    add_user(app, "dana", "dispatcher")
    client = app.test_client()
    response = login(client, "dana")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("tracetrack_session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert attribute in cookie
