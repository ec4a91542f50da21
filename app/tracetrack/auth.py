"""People log in with a session; scanner devices send a per-device key in ``X-API-Key``.

Passwords are stored as scrypt hashes. Device keys are long random secrets, so a SHA-256 digest is
enough to store them safely and lets the key be found by an indexed lookup on every request.
"""

import functools
import hashlib
import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from sqlalchemy import insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .errors import ApiError, wants_json
from .models import ROLES, devices, users
from .services import services

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

API_KEY_HEADER = "X-API-Key"
ACTOR_CACHE_SECONDS = 60
# Each worker also keeps the caller's identity this long, saving a Redis round trip on most requests.
ACTOR_NEAR_SECONDS = 5
PERMISSIONS = {
    "scan": {"admin", "dispatcher", "device"},
    "bill": {"admin", "biller"},
    "view": {"admin", "dispatcher", "biller", "device"},
}
# Any failed password check costs the same as a real one, so timing does not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


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


def create_user(conn, username: str, password: str, role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    return conn.execute(
        insert(users)
        .values(username=username, password_hash=generate_password_hash(password), role=role, created_at=now())
        .returning(users.c.id)
    ).scalar_one()


def set_password(conn, username: str, password: str) -> bool:
    result = conn.execute(
        update(users).where(users.c.username == username).values(password_hash=generate_password_hash(password))
    )
    return result.rowcount == 1


def create_device(conn, name: str) -> str:
    """Register a scanner device and return its key; only the key's digest is stored."""
    key = "tt_" + secrets.token_urlsafe(32)
    conn.execute(insert(devices).values(name=name, key_hash=hash_api_key(key), created_at=now()))
    return key


def _device_for_key(key: str) -> Actor | None:
    svc = services()
    digest = hash_api_key(key)
    cached = svc.cache.get("device:" + digest, ACTOR_NEAR_SECONDS)
    if cached is None:
        with svc.db.read() as conn:
            row = conn.execute(
                select(devices.c.id, devices.c.name).where(devices.c.key_hash == digest, devices.c.active)
            ).first()
        # Unknown keys are cached too, so a client retrying a bad key does not reach the database each time.
        cached = {"id": row.id, "name": row.name} if row else {}
        svc.cache.set("device:" + digest, cached, ACTOR_CACHE_SECONDS, ACTOR_NEAR_SECONDS)
    return Actor("device", cached["id"], cached["name"], "device") if cached else None


def _user_for_session(user_id: int) -> Actor | None:
    svc = services()
    cached = svc.cache.get(f"user:{user_id}", ACTOR_NEAR_SECONDS)
    if cached is None:
        with svc.db.read() as conn:
            row = conn.execute(
                select(users.c.id, users.c.username, users.c.role).where(users.c.id == user_id, users.c.active)
            ).first()
        cached = {"id": row.id, "name": row.username, "role": row.role} if row else {}
        svc.cache.set(f"user:{user_id}", cached, ACTOR_CACHE_SECONDS, ACTOR_NEAR_SECONDS)
    return Actor("user", **cached) if cached else None


def load_actor() -> None:
    """Identify who is calling, before rate limits (keyed by actor) and CSRF checks run."""
    g.actor = None
    g.api_key_rejected = False
    if request.path.startswith(("/health", "/metrics", "/static")):
        return
    key = request.headers.get(API_KEY_HEADER)
    if key:
        g.actor = _device_for_key(key)
        g.api_key_rejected = g.actor is None
    elif "user_id" in session:
        g.actor = _user_for_session(session["user_id"])
        if g.actor is None:
            session.clear()


def check_csrf() -> None:
    """Forms and session-authenticated API calls need the CSRF token; device requests carry none."""
    if request.method in {"GET", "HEAD", "OPTIONS"} or request.headers.get(API_KEY_HEADER):
        return
    if request.routing_exception is not None:  # no such route: let it answer 404/405, nothing to protect
        return
    services().csrf.protect()


def client_key() -> str:
    """Rate-limit key: the device or user when known, else the client address."""
    actor = g.get("actor")
    return f"{actor.kind}:{actor.id}" if actor is not None else get_remote_address()


def require(permission: str):
    """Allow the view to actors holding ``permission``; others get 401/403 (or the login page)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            actor = g.get("actor")
            if actor is None:
                if wants_json():
                    message = "invalid API key" if g.get("api_key_rejected") else "authentication required"
                    raise ApiError(401, "unauthorized", message)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not actor.can(permission):
                raise ApiError(403, "forbidden", f"role {actor.role!r} may not {permission}")
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
        with svc.limiter.limit(
            lambda: current_app.config["RATELIMIT_LOGIN"], key_func=get_remote_address, scope="login"
        ):
            if form.validate_on_submit():
                with svc.db.read() as conn:
                    row = conn.execute(
                        select(users.c.id, users.c.password_hash).where(
                            users.c.username == form.username.data, users.c.active
                        )
                    ).first()
                if check_password_hash(row.password_hash if row else _DUMMY_HASH, form.password.data) and row:
                    session.clear()
                    session.permanent = True
                    session["user_id"] = row.id
                    log.info("login", extra={"username": form.username.data})
                    return redirect(_safe_next(request.args.get("next")))
                log.warning("login failed", extra={"username": form.username.data, "remote_addr": request.remote_addr})
                flash("Unknown username or wrong password.", "error")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/api/v1/me")
@require("view")
def me():
    return asdict(g.actor)
