"""The hottest inventory operations as one PostgreSQL statement each, for an autocommit connection.

A statement is its own transaction, so a scan costs one round trip: no BEGIN, no COMMIT, no statement
built per request (psycopg prepares each after a few runs on a connection). Each statement takes the
locks the rules in inventory.py take, in the same order (the parent's row, then its bill's with a share
lock), and changes nothing unless the whole scan succeeds. When it cannot complete a scan (an unknown,
full or dispatched parent, a child linked already, a repeat), it answers None and the caller runs
inventory.py's rules in a transaction, which explain the refusal or answer the repeat.

The lookup builds its whole JSON answer in the database (the same document as ``inventory.lookup``),
which the application caches and serves as it is.
"""

from psycopg import Connection, errors

from .auth import Actor, now
from .inventory import HISTORY_LIMIT, child_result, parent_result
from .models import PARENT_CAPACITY

_SCAN_EVENT_COLUMNS = "(action, bag_id, parent_bag_id, user_id, device_id, reverted, created_at)"

# The f-strings below insert module constants only; every value from a request is a bound parameter.
_CHILD_SCAN = f"""
WITH parent AS (
    UPDATE bags SET child_count = child_count + 1, updated_at = %(at)s,
        filled_at = CASE WHEN child_count = {PARENT_CAPACITY - 1} THEN %(at)s ELSE filled_at END
    WHERE qr_id = %(parent_qr)s AND kind = 'parent' AND child_count < {PARENT_CAPACITY}
    RETURNING id, child_count, bill_id
), bill AS (
    SELECT bills.status FROM bills JOIN parent ON bills.id = parent.bill_id FOR SHARE OF bills
), child AS (
    INSERT INTO bags (qr_id, kind, parent_id, child_count, created_at, updated_at)
    SELECT %(child_qr)s, 'child', parent.id, 0, %(at)s, %(at)s FROM parent
    WHERE NOT EXISTS (SELECT FROM bill WHERE bill.status = 'closed')
    ON CONFLICT (qr_id) DO UPDATE SET parent_id = excluded.parent_id, updated_at = excluded.updated_at
    WHERE bags.parent_id IS NULL
    RETURNING id
), event AS (
    INSERT INTO scan_events {_SCAN_EVENT_COLUMNS}
    SELECT 'child_scan', (SELECT id FROM child), parent.id, %(user_id)s, %(device_id)s, false, %(at)s FROM parent
    RETURNING id
)
SELECT parent.child_count, (SELECT status FROM bill), (SELECT id FROM event) FROM parent
"""  # noqa: S608
# In the statement above, no child row (dispatched parent, child linked meanwhile) leaves the event's
# bag_id NULL: the NOT NULL constraint then fails the whole statement, taking back the place it took.

_PARENT_SCAN = f"""
WITH found AS (
    SELECT id, child_count, bill_id FROM bags WHERE qr_id = %(qr)s AND kind = 'parent'
), created AS (
    INSERT INTO bags (qr_id, kind, parent_id, child_count, created_at, updated_at)
    SELECT %(qr)s, 'parent', NULL, 0, %(at)s, %(at)s WHERE NOT EXISTS (SELECT FROM found)
    ON CONFLICT (qr_id) DO NOTHING
    RETURNING id, child_count, bill_id
), parent AS (
    SELECT id, child_count, bill_id, false AS created FROM found
    UNION ALL
    SELECT id, child_count, bill_id, true FROM created
), bill AS (
    SELECT bills.status FROM bills JOIN parent ON bills.id = parent.bill_id FOR SHARE OF bills
), event AS (
    INSERT INTO scan_events {_SCAN_EVENT_COLUMNS}
    SELECT 'parent_scan', parent.id, NULL, %(user_id)s, %(device_id)s, false, %(at)s FROM parent
    WHERE NOT EXISTS (SELECT FROM bill WHERE bill.status = 'closed')
    RETURNING id
)
SELECT parent.child_count, parent.created, (SELECT status FROM bill), (SELECT id FROM event) FROM parent
"""  # noqa: S608


def _actor_params(actor: Actor) -> dict:
    return {
        "user_id": actor.id if actor.kind == "user" else None,
        "device_id": actor.id if actor.kind == "device" else None,
        "at": now(),
    }


def scan_child(conn: Connection, child_qr: str, parent_qr: str, actor: Actor) -> dict | None:
    """Link a (validated) child code to a parent; None when the full rules must decide."""
    params = {"child_qr": child_qr, "parent_qr": parent_qr} | _actor_params(actor)
    try:
        row = conn.execute(_CHILD_SCAN, params).fetchone()
    except errors.NotNullViolation:
        return None
    if row is None:
        return None
    child_count, bill_status, event_id = row
    return child_result(child_qr, parent_qr, child_count, bill_status, event_id)


def scan_parent(conn: Connection, qr: str, actor: Actor) -> dict | None:
    """Register or select a (validated) parent code; None when the full rules must decide."""
    row = conn.execute(_PARENT_SCAN, {"qr": qr} | _actor_params(actor)).fetchone()
    if row is None or row[3] is None:
        return None
    child_count, created, bill_status, _event_id = row
    return parent_result(qr, child_count, bill_status, created)


_TIMESTAMP = """to_char({}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_HISTORY_ENTRY = f"""json_build_object(
    'at', {_TIMESTAMP.format("e.created_at")}, 'action', e.action, 'bag_qr_id', subject.qr_id,
    'parent_qr_id', holder.qr_id, 'bill_number', bill.bill_number,
    'actor', CASE WHEN u.username IS NOT NULL THEN json_build_object('type', 'user', 'name', u.username)
                  ELSE json_build_object('type', 'device', 'name', d.name) END,
    'reverted', e.reverted)"""
_BILL = """CASE WHEN b.bill_number IS NULL THEN NULL
    ELSE json_build_object('bill_number', b.bill_number, 'status', b.bill_status) END"""
_PARENT_STATUS = f"""CASE WHEN b.bill_status = 'closed' THEN 'dispatched' WHEN b.bill_status = 'open' THEN 'billed'
    WHEN b.child_count >= {PARENT_CAPACITY} THEN 'filled' WHEN b.child_count > 0 THEN 'filling' ELSE 'empty' END"""
_CHILD_STATUS = """CASE WHEN b.bill_status = 'closed' THEN 'dispatched' WHEN b.parent_qr_id IS NOT NULL THEN 'linked'
    ELSE 'unlinked' END"""
# Two index range scans joined by UNION ALL, as in inventory._HISTORY (an OR would walk the whole table).
_LOOKUP = f"""
WITH b AS (
    SELECT bag.id, bag.qr_id, bag.kind, bag.child_count, bag.created_at, bag.filled_at,
           holder.qr_id AS parent_qr_id, bill.bill_number, bill.status AS bill_status
    FROM bags bag
    LEFT JOIN bags holder ON holder.id = bag.parent_id
    LEFT JOIN bills bill ON bill.id = coalesce(holder.bill_id, bag.bill_id)
    WHERE bag.qr_id = %(qr)s
), newest AS (
    SELECT e.id, {_HISTORY_ENTRY} AS entry
    FROM scan_events e
    JOIN bags subject ON subject.id = e.bag_id
    LEFT JOIN bags holder ON holder.id = e.parent_bag_id
    LEFT JOIN bills bill ON bill.id = e.bill_id
    LEFT JOIN users u ON u.id = e.user_id
    LEFT JOIN devices d ON d.id = e.device_id
    WHERE e.id IN (
        (SELECT id FROM scan_events WHERE bag_id = (SELECT id FROM b) ORDER BY id DESC LIMIT {HISTORY_LIMIT})
        UNION ALL
        (SELECT id FROM scan_events WHERE parent_bag_id = (SELECT id FROM b) ORDER BY id DESC LIMIT {HISTORY_LIMIT})
    )
    ORDER BY e.id DESC
    LIMIT {HISTORY_LIMIT}
), history AS (
    SELECT coalesce(json_agg(entry ORDER BY id DESC), '[]'::json) AS entries FROM newest
)
SELECT CASE WHEN b.kind = 'parent' THEN json_build_object(
    'qr_id', b.qr_id, 'kind', b.kind, 'created_at', {_TIMESTAMP.format("b.created_at")}, 'bill', {_BILL},
    'child_count', b.child_count, 'capacity', {PARENT_CAPACITY}, 'status', {_PARENT_STATUS},
    'filled_at', {_TIMESTAMP.format("b.filled_at")},
    'children', (SELECT coalesce(json_agg(c.qr_id ORDER BY c.qr_id), '[]'::json)
                 FROM bags c WHERE c.parent_id = b.id),
    'history', history.entries)
ELSE json_build_object(
    'qr_id', b.qr_id, 'kind', b.kind, 'created_at', {_TIMESTAMP.format("b.created_at")}, 'bill', {_BILL},
    'parent_qr_id', b.parent_qr_id, 'status', {_CHILD_STATUS}, 'history', history.entries)
END::text
FROM b, history
"""  # noqa: S608


def lookup_json(conn: Connection, qr: str) -> str | None:
    """The lookup document of a (validated) bag code as JSON text, or None for an unknown bag.

    ``conn`` is the replica's or the primary's connection in autocommit mode
    (``Database.query(..., single_statement=True)``): the statement is the whole round trip.
    """
    row = conn.execute(_LOOKUP, {"qr": qr}).fetchone()
    return row[0] if row else None
