"""Dashboard: today's scans, bags filled and bills dispatched, and scan rate over time."""

from flask import Blueprint, current_app, redirect, render_template, url_for

from . import stats
from .auth import require
from .services import services

bp = Blueprint("dashboard", __name__)

# The figures are aggregates over many rows; a few seconds of staleness is invisible on a wall screen.
STATS_CACHE_SECONDS = 10


def current_stats() -> dict:
    svc = services()
    timezone = current_app.config["TRACETRACK_TIMEZONE"]
    figures = svc.cache.get("dashboard:" + timezone)
    if figures is None:
        figures = svc.db.query(stats.dashboard, timezone)
        svc.cache.set("dashboard:" + timezone, figures, STATS_CACHE_SECONDS)
    return figures


@bp.get("/")
def home():
    return redirect(url_for("dashboard.page"))


@bp.get("/dashboard")
@require("view")
def page():
    return render_template("dashboard.html", stats=current_stats())


@bp.get("/api/v1/dashboard/stats")
@require("view")
def api_stats():
    return current_stats()
