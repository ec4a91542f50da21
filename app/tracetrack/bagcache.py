"""Bag lookups cached in Redis, replaced on every change to what they show.

A lookup document (``inventory.lookup``) is stored as JSON text for ``LOOKUP_CACHE_SECONDS`` and served
as it is. Every write that changes what a lookup shows (a scan, an undo, a parent added to a bill, a
bill closed) replaces the entries of the bags it touched by a short-lived marker once its transaction
has committed; a lookup that finds the marker reads the database and does not cache what it read, and
lookups cache only where no entry is (SET NX), so a read that began before a change cannot store the
state from before it. Redis only: while Redis is away every lookup reads the database, because an entry
in one process's memory could not be replaced by a change made in another.
"""

import json
import logging

from . import inventory, inventory_pg
from .services import Services

log = logging.getLogger(__name__)

LOOKUP_CACHE_SECONDS = 120
# Longer than any read can take (the statement timeout) plus a replica's usual lag.
CHANGE_MARKER_SECONDS = 10


def _key(qr: str) -> str:
    return "bag:" + qr


def lookup_text(svc: Services, qr_value) -> tuple[str, bool]:
    """The lookup document of a bag as JSON text, and whether it came from the cache."""
    qr = inventory.parse_qr(qr_value)
    cached, answered = svc.cache.get_shared_text(_key(qr))
    if cached:
        return cached, True
    if svc.db.dialect == "postgresql":
        document = svc.db.query(inventory_pg.lookup_json, qr)
        if document is None:
            raise inventory.NotFound(f"bag {qr} has never been scanned")
    else:
        document = json.dumps(svc.db.query(inventory.lookup, qr), separators=(",", ":"))
    if answered and cached is None:
        svc.cache.set_shared_text(_key(qr), document, LOOKUP_CACHE_SECONDS, only_if_absent=True)
    return document, False


def forget(svc: Services, codes) -> None:
    """After a committed change: the lookups of these bags must be read again."""
    if not svc.cache.mark_changed([_key(qr) for qr in codes], CHANGE_MARKER_SECONDS):
        log.warning("bag change not written to the cache", extra={"expires_within_seconds": LOOKUP_CACHE_SECONDS})
