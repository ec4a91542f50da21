"""People log in with a session; scanner devices send a per-device key in ``X-API-Key``.

Passwords are stored as scrypt hashes. Device keys are long random secrets, so a SHA-256 digest is
enough to store them safely and lets the key be found by an indexed lookup on every request.

Revocation takes effect on the next request, in every worker and task:

- Each user has a session version, signed into the session cookie at sign-in. Signing out, a password
  change or reset, a role change, deactivation and reactivation raise it, which ends every session the
  user has open.
- Who a session or key belongs to is cached in Redis (one GET per request), never in a worker's own
  memory, under a key that names the session version or the key's digest. A change writes a
  "revoked" entry over the old key once its transaction has committed; an entry computed from a read
  is only ever added if absent (SET NX), so it can never overwrite a revocation written meanwhile.
- Without Redis (or while it fails) every request reads the primary database instead: an indexed
  lookup, and never a copy that another process could not invalidate.
"""

import functools
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import FlaskForm
from sqlalchemy import bindparam, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .cache import CHANGE_MARKER_SECONDS, REQUEST_KEYS, Cache
from .errors import ApiError, wants_json
from .models import ROLES, devices, users
from .services import services

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

API_KEY_HEADER = "X-API-Key"
# The session cookie's field holding the session version (see users.session_version).
SESSION_VERSION = "sv"
ACTOR_CACHE_SECONDS = 60
# A revoked session version or key stays marked as such longer than any read that began before the
# change could still take to write its (stale, refused by SET NX) entry.
REVOKED_CACHE_SECONDS = 600
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # the sign-in form's limit
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
USERNAME_RULE = "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DEVICE_NAME_RULE = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
PERMISSIONS = {
    "scan": {"admin", "dispatcher", "device"},
    "bill": {"admin", "biller"},
    "view": {"admin", "dispatcher", "biller", "device"},
    "admin": {"admin"},
}
# werkzeug's scrypt (n=2**15, r=8, p=1): what makes a stolen hash expensive to attack. The stored hash
# names its method, so checks follow whatever a hash was made with.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a hashing method, not a password)
# Any failed password check costs the same as a real one, so timing does not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), PASSWORD_HASH_METHOD)
# Statements run on every request are built once (see inventory.py).
_SESSION_USER = select(users.c.username, users.c.role, users.c.active, users.c.session_version).where(
    users.c.id == bindparam("user_id")
)
_DEVICE_BY_DIGEST = select(devices.c.id, devices.c.name).where(
    devices.c.key_hash == bindparam("digest"), devices.c.active
)


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" or "device"
    id: int
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return "tt_" + secrets.token_urlsafe(32)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
    return None


def _session_key(user_id: int, version: int) -> str:
    return f"session:{user_id}:{version}"


def _device_key(digest: str) -> str:
    return "device:" + digest


class IdentityChanges:
    """Cache entries that committed changes to users or devices replace, in Redis, for every process.

    Collected while the transaction runs and written once it has committed (``identity_transaction``):
    written earlier, a request could read the old row again and cache it before the commit.
    """

    def __init__(self):
        self._entries: list[tuple[str, dict, int]] = []

    def end_sessions(self, user_id: int, old_version: int) -> None:
        self._entries.append((_session_key(user_id, old_version), {}, REVOKED_CACHE_SECONDS))

    def refuse_key(self, digest: str) -> None:
        self._entries.append((_device_key(digest), {}, REVOKED_CACHE_SECONDS))

    def accept_key(self, digest: str, device_id: int, name: str) -> None:
        # Replaces a "refused" entry cached while a scanner already tried a key not yet registered.
        self._entries.append((_device_key(digest), {"id": device_id, "name": name}, ACTOR_CACHE_SECONDS))

    def publish(self, cache: Cache) -> bool:
        written = [cache.set_shared(key, value, ttl) for key, value, ttl in self._entries]
        if cache.shared and not all(written):
            # While Redis fails no process caches identities (each request reads the database); an entry
            # Redis still holds from before the failure expires within ACTOR_CACHE_SECONDS.
            log.warning(
                "identity change not written to the cache",
                extra={"entries": len(written) - sum(written), "expires_within_seconds": ACTOR_CACHE_SECONDS},
            )
            return False
        return True


@contextmanager
def identity_transaction() -> Iterator[tuple]:
    """A write transaction that changes users or devices: ``(connection, IdentityChanges)``.

    The cache entries are written after the commit; nothing is written when the block raises.
    """
    svc = services()
    changes = IdentityChanges()
    with svc.db.transaction() as conn:
        yield conn, changes
    changes.publish(svc.cache)


def hash_password(password: str) -> str:
    return generate_password_hash(password, PASSWORD_HASH_METHOD)


def create_user(conn, username: str, password: str, role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    return conn.execute(
        insert(users)
        .values(username=username, password_hash=hash_password(password), role=role, created_at=now())
        .returning(users.c.id)
    ).scalar_one()


def change_user(conn, changes: IdentityChanges, user_id: int, **values) -> int | None:
    """Apply ``values`` to a user and end every session they have open; the new session version, or None
    when there is no such user. Every change to a user goes through here."""
    version = conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(session_version=users.c.session_version + 1, **values)
        .returning(users.c.session_version)
    ).scalar_one_or_none()
    if version is not None:
        changes.end_sessions(user_id, version - 1)
    return version


def set_password(conn, changes: IdentityChanges, user_id: int, password: str, **values) -> int | None:
    """New password (and any other ``values``); ends the user's sessions like every change."""
    return change_user(conn, changes, user_id, password_hash=hash_password(password), **values)


def create_device(conn, name: str, key: str | None = None, managed: bool = False) -> str:
    """Register a scanner device and return its key; only the key's digest is stored."""
    key = key or new_api_key()
    conn.execute(insert(devices).values(name=name, key_hash=hash_api_key(key), created_at=now(), managed=managed))
    return key


def deactivate_device(conn, changes: IdentityChanges, device_id: int) -> str | None:
    """Turn a device off; its key is refused from the next request on. Its name, or None when it was
    not active."""
    row = conn.execute(
        update(devices)
        .where(devices.c.id == device_id, devices.c.active)
        .values(active=False)
        .returning(devices.c.name, devices.c.key_hash)
    ).first()
    if row is None:
        return None
    changes.refuse_key(row.key_hash)
    return row.name


def _device_for_key(digest: str, cached: dict | None, shared: bool) -> Actor | None:
    """The device of a key digest; ``cached`` and ``shared`` as read from the cache (see load_actor)."""
    svc = services()
    if cached is None:
        with svc.db.read() as conn:
            row = conn.execute(_DEVICE_BY_DIGEST, {"digest": digest}).first()
        # Unknown keys are cached too, so a client retrying a bad key does not reach the database each time.
        cached = {"id": row.id, "name": row.name} if row else {}
        if shared:
            svc.cache.set_shared(_device_key(digest), cached, ACTOR_CACHE_SECONDS, only_if_absent=True)
    return Actor("device", cached["id"], cached["name"], "device") if cached else None


def _user_for_session(user_id: int, version: int, cached: dict | None, shared: bool) -> Actor | None:
    svc = services()
    key = _session_key(user_id, version)
    if cached is None:
        with svc.db.read() as conn:
            row = conn.execute(_SESSION_USER, {"user_id": user_id}).first()
        valid = row is not None and row.active and row.session_version == version
        cached = {"name": row.username, "role": row.role} if valid else {}
        if shared:
            svc.cache.set_shared(key, cached, ACTOR_CACHE_SECONDS, only_if_absent=True)
    return Actor("user", user_id, cached["name"], cached["role"]) if cached else None


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, at no cost to a request that brings no session cookie and gets none.

    Scanner devices authenticate with ``X-API-Key`` and never carry the cookie: their requests build no
    signing serializer and save nothing. A request that brings a cookie, or that reads or writes the
    session, is handled by Flask's own code, unchanged.
    """

    def open_session(self, app, request_):
        # No Cookie header at all (the usual API request) is answered before any cookie parsing.
        if app.secret_key and (
            not request_.environ.get("HTTP_COOKIE") or not request_.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request_)

    def save_session(self, app, session_, response) -> None:
        # Flask's own code would do nothing either for an empty session nobody read or changed.
        if session_ or session_.modified or session_.accessed:
            super().save_session(app, session_, response)


def start_session(user_id: int, version: int) -> None:
    """A new session (and CSRF token) for the user at the given session version."""
    session.clear()
    session.permanent = True
    session["user_id"] = user_id
    session[SESSION_VERSION] = version


def client_address() -> str:
    return request.remote_addr or "unknown"


def load_actor() -> None:
    """Identify who is calling and count the request against the API rate limit, before CSRF checks.

    The caller's cached identity and the rate-limit count are one Redis round trip: the limit is kept per
    key (devices), per user (sessions) or per client address (anyone else).
    """
    request_, globals_ = request._get_current_object(), g._get_current_object()
    globals_.actor = None
    globals_.api_key_rejected = False
    if request_.path.startswith(("/health", "/metrics", "/static")) or request_.endpoint == "apidocs.openapi":
        return
    svc = services()
    key = request_.headers.get(API_KEY_HEADER)
    # The session is opened only when no key came: a key decides alone, and taking the session marks the
    # answer as depending on the cookie (Vary: Cookie) and makes it saved.
    session_ = None if key else session._get_current_object()
    user_id = None if key else session_.get("user_id")
    if key:
        digest = hash_api_key(key)
        identity, who = _device_key(digest), "key:" + digest
    elif user_id is not None:
        # Cookies issued before session versions existed count as version 0, the version every user started at.
        version = session_.get(SESSION_VERSION, 0)
        identity, who = _session_key(user_id, version), f"user:{user_id}"
    else:
        identity, who = None, "addr:" + client_address()
    # The view's own keys (a bag to read, bags it will change) join the round trip; only for callers that
    # present credentials, so that anonymous requests cannot mark entries.
    plan = REQUEST_KEYS.get(request_.endpoint) if identity else None
    bag_reads, marks = plan() if plan else ([], [])
    reads = [identity, *bag_reads] if identity else []
    limit = svc.api_limit
    counter = limit.counter(who) if limit is not None else None
    count, values, shared = 0, [None] * len(reads), False
    if counter or reads:
        period = limit.period if limit is not None else 1
        count, values, shared = svc.cache.round_trip(counter, period, reads, marks, CHANGE_MARKER_SECONDS)
    if limit is not None:
        limit.check(count)
    cached = json.loads(values[0]) if identity and values[0] else None
    globals_.prefetched = dict(zip(bag_reads, values[1:], strict=True)) if shared else {}
    globals_.marked = set(marks) if shared else set()
    if key:
        globals_.actor = _device_for_key(digest, cached, shared)
        globals_.api_key_rejected = globals_.actor is None
    elif user_id is not None:
        globals_.actor = _user_for_session(user_id, version, cached, shared)
        if globals_.actor is None:
            session_.clear()


def check_csrf() -> None:
    """Forms and session-authenticated API calls need the CSRF token; device requests carry none."""
    request_ = request._get_current_object()
    if request_.method in {"GET", "HEAD", "OPTIONS"} or request_.headers.get(API_KEY_HEADER):
        return
    if request_.routing_exception is not None:  # no such route: let it answer 404/405, nothing to protect
        return
    services().csrf.protect()


def check_permission(permission: str):
    """None when the caller holds ``permission``; the login page for anonymous page requests; else 401/403."""
    actor = g.get("actor")
    if actor is None:
        if wants_json():
            message = "invalid API key" if g.get("api_key_rejected") else "authentication required"
            raise ApiError(401, "unauthorized", message)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not actor.can(permission):
        raise ApiError(403, "forbidden", f"role {actor.role!r} may not {permission}")
    return None


def require(permission: str):
    """Allow the view to actors holding ``permission``; others get 401/403 (or the login page)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            refusal = check_permission(permission)
            if refusal is not None:
                return refusal
            return view(*args, **kwargs)

        return wrapped

    return decorator


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would make the login page an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.page")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "POST":
        svc = services()
        if svc.login_limit is not None:
            svc.login_limit.hit(svc.cache, "login:" + client_address())
        if form.validate_on_submit():
            # The primary, not a replica: a password or session version changed a moment ago counts.
            with svc.db.read() as conn:
                row = conn.execute(
                    select(users.c.id, users.c.password_hash, users.c.session_version).where(
                        users.c.username == form.username.data, users.c.active
                    )
                ).first()
            if check_password_hash(row.password_hash if row else _DUMMY_HASH, form.password.data) and row:
                start_session(row.id, row.session_version)
                log.info("login", extra={"username": form.username.data})
                return redirect(_safe_next(request.args.get("next")))
            log.warning("login failed", extra={"username": form.username.data, "remote_addr": request.remote_addr})
            flash("Unknown username or wrong password.", "error")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout():
    """Signing out ends every session of the user (other browsers and devices included)."""
    actor = g.get("actor")
    if actor is not None and actor.kind == "user":
        with identity_transaction() as (conn, changes):
            change_user(conn, changes, actor.id)
        log.info("logout", extra={"username": actor.name})
    session.clear()
    return redirect(url_for("auth.login"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    new = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)]
    )
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new", "The two differ.")])


@bp.route("/account", methods=["GET", "POST"])
@require("view")
def account():
    """The signed-in user changes their own password; their other sessions end, this one goes on."""
    actor = g.actor
    if actor.kind != "user":
        raise ApiError(403, "forbidden", "devices have no account page")
    form = PasswordChangeForm()
    if form.validate_on_submit():
        svc = services()
        with svc.db.read() as conn:
            stored = conn.execute(select(users.c.password_hash).where(users.c.id == actor.id)).scalar_one()
        if not check_password_hash(stored, form.current.data):
            log.warning("password change refused", extra={"username": actor.name, "reason": "wrong current password"})
            flash("The current password is wrong.", "error")
        else:
            with identity_transaction() as (conn, changes):
                version = set_password(conn, changes, actor.id, form.new.data)
            start_session(actor.id, version)
            log.info("password changed", extra={"username": actor.name})
            flash("Password changed. Your other sessions were signed out.", "ok")
            return redirect(url_for("auth.account"))
    return render_template("account.html", form=form)


@bp.get("/api/v1/me")
@require("view")
def me():
    return asdict(g.actor)
