"""Liveness (``/health``) and readiness (``/health/elb``) for the load balancer and the container.

Readiness probes the database and the cache at most once per ``HEALTH_CACHE_SECONDS`` per process and
serves the last result in between, so that frequent health checks cost no more than a static page.
"""

import threading
import time
from datetime import UTC, datetime

import pybreaker
from flask import Blueprint, current_app

from .services import services

bp = Blueprint("health", __name__)


class Readiness:
    def __init__(self, db, cache, max_age: float):
        self.db = db
        self.cache = cache
        self.max_age = max_age
        self._result: tuple[float, dict] | None = None
        self._lock = threading.Lock()

    def probe(self) -> dict:
        components = {"database": self.db.probe(self.db.writer, self.db.breaker, "database")}
        if self.db.reader is not None:
            replica = self.db.probe(self.db.reader, self.db.replica_breaker, "read replica")
            # Reads fall back to the primary, so a missing replica degrades the service but does not stop it.
            if replica["status"] != "ok":
                replica["status"] = "fallback"
            components["database_replica"] = replica
        components["cache"] = self.cache.probe()
        if components["database"]["status"] != "ok":
            status = "fail"
        elif all(c["status"] == "ok" for c in components.values()):
            status = "ok"
        else:
            status = "degraded"
        checked_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"status": status, "checked_at": checked_at, "components": components}

    def current(self) -> dict:
        result = self._result
        if result is not None and time.monotonic() - result[0] < self.max_age:
            return result[1]
        # One thread probes; the others answer with the previous result instead of queueing behind it.
        if not self._lock.acquire(blocking=result is None):
            return result[1]
        try:
            report = self.probe()
            self._result = (time.monotonic(), report)
            return report
        finally:
            self._lock.release()


@bp.get("/health")
def liveness():
    return {"status": "ok", "version": current_app.config["APP_VERSION"]}


@bp.get("/health/elb")
def readiness():
    report = services().readiness.current()
    body = {"status": report["status"], "version": current_app.config["APP_VERSION"], **report}
    headers = {}
    if report["status"] == "fail":
        headers["Retry-After"] = "5"
    return body, 503 if report["status"] == "fail" else 200, headers


def breaker_states() -> dict:
    svc = services()
    return {
        "database": svc.db.breaker.current_state,
        "cache": svc.cache.breaker.current_state if svc.cache.configured else pybreaker.STATE_CLOSED,
    }
