"""Liveness (``/health``) and readiness (``/health/elb``) for the load balancer and the container.

Both are answered by a thin WSGI layer in front of Flask. Health probes arrive every few seconds from
every load balancer node and from the container runtime; they need no session, CSRF check, rate limit
or template, and they must stay cheap precisely when the application is saturated.

Readiness probes the database and the cache at most once per ``HEALTH_CACHE_SECONDS`` per process and
serves the last result in between.

What the load balancer reads is the HTTP status, and it answers one question: would a new task do better
than this one? A task that has never reached its database since it started (a wrong address, a wrong
secret, a network path missing) answers 503: it must not take traffic, and a deployment of it fails and
rolls back. Once a task has served, a database outage answers 200 with ``status: fail`` in the body:
every task, new or old, sees the same outage, so replacing healthy tasks would only bring the fleet back
cold. Requests that need the database meanwhile get a fast 503 with Retry-After, and the body's
``status`` stays what people and the release gate read.
"""

import itertools
import json
import os
import re
import secrets
import threading
import time
from datetime import UTC, datetime

LIVENESS_PATH = "/health"
READINESS_PATH = "/health/elb"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
METHOD_NOT_ALLOWED = b'{"error":{"code":"method_not_allowed","message":"health checks use GET"}}'


class RequestIds:
    """Unique request ids without a system call per request: a random per-process prefix and a counter."""

    def __init__(self):
        self._counter = itertools.count()
        self._pid = None
        self._prefix = ""

    def new(self) -> str:
        if self._pid != os.getpid():  # a forked worker must not repeat its parent's ids
            self._pid, self._prefix = os.getpid(), secrets.token_hex(8)
        return f"{self._prefix}{next(self._counter):016x}"

    def accept(self, incoming: str) -> str:
        """The caller's id when it is a safe token (so traces join up across services), else a new one."""
        return incoming if REQUEST_ID.fullmatch(incoming) else self.new()


request_ids = RequestIds()


class Readiness:
    def __init__(self, db, cache, max_age: float):
        self.db = db
        self.cache = cache
        self.max_age = max_age
        self._result: tuple[float, dict] | None = None
        self._lock = threading.Lock()
        # Whether this process has reached its database at least once since it started.
        self.has_served = False

    def probe(self) -> dict:
        components = {"database": self.db.probe(self.db.writer, self.db.breaker, "database")}
        replicas = [self.db.probe(engine, breaker, "read replica") for engine, breaker in self.db.replicas()]
        if replicas:
            # The worst of the replicas. Reads fall back to the primary, so a missing replica degrades the service
            # but does not stop it.
            replica = next((r for r in replicas if r["status"] != "ok"), replicas[0])
            if replica["status"] != "ok":
                replica["status"] = "fallback"
            components["database_replica"] = dict(replica, replicas=len(replicas))
        components["cache"] = self.cache.probe()
        if components["database"]["status"] != "ok":
            status = "fail"
        elif all(c["status"] == "ok" for c in components.values()):
            status = "ok"
        else:
            status = "degraded"
        checked_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.has_served = self.has_served or status != "fail"
        return {"status": status, "checked_at": checked_at, "components": components}

    def replaceable(self, report: dict) -> bool:
        """Whether a new task would do better: only while this one has never reached its database."""
        return report["status"] == "fail" and not self.has_served

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


class HealthMiddleware:
    """Answers the two health paths; passes every other request to the Flask application."""

    def __init__(self, app, readiness: Readiness, version: str):
        self.app = app
        self.readiness = readiness
        self.version = version
        self._liveness = json.dumps({"status": "ok", "version": version}).encode()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path not in (LIVENESS_PATH, READINESS_PATH):
            return self.app(environ, start_response)
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return self._respond(
                environ,
                start_response,
                "405 METHOD NOT ALLOWED",
                METHOD_NOT_ALLOWED,
                [("Allow", "GET, HEAD")],
            )
        if path == LIVENESS_PATH:
            return self._respond(environ, start_response, "200 OK", self._liveness)
        report = self.readiness.current()
        body = json.dumps({"status": report["status"], "version": self.version, **report}).encode()
        if self.readiness.replaceable(report):
            return self._respond(environ, start_response, "503 SERVICE UNAVAILABLE", body, [("Retry-After", "5")])
        return self._respond(environ, start_response, "200 OK", body)

    @staticmethod
    def _respond(environ, start_response, status: str, body: bytes, extra: list | None = None):
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Request-ID", request_ids.accept(incoming)),
            *(extra or []),
        ]
        start_response(status, headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
