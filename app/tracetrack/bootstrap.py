"""First sign-in: the administrator account and the scanner devices, from the deployment's secrets.

``python -m tracetrack bootstrap`` runs at every release, next to ``db-upgrade``, with the secrets in
its environment. It is idempotent: it compares before it writes, and a run with the same inputs as the
last one changes nothing.

- The administrator (``TRACETRACK_ADMIN_USERNAME``, default ``admin``) exists, is active, has role
  admin and has the password ``TRACETRACK_ADMIN_PASSWORD``, checked against the stored hash; the hash
  is only rewritten when the password does not match it.
- The devices managed by the secret (``devices.managed``) match ``TRACETRACK_SCANNER_KEYS``, a JSON
  object of device name to API key: new names are added, names gone from it are deactivated, a changed
  key replaces the stored digest. Devices registered by hand are never touched.
- A key once revoked stays revoked: a managed device an administrator deactivated while its key is
  still in the secret is left inactive (``kept_inactive``) until the secret gives it a new key.
"""

import json
import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import select, text, update
from werkzeug.security import check_password_hash

from . import auth
from .models import devices, users

log = logging.getLogger(__name__)

ADMIN_USERNAME_ENV = "TRACETRACK_ADMIN_USERNAME"
ADMIN_PASSWORD_ENV = "TRACETRACK_ADMIN_PASSWORD"  # noqa: S105 (the variable's name, not a password)
SCANNER_KEYS_ENV = "TRACETRACK_SCANNER_KEYS"
DEFAULT_ADMIN_USERNAME = "admin"
# Printable ASCII without spaces (a valid HTTP header value), long enough to be a secret.
API_KEY = re.compile(r"[\x21-\x7e]{20,256}")
API_KEY_RULE = "20-256 printable ASCII characters without spaces"
# Two bootstrap runs at once (two releases) take turns on PostgreSQL; SQLite's BEGIN IMMEDIATE does it there.
ADVISORY_LOCK = 0x7472_6163_6B62  # "trackb"
DEVICE_OUTCOMES = ("added", "reactivated", "rekeyed", "deactivated", "kept_inactive", "unchanged")


class InvalidInput(ValueError):
    """The environment does not describe a valid administrator or set of devices."""


class Conflict(RuntimeError):
    """The input clashes with devices registered by hand."""


@dataclass(frozen=True)
class Inputs:
    admin_username: str
    admin_password: str = field(repr=False)
    # None: the variable is unset and devices are left as they are.
    scanner_keys: dict[str, str] | None = field(repr=False)


def read_inputs(environ) -> Inputs:
    """Validate the environment. Messages name variables and devices, never a password or key."""
    username = environ.get(ADMIN_USERNAME_ENV) or DEFAULT_ADMIN_USERNAME
    if not auth.USERNAME.fullmatch(username):
        raise InvalidInput(f"{ADMIN_USERNAME_ENV} must be {auth.USERNAME_RULE}")
    password = environ.get(ADMIN_PASSWORD_ENV)
    if not password:
        raise InvalidInput(f"{ADMIN_PASSWORD_ENV} is not set")
    problem = auth.password_problem(password)
    if problem:
        raise InvalidInput(f"{ADMIN_PASSWORD_ENV}: {problem}")
    raw = environ.get(SCANNER_KEYS_ENV)
    return Inputs(username, password, None if raw is None else _scanner_keys(raw))


def _scanner_keys(raw: str) -> dict[str, str]:
    try:
        keys = json.loads(raw)
    except json.JSONDecodeError as exc:
        # The position only: the decoder's own message is safe, the document it holds is not.
        raise InvalidInput(f"{SCANNER_KEYS_ENV} is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(keys, dict):
        raise InvalidInput(f'{SCANNER_KEYS_ENV} must be a JSON object {{"device-name": "api-key", ...}}')
    owners: dict[str, str] = {}
    for name, key in keys.items():
        if not auth.DEVICE_NAME.fullmatch(name):
            raise InvalidInput(f"{SCANNER_KEYS_ENV}: device name {name[:64]!r} is not {auth.DEVICE_NAME_RULE}")
        if not isinstance(key, str) or not API_KEY.fullmatch(key):
            raise InvalidInput(f"{SCANNER_KEYS_ENV}: the key of device {name!r} must be {API_KEY_RULE}")
        if key in owners:
            raise InvalidInput(f"{SCANNER_KEYS_ENV}: devices {owners[key]!r} and {name!r} have the same key")
        owners[key] = name
    return keys


def apply(conn, changes: auth.IdentityChanges, inputs: Inputs) -> dict:
    """Bring the database in line with ``inputs`` inside the caller's transaction; the summary."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    admin = _admin(conn, changes, inputs.admin_username, inputs.admin_password)
    outcome = {name: [] for name in DEVICE_OUTCOMES}
    if inputs.scanner_keys is not None:
        outcome = _devices(conn, changes, inputs.scanner_keys)
    for name in outcome["kept_inactive"]:
        log.warning(
            "device left inactive: its key in the secret was revoked; give it a new key", extra={"device": name}
        )
    changed = admin != "unchanged" or any(outcome[name] for name in ("added", "reactivated", "rekeyed", "deactivated"))
    return {"changed": changed, "admin": admin, "devices": outcome}


def _admin(conn, changes: auth.IdentityChanges, username: str, password: str) -> str:
    row = conn.execute(
        select(users.c.id, users.c.password_hash, users.c.role, users.c.active).where(users.c.username == username)
    ).first()
    if row is None:
        auth.create_user(conn, username, password, "admin")
        return "created"
    if not check_password_hash(row.password_hash, password):
        # A new password ends the administrator's open sessions, like every change to a user.
        auth.set_password(conn, changes, row.id, password, role="admin", active=True)
        return "password_set"
    if row.role != "admin" or not row.active:
        auth.change_user(conn, changes, row.id, role="admin", active=True)
        return "restored"
    return "unchanged"


def _devices(conn, changes: auth.IdentityChanges, keys: dict[str, str]) -> dict:
    outcome = {name: [] for name in DEVICE_OUTCOMES}
    rows = conn.execute(
        select(devices.c.id, devices.c.name, devices.c.key_hash, devices.c.active, devices.c.managed)
    ).all()
    by_name = {row.name: row for row in rows}
    by_digest = {row.key_hash: row.name for row in rows}
    for name in sorted(keys):
        digest = auth.hash_api_key(keys[name])
        row = by_name.get(name)
        holder = by_digest.get(digest)
        if holder is not None and holder != name:
            raise Conflict(f"the key of device {name!r} in {SCANNER_KEYS_ENV} is the key of device {holder!r}")
        if row is None:
            auth.create_device(conn, name, keys[name], managed=True)
            device_id = conn.execute(select(devices.c.id).where(devices.c.name == name)).scalar_one()
            changes.accept_key(digest, device_id, name)
            outcome["added"].append(name)
        elif not row.managed:
            raise Conflict(
                f"device {name!r} of {SCANNER_KEYS_ENV} was registered by hand; give the secret's device another name"
            )
        elif row.key_hash == digest:
            outcome["unchanged" if row.active else "kept_inactive"].append(name)
        else:
            conn.execute(update(devices).where(devices.c.id == row.id).values(key_hash=digest, active=True))
            changes.refuse_key(row.key_hash)
            changes.accept_key(digest, row.id, name)
            outcome["rekeyed" if row.active else "reactivated"].append(name)
    for row in sorted(rows, key=lambda row: row.name):
        if row.managed and row.active and row.name not in keys:
            auth.deactivate_device(conn, changes, row.id)
            outcome["deactivated"].append(row.name)
    return outcome
