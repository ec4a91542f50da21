"""``/metrics/scaling``: this worker's load figures and a scale_out / scale_in / hold recommendation."""

import hmac
import os
import socket

from flask import Blueprint, current_app, request

from .errors import ApiError
from .services import services
from .telemetry import recommend

bp = Blueprint("metrics", __name__)


@bp.get("/metrics/scaling")
def scaling():
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise ApiError(401, "unauthorized", "send the metrics token as 'Authorization: Bearer <token>'")
    elif current_app.config["TRACETRACK_ENV"] != "development":
        # Outside development the report is never public: without a token there is no way to read it.
        raise ApiError(403, "forbidden", "the scaling report needs METRICS_TOKEN outside development")
    svc = services()
    threads = current_app.config["WORKER_THREADS"]
    requests = svc.stats.snapshot()
    pool = svc.db.pool_usage()
    return {
        "version": current_app.config["APP_VERSION"],
        "worker": {"hostname": socket.gethostname(), "pid": os.getpid(), "threads": threads},
        "requests": {key: value for key, value in requests.items() if key != "latency_ms"},
        "latency_ms": requests["latency_ms"],
        "database": pool,
        "cache": svc.cache.stats(),
        "recommendation": recommend(requests, pool, threads, current_app.config),
    }
