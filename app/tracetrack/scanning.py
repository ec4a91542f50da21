"""Scanning: select a parent bag, link child bags to it (capacity 30), undo a named child scan.

Repeats are answered, not refused: a parent or child scan sent twice, and an undo sent twice, change
things once and answer the second time with the same outcome (200).
"""

from flask import Blueprint, g, render_template, session

from . import bagcache, inventory, inventory_pg
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
    qr = inventory.parse_qr(json_object().get("qr_id"), inventory.PARENT_QR)
    svc = services()
    result = None
    if svc.db.dialect == "postgresql":
        with svc.db.autocommit() as conn:
            result = inventory_pg.scan_parent(conn, qr, g.actor)
    if result is None:
        with svc.db.transaction() as conn:
            result = inventory.scan_parent(conn, qr, g.actor)
    bagcache.forget(svc, [qr])  # its history gained the scan
    if g.actor.kind == "user":
        session["current_parent"] = qr
    _count("ParentScans")
    return result, 201 if result["created"] else 200


@bp.post("/api/v1/scans/child")
@require("scan")
def scan_child():
    body = json_object()
    svc = services()
    parent_qr = None
    if body.get("parent_qr_id") is not None:
        parent_qr = inventory.parse_qr(body["parent_qr_id"], inventory.PARENT_QR, "parent_qr_id")
    elif g.actor.kind == "user":
        parent_qr = session.get("current_parent")
        if parent_qr is None:
            raise BadRequest("scan a parent bag first (or send parent_qr_id)")
    child_qr = inventory.parse_qr(body.get("qr_id"), inventory.CHILD_QR)
    result = None
    try:
        if parent_qr is not None and svc.db.dialect == "postgresql":
            with svc.db.autocommit() as conn:
                result = inventory_pg.scan_child(conn, child_qr, parent_qr, g.actor)
        if result is None:
            with svc.db.transaction() as conn:
                parent_qr = parent_qr or inventory.current_parent(conn, g.actor)
                if parent_qr is None:
                    raise BadRequest("scan a parent bag first (or send parent_qr_id)")
                result = inventory.scan_child(conn, child_qr, parent_qr, g.actor)
    except inventory.AlreadyDone as repeat:
        return repeat.result, 200
    except Conflict:
        _count("ScanRefusals")
        raise
    bagcache.forget(svc, [child_qr, parent_qr])
    _count("ChildScans")
    return result, 201


@bp.post("/api/v1/scans/undo")
@require("scan")
def undo():
    body = json_object()
    svc = services()
    try:
        with svc.db.transaction() as conn:
            result = inventory.undo_scan(conn, g.actor, body.get("event_id"), body.get("qr_id"))
    except inventory.AlreadyDone as repeat:
        return repeat.result, 200
    bagcache.forget(svc, [result["undone"]["child_qr_id"], result["undone"]["parent_qr_id"]])
    return result


@bp.get("/api/v1/scans/current")
@require("scan")
def current():
    svc = services()
    if g.actor.kind == "user":
        qr = session.get("current_parent")
    else:
        with svc.db.read() as conn:
            qr = inventory.current_parent(conn, g.actor)
    if qr is None:
        return {"parent": None}
    bag = svc.db.query(inventory.lookup, qr)
    return {"parent": {key: bag[key] for key in ("qr_id", "child_count", "capacity", "status")}}
