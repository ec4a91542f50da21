"""Lookup: anyone signed in can find a bag and see who scanned it, when, into which parent and bill."""

import json

from flask import Blueprint, Response, redirect, render_template, request, url_for

from . import bagcache, inventory
from .auth import require
from .errors import ApiError, BadRequest
from .services import services

bp = Blueprint("lookup", __name__)


@bp.get("/lookup")
@require("view")
def page():
    term = request.args.get("q", "").strip().upper()
    results, message = None, None
    if term:
        if inventory.ANY_QR.fullmatch(term):
            return redirect(url_for("lookup.bag", qr_id=term))
        try:
            results = services().db.query(inventory.search, term)
        except ApiError as refusal:
            message = refusal.message
    return render_template("lookup.html", term=term, results=results, message=message)


@bp.get("/bags/<qr_id>")
@require("view")
def bag(qr_id):
    try:
        found = json.loads(bagcache.lookup_text(services(), qr_id)[0])
    except ApiError as refusal:
        return render_template("lookup.html", term=qr_id, results=None, message=refusal.message), refusal.status
    return render_template("bag.html", bag=found)


@bp.get("/api/v1/bags/<qr_id>")
@require("view")
def api_bag(qr_id):
    document, cached = bagcache.lookup_text(services(), qr_id)
    # Served as stored: the document is JSON text already, from the cache or built by the database.
    return Response(document, mimetype="application/json", headers={"X-Cache": "hit" if cached else "miss"})


@bp.get("/api/v1/bags")
@require("view")
def api_search():
    limit = request.args.get("limit", "20")
    if not limit.isdigit():
        raise BadRequest("limit must be an integer between 1 and 100")
    return services().db.query(inventory.search, request.args.get("q"), request.args.get("kind"), int(limit))
