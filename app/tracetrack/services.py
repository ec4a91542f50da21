"""The per-application objects views need, kept in ``app.extensions`` so that apps never share them."""

from dataclasses import dataclass
from typing import Any

from flask import current_app

from .cache import Cache
from .db import Database
from .telemetry import EmfPublisher, RequestStats


@dataclass
class Services:
    db: Database
    cache: Cache
    stats: RequestStats
    emf: EmfPublisher | None
    api_limit: Any
    login_limit: Any
    csrf: Any
    readiness: Any
    tracer_provider: Any = None


def services() -> Services:
    return current_app.extensions["tracetrack"]
