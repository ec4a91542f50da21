"""Bag lookups cached in Redis, replaced on every change to what they show.

A lookup document (``inventory.lookup``) is stored as JSON text for ``LOOKUP_CACHE_SECONDS`` and served
as it is. Every write that changes what a lookup shows (a scan, an undo, a parent added to a bill, a
bill closed) replaces the entries of the bags it touches by a change marker (``CHANGE_MARKER_SECONDS``).
A lookup that finds the marker reads the database and does not cache what it read, and lookups cache
only where no entry is (SET NX), so a read that began before a change cannot store the state from before
it. Redis only: while Redis is away every lookup reads the database, because an entry in one process's
memory could not be replaced by a change made in another.

No round trip of their own on the hot paths: a scan's bags are marked, and a lookup's entry is read, in
the one round trip a request makes before its view runs (``REQUEST_KEYS``, see auth.load_actor). A mark
made before the write is as good as one after it, since the marker outlives the write. What is not known
before the view runs (an undo's parent, a bill's bags) is marked after the commit.
"""

import json
import logging

from flask import g, request, session

from . import inventory, inventory_pg
from .cache import CHANGE_MARKER_SECONDS, REQUEST_KEYS
from .services import Services

log = logging.getLogger(__name__)

LOOKUP_CACHE_SECONDS = 120


def _key(qr: str) -> str:
    return "bag:" + qr


def _code(value, pattern) -> str | None:
    """A bag code as the views will read it, or None when they will refuse it."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if pattern.fullmatch(code) else None


def _lookup_keys() -> tuple[list[str], list[str]]:
    code = _code((request.view_args or {}).get("qr_id"), inventory.ANY_QR)
    return ([_key(code)] if code else []), []


def _body() -> dict:
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else {}


def _parent_scan_keys() -> tuple[list[str], list[str]]:
    code = _code(_body().get("qr_id"), inventory.PARENT_QR)
    return [], ([_key(code)] if code else [])


def _child_scan_keys() -> tuple[list[str], list[str]]:
    body = _body()
    parent = body.get("parent_qr_id")
    if parent is None and "user_id" in session:
        parent = session.get("current_parent")
    codes = [_code(body.get("qr_id"), inventory.CHILD_QR), _code(parent, inventory.PARENT_QR)]
    return [], [_key(code) for code in codes if code]


REQUEST_KEYS.update(
    {
        "lookup.api_bag": _lookup_keys,
        "lookup.bag": _lookup_keys,
        "scanning.scan_parent": _parent_scan_keys,
        "scanning.scan_child": _child_scan_keys,
    }
)


def lookup_text(svc: Services, qr_value) -> tuple[str, bool]:
    """The lookup document of a bag as JSON text, and whether it came from the cache."""
    qr = inventory.parse_qr(qr_value)
    prefetched = g.get("prefetched", {})
    if _key(qr) in prefetched:
        cached, answered = prefetched[_key(qr)], True
    else:
        cached, answered = svc.cache.get_shared_text(_key(qr))
    if cached:
        return cached, True
    if svc.db.dialect == "postgresql":
        document = svc.db.query(inventory_pg.lookup_json, qr, single_statement=True)
        if document is None:
            raise inventory.NotFound(f"bag {qr} has never been scanned")
    else:
        document = json.dumps(svc.db.query(inventory.lookup, qr), separators=(",", ":"))
    if answered and cached is None:
        svc.cache.set_shared_text(_key(qr), document, LOOKUP_CACHE_SECONDS, only_if_absent=True)
    return document, False


def forget(svc: Services, codes) -> None:
    """After a committed change: the lookups of these bags must be read again (those this request marked
    already, before its view ran, need nothing more)."""
    marked = g.get("marked", set())
    keys = [key for key in map(_key, codes) if key not in marked]
    if keys and not svc.cache.mark_changed(keys, CHANGE_MARKER_SECONDS):
        log.warning("bag change not written to the cache", extra={"expires_within_seconds": LOOKUP_CACHE_SECONDS})
