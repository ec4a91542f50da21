"""Scanning: select a parent bag, link child bags to it (capacity 30), undo the last link."""

from flask import Blueprint, g, render_template, session

from . import inventory
from .auth import require
from .errors import BadRequest, Conflict, json_object
from .services import services

bp = Blueprint("scanning", __name__)


def _count(metric: str) -> None:
    emf = services().emf
    if emf is not None:
        emf.increment(metric)


@bp.get("/scan")
@require("scan")
def page():
    return render_template("scan.html", current_parent=session.get("current_parent"))


@bp.post("/api/v1/scans/parent")
@require("scan")
def scan_parent():
    body = json_object()
    svc = services()
    with svc.db.transaction() as conn:
        result = inventory.scan_parent(conn, body.get("qr_id"), g.actor)
    if g.actor.kind == "user":
        session["current_parent"] = result["parent"]["qr_id"]
    _count("ParentScans")
    return result, 201 if result["created"] else 200


@bp.post("/api/v1/scans/child")
@require("scan")
def scan_child():
    body = json_object()
    svc = services()
    try:
        with svc.db.transaction() as conn:
            if body.get("parent_qr_id") is not None:
                parent_qr = inventory.parse_qr(body["parent_qr_id"], inventory.PARENT_QR, "parent_qr_id")
            elif g.actor.kind == "user":
                parent_qr = session.get("current_parent")
            else:
                parent_qr = inventory.current_parent(conn, g.actor)
            if parent_qr is None:
                raise BadRequest("scan a parent bag first (or send parent_qr_id)")
            result = inventory.scan_child(conn, body.get("qr_id"), parent_qr, g.actor)
    except Conflict:
        _count("ScanRefusals")
        raise
    _count("ChildScans")
    return result, 201


@bp.post("/api/v1/scans/undo")
@require("scan")
def undo():
    svc = services()
    with svc.db.transaction() as conn:
        return inventory.undo_last_scan(conn, g.actor)


@bp.get("/api/v1/scans/current")
@require("scan")
def current():
    svc = services()
    with svc.db.read() as conn:
        qr = session.get("current_parent") if g.actor.kind == "user" else inventory.current_parent(conn, g.actor)
        if qr is None:
            return {"parent": None}
        bag = inventory.lookup(conn, qr)
    return {"parent": {key: bag[key] for key in ("qr_id", "child_count", "capacity", "status")}}
