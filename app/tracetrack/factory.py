"""The application factory: settings, shared services, extensions, blueprints and request hooks."""

import contextlib
import logging
import os
import time
import weakref

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    admin,
    apidocs,
    assets,
    auth,
    bills,
    cli,
    dashboard,
    errors,
    health,
    jsonlog,
    lookup,
    metrics,
    migrate,
    scanning,
)
from .cache import Cache
from .config import finalize, from_environ
from .db import Database
from .ratelimit import RateLimit
from .services import Services, services
from .telemetry import EmfPublisher, RequestStats

access_log = logging.getLogger("tracetrack.access")

# Paths whose requests are not user traffic: left out of latency statistics and access logs.
PLATFORM_PATHS = ("/health", "/metrics")
# Every page is served with these; they do not vary per request, so they are built once.
SECURITY_HEADERS = {
    "Content-Security-Policy": "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
}
SECURITY_HEADER_ITEMS = list(SECURITY_HEADERS.items())
# Sent over HTTPS only (as seen by the load balancer): over plain HTTP it would be ignored anyway.
HSTS = "max-age=31536000"


class TraceTrack(Flask):
    """Flask, remembering which hooks and views are coroutines instead of inspecting each on every request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Weak keys: a function registered for one request only (after_this_request) is not kept.
        self._synchronous = weakref.WeakKeyDictionary()

    def ensure_sync(self, func):
        try:
            return self._synchronous[func]
        except (KeyError, TypeError):  # TypeError: an object that takes no weak reference
            synchronous = super().ensure_sync(func)
            with contextlib.suppress(TypeError):
                self._synchronous[func] = synchronous
            return synchronous


def create_app(config: dict | None = None) -> Flask:
    app = TraceTrack(__name__, static_folder=None)
    app.session_interface = auth.CookieSessions()
    app.json.sort_keys = False  # keep documented field order (status first) in JSON responses
    app.config.from_mapping(from_environ(os.environ, app.instance_path))
    app.config.update(config or {})
    finalize(app.config)
    jsonlog.configure(app.config["LOG_LEVEL"])

    if app.config["TRUSTED_PROXY_COUNT"]:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if app.config["DATABASE_URL"].startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
    if app.config["DB_AUTO_MIGRATE"]:
        migrate.upgrade(app.config)

    db = Database(app.config)
    cache = Cache(app.config)
    svc = Services(
        db=db,
        cache=cache,
        stats=RequestStats(app.config["METRICS_WINDOW_SECONDS"]),
        emf=EmfPublisher(
            app.config["METRICS_NAMESPACE"], app.config["TRACETRACK_ENV"], app.config["METRICS_FLUSH_SECONDS"]
        )
        if app.config["METRICS_EMF_ENABLED"]
        else None,
        # Counted per device, user or address (see auth.load_actor); RATELIMIT_ENABLED=false turns both off.
        api_limit=RateLimit(app.config["RATELIMIT_API"]) if app.config["RATELIMIT_ENABLED"] else None,
        login_limit=RateLimit(app.config["RATELIMIT_LOGIN"]) if app.config["RATELIMIT_ENABLED"] else None,
        csrf=CSRFProtect(app),
        readiness=health.Readiness(db, cache, app.config["HEALTH_CACHE_SECONDS"]),
    )
    app.extensions["tracetrack"] = svc
    app.extensions["tracetrack.assets"] = assets.fingerprints()

    app.before_request(_before_request)
    app.after_request(_finish_request)
    app.teardown_request(_teardown_request)

    for blueprint in (auth.bp, scanning.bp, bills.bp, lookup.bp, dashboard.bp, apidocs.bp, admin.bp):
        app.register_blueprint(blueprint)
    for blueprint in (metrics.bp, assets.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    cli.register(app)
    app.jinja_env.globals["asset_url"] = assets.asset_url

    if app.config["OTEL_ENABLED"]:
        from .tracing import init_tracing

        svc.tracer_provider = init_tracing(app, db, app.config.get("OTEL_SPAN_EXPORTER"))
    app.wsgi_app = health.HealthMiddleware(app.wsgi_app, svc.readiness, app.config["APP_VERSION"])
    return app


def _before_request() -> None:
    """One hook, in order: timing starts, the caller is known and counted (auth.load_actor), then CSRF.

    One function rather than three: Flask inspects every hook on every request. The request and ``g`` are
    taken out of their context proxies once, as every request pays for each proxy access.
    """
    request_ = request._get_current_object()
    globals_ = g._get_current_object()
    globals_.started = time.perf_counter()
    globals_.request_id = health.request_ids.accept(request_.headers.get("X-Request-ID", ""))
    if not request_.path.startswith(PLATFORM_PATHS):
        services().stats.started()
        globals_.counted = True
    auth.load_actor()
    auth.check_csrf()


def _finish_request(response):
    request_ = request._get_current_object()
    globals_ = g._get_current_object()
    headers = response.headers
    headers["X-Request-ID"] = getattr(globals_, "request_id", "")
    headers.setdefault("Cache-Control", "no-store")
    headers.extend(SECURITY_HEADER_ITEMS)  # set nowhere else: added, not replaced
    # The forwarded scheme is trusted here even without TRUSTED_PROXY_COUNT: a client that lies about it
    # only changes what its own browser remembers.
    if request_.is_secure or request_.headers.get("X-Forwarded-Proto") == "https":
        headers["Strict-Transport-Security"] = HSTS
    started = getattr(globals_, "started", None)
    if started is None:
        return response
    latency_ms = (time.perf_counter() - started) * 1000
    status = response.status_code
    if getattr(globals_, "counted", False):
        svc = services()
        svc.stats.record(latency_ms, status)
        if svc.emf is not None:
            svc.emf.record(latency_ms, status)
    if request_.path.startswith(PLATFORM_PATHS) and status < 400:
        return response
    if current_app.config["ACCESS_LOG"]:
        actor = getattr(globals_, "actor", None)
        access_log.info(
            "request",
            extra={
                "method": request_.method,
                "path": request_.path,
                "status": status,
                "duration_ms": round(latency_ms, 2),
                "remote_addr": request_.remote_addr,
                "actor": f"{actor.kind}:{actor.name}" if actor else None,
                "trace_id": request_.headers.get("X-Amzn-Trace-Id"),
            },
        )
    return response


def _teardown_request(_exc) -> None:
    if g.pop("counted", False):
        services().stats.finished()
