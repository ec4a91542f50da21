"""Settings read from environment variables.

Every variable is listed with its default in README.md; nothing else configures the application.
"""

import os
import re
import secrets
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy.engine import make_url

from . import __version__


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot describe a working application."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str, password: str = "") -> str:
    """Make secrets-manager style URLs usable by SQLAlchemy with psycopg 3.

    RDS and most tooling hand out ``postgres://`` or ``postgresql://`` URLs; SQLAlchemy would pick
    psycopg2 for those, which is not installed. A password kept in its own secret (so it can rotate
    without rewriting the URL) is inserted when the URL carries none.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if password and url.startswith("postgresql"):
        parts = urlsplit(url)
        if parts.username and parts.password is None:
            netloc = f"{parts.username}:{quote(password, safe='')}@{parts.hostname}"
            if parts.port:
                netloc += f":{parts.port}"
            url = urlunsplit(parts._replace(netloc=netloc))
    return url


def _with_login(url: str, username: str, password: str) -> str:
    """`url` with another user and password; empty when no user is given or the URL is not PostgreSQL's."""
    if not username or not url.startswith("postgresql"):
        return ""
    return make_url(url).set(username=username, password=password or None).render_as_string(hide_password=False)


def from_environ(environ: os._Environ | dict, instance_path: str) -> dict:
    """Translate environment variables into Flask config keys."""

    def get(name: str, default: str = "") -> str:
        return environ.get(name, default)

    env = get("TRACETRACK_ENV", "development")
    production = env != "development"
    embedded_default = "sqlite:///" + os.path.join(instance_path, "tracetrack.sqlite")
    database_url = get("DATABASE_URL") or embedded_default
    password = get("DATABASE_PASSWORD")
    # One read replica's URL, or several separated by commas (reads take them in turn).
    read_urls = [
        normalize_database_url(url.strip(), password) for url in get("DATABASE_READ_URL").split(",") if url.strip()
    ]

    return {
        "TRACETRACK_ENV": env,
        "APP_VERSION": get("APP_VERSION", __version__),
        "SECRET_KEY": get("SECRET_KEY"),
        "DATABASE_URL": normalize_database_url(database_url, password),
        "DATABASE_READ_URL": read_urls[0] if read_urls else "",
        "DATABASE_READ_URLS": read_urls,
        "DATABASE_SCHEMA": get("DATABASE_SCHEMA"),
        # The embedded database has no separate migration step to run, so it migrates itself.
        "DB_AUTO_MIGRATE": _flag(get("DB_AUTO_MIGRATE", "false" if get("DATABASE_URL") else "true")),
        "DB_POOL_SIZE": int(get("DB_POOL_SIZE", "10")),
        "DB_MAX_OVERFLOW": int(get("DB_MAX_OVERFLOW", "20")),
        "DB_POOL_TIMEOUT": float(get("DB_POOL_TIMEOUT", "5")),
        "DB_POOL_RECYCLE": int(get("DB_POOL_RECYCLE", "1800")),
        # Off: a ping costs a round trip per request, while a dead connection is detected on first use anyway
        # and then the whole pool is replaced (that one request gets a 503).
        "DB_POOL_PRE_PING": _flag(get("DB_POOL_PRE_PING", "false")),
        "DB_CONNECT_TIMEOUT": int(get("DB_CONNECT_TIMEOUT", "2")),
        "DB_STATEMENT_TIMEOUT_MS": int(get("DB_STATEMENT_TIMEOUT_MS", "5000")),
        "DB_MIGRATION_LOCK_TIMEOUT_MS": int(get("DB_MIGRATION_LOCK_TIMEOUT_MS", "3000")),
        # The role that owns the schema, for db-upgrade only: DATABASE_MIGRATION_URL, else DATABASE_URL with the
        # owner's user and password (DATABASE_OWNER_USERNAME / DATABASE_OWNER_PASSWORD, see tracetrack.dbusers), else
        # empty: DATABASE_URL's own.
        "DATABASE_MIGRATION_URL": normalize_database_url(get("DATABASE_MIGRATION_URL"), password)
        or _with_login(normalize_database_url(database_url, password), get("DATABASE_OWNER_USERNAME"), get("DATABASE_OWNER_PASSWORD")),
        "REDIS_URL": get("REDIS_URL"),
        "REDIS_AUTH_TOKEN": get("REDIS_AUTH_TOKEN"),
        "REDIS_CA_BUNDLE": get("REDIS_CA_BUNDLE"),
        "REDIS_TIMEOUT": float(get("REDIS_TIMEOUT", "0.25")),
        "CACHE_KEY_PREFIX": get("CACHE_KEY_PREFIX", "tracetrack:"),
        "CACHE_LOCAL_MAX_ITEMS": int(get("CACHE_LOCAL_MAX_ITEMS", "10000")),
        "CACHE_RETRY_SECONDS": float(get("CACHE_RETRY_SECONDS", "5")),
        "BREAKER_FAIL_MAX": int(get("BREAKER_FAIL_MAX", "5")),
        "BREAKER_PROBE_SECONDS": float(get("BREAKER_PROBE_SECONDS", "0.25")),
        "HEALTH_CACHE_SECONDS": float(get("HEALTH_CACHE_SECONDS", "1")),
        "RATELIMIT_ENABLED": _flag(get("RATELIMIT_ENABLED", "true")),
        "RATELIMIT_API": get("RATELIMIT_API", "3000 per minute"),
        "RATELIMIT_LOGIN": get("RATELIMIT_LOGIN", "10 per minute"),
        "TRUSTED_PROXY_COUNT": int(get("TRUSTED_PROXY_COUNT", "0")),
        "SESSION_COOKIE_SECURE": _flag(get("SESSION_COOKIE_SECURE", "true" if production else "false")),
        "SESSION_LIFETIME_HOURS": int(get("SESSION_LIFETIME_HOURS", "12")),
        "METRICS_TOKEN": get("METRICS_TOKEN"),
        "METRICS_EMF_ENABLED": _flag(get("METRICS_EMF_ENABLED", "false")),
        "METRICS_NAMESPACE": get("METRICS_NAMESPACE", f"TraceTrack/{env}"),
        "METRICS_FLUSH_SECONDS": float(get("METRICS_FLUSH_SECONDS", "10")),
        "METRICS_WINDOW_SECONDS": int(get("METRICS_WINDOW_SECONDS", "60")),
        "SCALE_OUT_P95_MS": float(get("SCALE_OUT_P95_MS", "100")),
        "SCALE_OUT_UTILIZATION": float(get("SCALE_OUT_UTILIZATION", "0.75")),
        "SCALE_IN_UTILIZATION": float(get("SCALE_IN_UTILIZATION", "0.25")),
        "WORKER_THREADS": int(get("GUNICORN_THREADS", "8")),
        "OTEL_ENABLED": _flag(get("OTEL_ENABLED", "false")),
        "OTEL_SERVICE_NAME": get("OTEL_SERVICE_NAME", "tracetrack"),
        "LOG_LEVEL": get("LOG_LEVEL", "INFO").upper(),
        "ACCESS_LOG": _flag(get("ACCESS_LOG", "true")),
        "TRACETRACK_TIMEZONE": get("TRACETRACK_TIMEZONE", "UTC"),
        # Fixed settings of Flask and its extensions, not read from the environment.
        "SESSION_COOKIE_NAME": "tracetrack_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # CSRF is checked explicitly so that device requests (API key, no cookie) can skip it; see auth.py.
        "WTF_CSRF_CHECK_DEFAULT": False,
        # Tokens live as long as the session; a time limit would fail scans on a page left open overnight.
        "WTF_CSRF_TIME_LIMIT": None,
    }


def finalize(config: dict) -> None:
    """Fill derived settings and refuse configurations that would be unsafe to serve."""
    if not config.get("SECRET_KEY"):
        if config["TRACETRACK_ENV"] != "development" and not config.get("TESTING"):
            environment = config["TRACETRACK_ENV"]
            raise ConfigError(f"SECRET_KEY must be set outside development (TRACETRACK_ENV={environment})")
        # A per-process key is enough for the single-process development server.
        config["SECRET_KEY"] = secrets.token_hex(32)
    if config["DATABASE_SCHEMA"] and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", config["DATABASE_SCHEMA"]):
        raise ConfigError("DATABASE_SCHEMA must be a lower-case SQL identifier")
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_LIFETIME_HOURS"] * 3600
