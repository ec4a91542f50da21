"""Administration pages: administrators only, CSRF on every form, audited, keys shown once."""

import hashlib
import json
import re

import pytest
from conftest import PASSWORD, add_device, add_user, csrf_token, login, scan_parent
from sqlalchemy import select

from tracetrack.models import devices, users
from tracetrack.services import services

NEW_USER_PASSWORD = "welcome to the warehouse"
KEY = re.compile(r'<code id="device-key">([^<]+)</code>')


@pytest.fixture
def admin(app):
    """A signed-in administrator's browser (on SQLite and PostgreSQL)."""
    add_user(app, "root", "admin")
    client = app.test_client()
    assert login(client, "root").status_code == 302
    return client


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/users"), **data})


def user_id(app, username: str) -> int:
    with app.app_context(), services().db.read() as conn:
        return conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()


def admin_views(app):
    """(method, path) of every administration view, ids filled in."""
    views = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            views.append(("GET" if "GET" in rule.methods else "POST", re.sub(r"<int:\w+>", "1", rule.rule)))
    return views


def test_every_admin_view_refuses_other_roles_devices_and_anonymous_visitors(make_app):
    app = make_app()
    add_user(app, "dana", "dispatcher")
    add_user(app, "bill", "biller")
    device = add_device(app)
    views = admin_views(app)
    assert len(views) == 9
    for username in ("dana", "bill"):
        client = app.test_client()
        login(client, username)
        token = csrf_token(client, "/dashboard")
        for method, path in views:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (username, method, path)
            assert "may not admin" in response.get_data(as_text=True)
        assert "/admin/" not in client.get("/dashboard").get_data(as_text=True)  # no link either
    for method, path in views:
        assert app.test_client().open(path, method=method, headers=device).status_code == 403
        anonymous = app.test_client()
        response = anonymous.open(path, method=method, data={"csrf_token": csrf_token(anonymous)})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=/admin")


def test_admin_forms_need_the_csrf_token(admin, app):
    add_user(app, "dana", "dispatcher")
    dana = user_id(app, "dana")
    for path, data in (
        ("/admin/users", {"username": "eve", "role": "admin", "password": NEW_USER_PASSWORD}),
        (f"/admin/users/{dana}/role", {"role": "admin"}),
        (f"/admin/users/{dana}/password", {"password": NEW_USER_PASSWORD}),
        (f"/admin/users/{dana}/deactivate", {}),
        ("/admin/devices", {"name": "dock-9"}),
        ("/admin/devices/1/deactivate", {}),
    ):
        response = admin.post(path, data=data)
        assert response.status_code == 400, path
        assert "CSRF token is missing" in response.get_data(as_text=True)
    with app.app_context(), services().db.read() as conn:
        assert conn.execute(select(users.c.username, users.c.role, users.c.active)).all() == [
            ("root", "admin", True),
            ("dana", "dispatcher", True),
        ]
        assert conn.execute(select(devices.c.id)).all() == []


def test_admin_creates_a_user_who_can_then_sign_in(admin, app, capsys):
    page = admin.get("/dashboard").get_data(as_text=True)
    assert 'href="/admin/users"' in page
    created = post(admin, "/admin/users", username="dispatch-7", role="dispatcher", password=NEW_USER_PASSWORD)
    assert created.status_code == 302
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "User dispatch-7 created with role dispatcher." in listing
    assert "dispatch-7" in listing
    newcomer = app.test_client()
    assert login(newcomer, "dispatch-7", NEW_USER_PASSWORD).status_code == 302
    assert newcomer.get("/api/v1/me").get_json() == {
        "kind": "user",
        "id": user_id(app, "dispatch-7"),
        "name": "dispatch-7",
        "role": "dispatcher",
    }
    duplicate = post(admin, "/admin/users", username="dispatch-7", role="biller", password=NEW_USER_PASSWORD)
    assert "User dispatch-7 already exists." in duplicate.get_data(as_text=True)
    output = capsys.readouterr().out
    assert NEW_USER_PASSWORD not in output
    [audit] = [json.loads(line) for line in output.splitlines() if '"user created"' in line]
    assert {key: audit[key] for key in ("logger", "actor", "username", "role")} == {
        "logger": "tracetrack.admin",
        "actor": "user:root",
        "username": "dispatch-7",
        "role": "dispatcher",
    }


def test_invalid_new_users_are_refused_with_the_reason(make_app):
    app = make_app()
    add_user(app, "root", "admin")
    client = app.test_client()
    login(client, "root")
    for data, message in (
        ({"username": "bad name", "role": "dispatcher", "password": NEW_USER_PASSWORD}, "Username: 1-64 letters"),
        ({"username": "x" * 65, "role": "dispatcher", "password": NEW_USER_PASSWORD}, "Username: 1-64 letters"),
        ({"username": "ok", "role": "dispatcher", "password": "short"}, "Initial password: at least 10 and at most"),
        ({"username": "ok", "role": "owner", "password": NEW_USER_PASSWORD}, "Role: Not a valid choice"),
    ):
        response = post(client, "/admin/users", **data)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), data
    with app.app_context(), services().db.read() as conn:
        assert conn.execute(select(users.c.username)).scalars().all() == ["root"]


def test_role_password_and_activation_changes_end_the_users_sessions(admin, app, capsys):
    add_user(app, "dana", "dispatcher")
    dana = user_id(app, "dana")
    victim = app.test_client()

    def sign_in_dana(password=PASSWORD):
        assert login(victim, "dana", password).status_code == 302
        assert victim.get("/api/v1/me").status_code == 200

    sign_in_dana()
    post(admin, f"/admin/users/{dana}/role", role="dispatcher")
    assert "dana already has role dispatcher." in admin.get(f"/admin/users/{dana}").get_data(as_text=True)
    assert victim.get("/api/v1/me").status_code == 200
    changed = post(admin, f"/admin/users/{dana}/role", role="biller")
    assert changed.headers["Location"] == f"/admin/users/{dana}"
    assert "dana now has role biller" in admin.get(f"/admin/users/{dana}").get_data(as_text=True)
    assert victim.get("/api/v1/me").status_code == 401

    sign_in_dana()
    post(admin, f"/admin/users/{dana}/password", password=NEW_USER_PASSWORD)
    assert victim.get("/api/v1/me").status_code == 401
    sign_in_dana(NEW_USER_PASSWORD)

    post(admin, f"/admin/users/{dana}/deactivate")
    page = admin.get(f"/admin/users/{dana}").get_data(as_text=True)
    assert "dana deactivated and signed out everywhere." in page
    assert '<dd id="user-status">inactive</dd>' in page
    assert victim.get("/api/v1/me").status_code == 401
    assert login(victim, "dana", NEW_USER_PASSWORD).status_code == 200  # refused

    post(admin, f"/admin/users/{dana}/reactivate")
    sign_in_dana(NEW_USER_PASSWORD)
    assert victim.get("/api/v1/me").get_json()["role"] == "biller"

    short = post(admin, f"/admin/users/{dana}/password", password="short")
    assert short.status_code == 302
    assert "New password: at least 10 and at most 256 characters" in admin.get(f"/admin/users/{dana}").get_data(
        as_text=True
    )
    assert victim.get("/api/v1/me").status_code == 200  # a refused change ends nothing

    output = capsys.readouterr().out
    assert NEW_USER_PASSWORD not in output
    events = [json.loads(line) for line in output.splitlines() if '"tracetrack.admin"' in line]
    assert [(e["message"], e["username"], e["actor"]) for e in events] == [
        ("user role changed", "dana", "user:root"),
        ("user password reset", "dana", "user:root"),
        ("user deactivated", "dana", "user:root"),
        ("user reactivated", "dana", "user:root"),
    ]
    assert events[0]["role"] == "biller"


def test_administrators_cannot_demote_or_deactivate_themselves(admin, app):
    root = user_id(app, "root")
    page = admin.get(f"/admin/users/{root}").get_data(as_text=True)
    assert 'id="role-form"' not in page
    assert 'id="activation-form"' not in page
    post(admin, f"/admin/users/{root}/role", role="dispatcher")
    assert "You cannot change your own role." in admin.get(f"/admin/users/{root}").get_data(as_text=True)
    post(admin, f"/admin/users/{root}/deactivate")
    assert "You cannot deactivate your own account." in admin.get(f"/admin/users/{root}").get_data(as_text=True)
    assert admin.get("/api/v1/me").get_json()["role"] == "admin"
    # Their own password: the other sessions end, this one goes on.
    other = app.test_client()
    login(other, "root")
    post(admin, f"/admin/users/{root}/password", password=NEW_USER_PASSWORD)
    assert admin.get("/api/v1/me").status_code == 200
    assert other.get("/api/v1/me").status_code == 401
    assert admin.get("/admin/users/999").status_code == 404


def test_a_registered_device_key_is_shown_once_works_and_is_refused_once_deactivated(admin, app, capsys):
    registered = post(admin, "/admin/devices", name="dock-9")
    assert registered.status_code == 200
    page = registered.get_data(as_text=True)
    key = KEY.search(page).group(1)
    assert key.startswith("tt_")
    assert registered.headers["Cache-Control"] == "no-store"
    assert key not in admin.get("/admin/devices").get_data(as_text=True)  # never again
    with app.app_context(), services().db.read() as conn:
        row = conn.execute(select(devices.c.id, devices.c.key_hash, devices.c.managed)).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.managed is False

    scanner = app.test_client()
    headers = {"X-API-Key": key}
    assert scan_parent(scanner, headers, "SB70001").status_code == 201
    assert scanner.get("/api/v1/me", headers=headers).get_json()["name"] == "dock-9"

    post(admin, f"/admin/devices/{row.id}/deactivate")
    assert "Device dock-9 deactivated" in admin.get("/admin/devices").get_data(as_text=True)
    refused = scan_parent(scanner, headers, "SB70002")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["message"] == "invalid API key"
    again = post(admin, f"/admin/devices/{row.id}/deactivate")
    assert again.status_code == 302
    assert "That device is not active." in admin.get("/admin/devices").get_data(as_text=True)

    duplicate = post(admin, "/admin/devices", name="dock-9")
    assert "Device dock-9 already exists." in duplicate.get_data(as_text=True)
    assert KEY.search(duplicate.get_data(as_text=True)) is None
    invalid = post(admin, "/admin/devices", name="dock 9!")
    assert "Device name: 1-64 letters" in invalid.get_data(as_text=True)

    output = capsys.readouterr().out
    assert key not in output
    events = [json.loads(line) for line in output.splitlines() if '"tracetrack.admin"' in line]
    assert [(e["message"], e["device"]) for e in events] == [
        ("device registered", "dock-9"),
        ("device deactivated", "dock-9"),
    ]
