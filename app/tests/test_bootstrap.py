"""The bootstrap command: the administrator and the secret's scanner devices, idempotent at every release."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import add_device, login
from sqlalchemy import select

from tracetrack import auth, migrate
from tracetrack.models import devices, users
from tracetrack.services import services

ADMIN_PASSWORD = "first sign-in password"
NEW_ADMIN_PASSWORD = "rotated sign-in password"
KEYS = {
    "dock-1": "k1dock1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "dock-2": "k2dock2BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    "returns-1": "k3returnsCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
}
NEW_KEY = "k4rotatedDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"
SECRETS = (ADMIN_PASSWORD, NEW_ADMIN_PASSWORD, NEW_KEY, *KEYS.values())
NOTHING = {"added": [], "reactivated": [], "rekeyed": [], "deactivated": [], "kept_inactive": [], "unchanged": []}
APP_DIR = Path(__file__).resolve().parents[1]


def bootstrap(app, password: str | None = ADMIN_PASSWORD, keys: dict | str | None = None, username: str | None = None):
    """Run the command with exactly these variables (None: unset); return (exit code, summary, result)."""
    env = {
        "TRACETRACK_ADMIN_USERNAME": username,
        "TRACETRACK_ADMIN_PASSWORD": password,
        "TRACETRACK_SCANNER_KEYS": keys if keys is None or isinstance(keys, str) else json.dumps(keys),
    }
    result = app.test_cli_runner().invoke(args=["bootstrap"], env=env)
    for secret in SECRETS:
        assert secret not in result.output, "a password or key was printed"
    summary = None
    if result.exit_code == 0:
        assert result.stdout.count("\n") == 1, "stdout must be exactly one line"
        summary = json.loads(result.stdout)
    return result.exit_code, summary, result


def outcome(**lists) -> dict:
    return NOTHING | lists


def snapshot(app) -> list:
    """Every stored value of users and devices, to show that a run wrote nothing."""
    with app.app_context(), services().db.read() as conn:
        return [list(conn.execute(select(table)).all()) for table in (users, devices)]


def me(client, key: str) -> int:
    return client.get("/api/v1/me", headers={"X-API-Key": key}).status_code


def test_first_run_creates_everything_and_a_second_run_changes_nothing(app):
    code, summary, _ = bootstrap(app, keys=KEYS)
    assert code == 0
    assert summary == {"changed": True, "admin": "created", "devices": outcome(added=sorted(KEYS))}
    client = app.test_client()
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 302
    assert client.get("/api/v1/me").get_json()["role"] == "admin"
    assert all(me(client, key) == 200 for key in KEYS.values())
    with app.app_context(), services().db.read() as conn:
        stored = {row.name: row for row in conn.execute(select(devices))}
    assert all(row.managed and row.key_hash == auth.hash_api_key(KEYS[name]) for name, row in stored.items())

    before = snapshot(app)
    code, summary, _ = bootstrap(app, keys=KEYS)
    assert code == 0
    assert summary == {"changed": False, "admin": "unchanged", "devices": outcome(unchanged=sorted(KEYS))}
    assert snapshot(app) == before
    assert client.get("/api/v1/me").status_code == 200  # the administrator's session goes on


def test_devices_follow_the_secret_and_replaced_keys_are_refused_at_once(app):
    bootstrap(app, keys=KEYS)
    client = app.test_client()
    assert me(client, KEYS["dock-1"]) == me(client, KEYS["dock-2"]) == 200
    changed = {"dock-1": NEW_KEY, "returns-1": KEYS["returns-1"], "dock-3": "k5newdeviceEEEEEEEEEEEEEEEEEEEEEEEEEEEE"}
    code, summary, _ = bootstrap(app, keys=changed)
    assert code == 0
    assert summary == {
        "changed": True,
        "admin": "unchanged",
        "devices": outcome(added=["dock-3"], rekeyed=["dock-1"], deactivated=["dock-2"], unchanged=["returns-1"]),
    }
    assert me(client, KEYS["dock-1"]) == 401
    assert me(client, KEYS["dock-2"]) == 401
    assert me(client, NEW_KEY) == 200
    assert me(client, changed["dock-3"]) == 200
    # A device removed from the secret comes back with a new key (the secret generates one).
    code, summary, _ = bootstrap(app, keys=changed | {"dock-2": "k6backagainFFFFFFFFFFFFFFFFFFFFFFFFFFFF"})
    assert summary["devices"] == outcome(reactivated=["dock-2"], unchanged=["dock-1", "dock-3", "returns-1"])
    assert me(client, "k6backagainFFFFFFFFFFFFFFFFFFFFFFFFFFFF") == 200
    assert me(client, KEYS["dock-2"]) == 401


def test_hand_registered_devices_are_never_touched(make_app):
    app = make_app()
    hand = add_device(app, "hand-1")
    client = app.test_client()
    code, summary, _ = bootstrap(app, keys={})
    assert code == 0
    assert summary["devices"] == NOTHING
    assert client.get("/api/v1/me", headers=hand).status_code == 200

    before = snapshot(app)
    code, _, result = bootstrap(app, keys={"hand-1": KEYS["dock-1"]})
    assert code == 3
    assert "device 'hand-1' of TRACETRACK_SCANNER_KEYS was registered by hand" in result.stderr
    assert result.stdout == ""
    code, _, result = bootstrap(app, keys={"dock-1": hand["X-API-Key"]})
    assert code == 3
    assert "is the key of device 'hand-1'" in result.stderr
    assert hand["X-API-Key"] not in result.output
    assert snapshot(app) == before  # nothing of either run was kept
    assert client.get("/api/v1/me", headers=hand).status_code == 200


def test_unset_scanner_keys_leave_devices_alone(make_app):
    app = make_app()
    bootstrap(app, keys=KEYS)
    code, summary, _ = bootstrap(app, keys=None)
    assert code == 0
    assert summary == {"changed": False, "admin": "unchanged", "devices": NOTHING}
    assert me(app.test_client(), KEYS["dock-1"]) == 200


def test_admin_password_rotation_ends_the_admins_sessions_and_restores_the_account(make_app):
    app = make_app()
    bootstrap(app, username="root")
    client = app.test_client()
    login(client, "root", ADMIN_PASSWORD)
    assert client.get("/api/v1/me").status_code == 200

    code, summary, _ = bootstrap(app, password=NEW_ADMIN_PASSWORD, username="root")
    assert (code, summary["admin"], summary["changed"]) == (0, "password_set", True)
    assert client.get("/api/v1/me").status_code == 401
    assert login(client, "root", ADMIN_PASSWORD).status_code == 200  # the form again: refused
    assert login(client, "root", NEW_ADMIN_PASSWORD).status_code == 302

    with app.app_context(), auth.identity_transaction() as (conn, changes):
        user_id = conn.execute(select(users.c.id).where(users.c.username == "root")).scalar_one()
        auth.change_user(conn, changes, user_id, role="biller", active=False)
    code, summary, _ = bootstrap(app, password=NEW_ADMIN_PASSWORD, username="root")
    assert summary["admin"] == "restored"
    assert login(client, "root", NEW_ADMIN_PASSWORD).status_code == 302
    assert client.get("/api/v1/me").get_json()["role"] == "admin"


def test_a_device_an_administrator_deactivated_keeps_its_revoked_key_off(make_app):
    app = make_app()
    bootstrap(app, keys=KEYS)
    with app.app_context(), auth.identity_transaction() as (conn, changes):
        device_id = conn.execute(select(devices.c.id).where(devices.c.name == "dock-1")).scalar_one()
        auth.deactivate_device(conn, changes, device_id)
    code, summary, result = bootstrap(app, keys=KEYS)
    assert code == 0
    assert summary == {
        "changed": False,
        "admin": "unchanged",
        "devices": outcome(kept_inactive=["dock-1"], unchanged=["dock-2", "returns-1"]),
    }
    assert "its key in the secret was revoked" in result.stderr
    assert me(app.test_client(), KEYS["dock-1"]) == 401
    code, summary, _ = bootstrap(app, keys=KEYS | {"dock-1": NEW_KEY})
    assert summary["devices"]["reactivated"] == ["dock-1"]
    assert me(app.test_client(), NEW_KEY) == 200


@pytest.mark.parametrize(
    ("password", "keys", "username", "message"),
    [
        (None, None, None, "TRACETRACK_ADMIN_PASSWORD is not set"),
        ("", None, None, "TRACETRACK_ADMIN_PASSWORD is not set"),
        ("short", None, None, "TRACETRACK_ADMIN_PASSWORD: the password must have at least 10 characters"),
        ("x" * 257, None, None, "at most 256 characters"),
        (ADMIN_PASSWORD, None, "bad name", "TRACETRACK_ADMIN_USERNAME must be 1-64 letters"),
        (ADMIN_PASSWORD, '{"dock-1": "' + KEYS["dock-1"], None, "TRACETRACK_SCANNER_KEYS is not valid JSON"),
        (ADMIN_PASSWORD, "", None, "TRACETRACK_SCANNER_KEYS is not valid JSON"),
        (ADMIN_PASSWORD, json.dumps(list(KEYS)), None, "TRACETRACK_SCANNER_KEYS must be a JSON object"),
        (ADMIN_PASSWORD, {"dock 1": KEYS["dock-1"]}, None, "device name 'dock 1' is not 1-64 letters"),
        (ADMIN_PASSWORD, {"-dock": KEYS["dock-1"]}, None, "device name '-dock' is not"),
        (ADMIN_PASSWORD, {"d" * 65: KEYS["dock-1"]}, None, "is not 1-64 letters"),
        (ADMIN_PASSWORD, {"dock-1": "short-key"}, None, "the key of device 'dock-1' must be 20-256 printable"),
        (ADMIN_PASSWORD, {"dock-1": KEYS["dock-1"] + " x"}, None, "must be 20-256 printable ASCII"),
        (ADMIN_PASSWORD, {"dock-1": 12345678901234567890}, None, "the key of device 'dock-1' must be"),
        (ADMIN_PASSWORD, {"a": KEYS["dock-1"], "b": KEYS["dock-1"]}, None, "devices 'a' and 'b' have the same key"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(make_app, password, keys, username, message):
    app = make_app()
    code, _, result = bootstrap(app, password=password, keys=keys, username=username)
    assert code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert snapshot(app) == [[], []]


def test_a_database_behind_the_latest_migration_is_refused(make_app):
    app = make_app(DB_AUTO_MIGRATE=False)
    migrate.upgrade(app.config, "0001")
    code, _, result = bootstrap(app)
    assert code == 1
    assert "schema is at revision 0001, not 0002: run `python -m tracetrack db-upgrade`" in result.stderr


def test_the_command_prints_one_json_line_and_logs_to_stderr(tmp_path):
    """As the release task runs it: its own process, settings and secrets from the environment only."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TRACETRACK_", "REDIS_", "DATABASE_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path}/tracetrack.sqlite",
        "DB_AUTO_MIGRATE": "true",
        "TRACETRACK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TRACETRACK_SCANNER_KEYS": json.dumps(KEYS),
    }
    command = [sys.executable, "-m", "tracetrack", "bootstrap"]
    first = subprocess.run(command, cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    [line] = first.stdout.splitlines()
    assert json.loads(line) == {"changed": True, "admin": "created", "devices": outcome(added=sorted(KEYS))}
    # Without Redis the command says so, as a JSON log line on stderr.
    assert "bootstrap without REDIS_URL" in first.stderr
    for secret in SECRETS:
        assert secret not in first.stdout + first.stderr
