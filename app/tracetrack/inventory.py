"""Bag and bill operations. Every function runs inside the caller's transaction.

Capacity and single-linking are guaranteed by row locks on PostgreSQL (the UPDATE that takes a place
in a parent, ``SELECT ... FOR UPDATE`` elsewhere; on SQLite every write transaction starts with
BEGIN IMMEDIATE, see db.py), by the unique ``qr_id`` constraint for concurrently created children, and
by a CHECK constraint as the last line. A scan or undo reads its parent's bill with a share lock, and
closing a bill locks it for update: the two wait for each other, so a child never lands in a parent
whose bill is being closed, and a closed bill lists every child scanned before it.

Scans are idempotent: scanning a child into the parent it is already in answers with the earlier scan
(``AlreadyDone``), and undo names the scan it undoes, so a retried or doubled request changes nothing
twice. On PostgreSQL the scans run as one statement each first (``scans_pg.py``); the functions here
are the rules in full, and explain every refusal.
"""

import re
from datetime import datetime

from sqlalchemy import Connection, DateTime, Integer, bindparam, case, func, select, text, union_all, update

from .auth import Actor, now
from .errors import BadRequest, Conflict, NotFound
from .models import PARENT_CAPACITY, bags, bills, devices, scan_events, users

PARENT_QR = re.compile(r"SB\d{5,8}")
CHILD_QR = re.compile(r"CB\d{5,8}")
ANY_QR = re.compile(r"[SC]B\d{5,8}")
BILL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9/_-]{0,31}")
SEARCH_TERM = re.compile(r"[A-Z0-9/_-]{1,32}")
MAX_EXPECTED_PARENTS = 500
# Aliases are built once: building one populates its column collection, which is costly per request.
HOLDER = bags.alias("holder")
SUBJECT = bags.alias("subject")
PARENT = bags.alias("parent")
HISTORY_LIMIT = 50
# Timestamps in answers always carry microseconds, the same from Python as from PostgreSQL's to_char.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class AlreadyDone(Exception):
    """The request repeats one already carried out; ``result`` is that earlier outcome, answered 200.
    Raised so that the caller's transaction rolls back whatever the repeat had begun to change."""

    def __init__(self, result: dict):
        super().__init__("already done")
        self.result = result


def iso(moment: datetime | None) -> str | None:
    return moment.strftime(TIMESTAMP_FORMAT) if moment is not None else None


def parse_qr(value, pattern: re.Pattern = ANY_QR, what: str = "qr_id") -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{what} is required")
    qr = value.strip().upper()
    if not pattern.fullmatch(qr):
        expected = {PARENT_QR: "a parent bag id like SB12345", CHILD_QR: "a child bag id like CB12345"}
        raise BadRequest(f"{what} {qr!r} is not {expected.get(pattern, 'a bag id like SB12345 or CB12345')}")
    return qr


def parse_bill_number(value) -> str:
    if not isinstance(value, str) or not BILL_NUMBER.fullmatch(value.strip().upper()):
        raise BadRequest("bill_number must be 1-32 letters, digits, '/', '_' or '-'")
    return value.strip().upper()


# The same SQL works on PostgreSQL and SQLite. Written as text because SQLAlchemy's dialect-specific
# INSERT ... ON CONFLICT constructs are not cacheable and would be compiled again on every scan.
_INSERT_BAG = (
    text(
        "INSERT INTO bags (qr_id, kind, parent_id, child_count, created_at, updated_at) "
        "VALUES (:qr_id, :kind, :parent_id, 0, :at, :at) ON CONFLICT (qr_id) DO NOTHING RETURNING id"
    )
    .bindparams(bindparam("at", type_=DateTime), bindparam("parent_id", type_=Integer))
    .columns(id=Integer)
)
_INSERT_BILL = (
    text(
        "INSERT INTO bills (bill_number, status, expected_parent_count, parent_count, created_by, created_at) "
        "VALUES (:bill_number, 'open', :expected, 0, :created_by, :at) "
        "ON CONFLICT (bill_number) DO NOTHING RETURNING id"
    )
    .bindparams(bindparam("at", type_=DateTime), bindparam("created_by", type_=Integer))
    .columns(id=Integer)
)


# Statements on the scanning path are built once; building and cache-keying them per request would cost
# more CPU than running them.
_RECORD = scan_events.insert().returning(scan_events.c.id)
# A share lock: closing the bill (FOR UPDATE) waits for the scans in flight, and scans wait for the close.
_BILL_STATUS = (
    select(bills.c.bill_number, bills.c.status).where(bills.c.id == bindparam("bill_id")).with_for_update(read=True)
)
_CHILD_BY_QR = (
    select(bags.c.id, bags.c.parent_id, bags.c.kind, bags.c.qr_id)
    .where(bags.c.qr_id == bindparam("qr_id"))
    .with_for_update()
)
_LATEST_CHILD_SCAN = (
    select(scan_events.c.id, scan_events.c.bag_id, scan_events.c.parent_bag_id, scan_events.c.reverted)
    .where(scan_events.c.bag_id == bindparam("bag_id"), scan_events.c.action == "child_scan")
    .order_by(scan_events.c.id.desc())
    .limit(1)
    .with_for_update()
)
_EVENT_BY_ID = (
    select(
        scan_events.c.id,
        scan_events.c.bag_id,
        scan_events.c.parent_bag_id,
        scan_events.c.reverted,
        scan_events.c.action,
    )
    .where(scan_events.c.id == bindparam("event_id"))
    .with_for_update()
)
_PARENT_BY_QR = select(bags.c.id, bags.c.child_count, bags.c.bill_id).where(bags.c.qr_id == bindparam("qr_id"))
# One statement locks the parent row and takes a place in it. A scan that waited for the lock re-checks
# the WHERE clause against the committed count, so capacity can never be exceeded.
_TAKE_PLACE = (
    update(bags)
    .where(bags.c.qr_id == bindparam("parent_qr"), bags.c.kind == "parent", bags.c.child_count < PARENT_CAPACITY)
    .values(
        child_count=bags.c.child_count + 1,
        updated_at=bindparam("at", type_=DateTime),
        filled_at=case(
            (bags.c.child_count == PARENT_CAPACITY - 1, bindparam("at", type_=DateTime)), else_=bags.c.filled_at
        ),
    )
    .returning(bags.c.id, bags.c.child_count, bags.c.bill_id)
)
_LATEST_PARENT_SCAN = {
    kind: select(bags.c.qr_id)
    .join(scan_events, scan_events.c.bag_id == bags.c.id)
    .where(column == bindparam("actor_id"), scan_events.c.action == "parent_scan")
    .order_by(scan_events.c.id.desc())
    .limit(1)
    for kind, column in (("user", scan_events.c.user_id), ("device", scan_events.c.device_id))
}


def _record(conn: Connection, action: str, actor: Actor, bag_id: int, parent_bag_id=None, bill_id=None) -> int:
    return conn.execute(
        _RECORD,
        {
            "action": action,
            "bag_id": bag_id,
            "parent_bag_id": parent_bag_id,
            "bill_id": bill_id,
            "user_id": actor.id if actor.kind == "user" else None,
            "device_id": actor.id if actor.kind == "device" else None,
            "reverted": False,
            "created_at": now(),
        },
    ).scalar_one()


def parent_status(child_count: int, bill_status: str | None) -> str:
    if bill_status == "closed":
        return "dispatched"
    if bill_status == "open":
        return "billed"
    if child_count >= PARENT_CAPACITY:
        return "filled"
    return "filling" if child_count else "empty"


def _parent_view(qr_id: str, child_count: int, bill_status: str | None = None) -> dict:
    return {
        "qr_id": qr_id,
        "child_count": child_count,
        "capacity": PARENT_CAPACITY,
        "status": parent_status(child_count, bill_status),
    }


def _bill_of(conn: Connection, bill_id: int | None):
    if bill_id is None:
        return None
    return conn.execute(_BILL_STATUS, {"bill_id": bill_id}).first()


def scan_parent(conn: Connection, qr_value, actor: Actor) -> dict:
    """Register (on first sight) and select a parent bag for the child scans that follow."""
    qr = parse_qr(qr_value, PARENT_QR)
    row = conn.execute(_PARENT_BY_QR, {"qr_id": qr}).first()
    created = None
    if row is None:
        # None from the insert means another scanner registered the bag a moment ago.
        created = conn.execute(_INSERT_BAG, {"qr_id": qr, "kind": "parent", "parent_id": None, "at": now()}).scalar()
        row = conn.execute(_PARENT_BY_QR, {"qr_id": qr}).first()
    bill = _bill_of(conn, row.bill_id)
    if bill is not None and bill.status == "closed":
        raise Conflict("parent_dispatched", f"{qr} was dispatched on bill {bill.bill_number}")
    _record(conn, "parent_scan", actor, row.id)
    return parent_result(qr, row.child_count, bill.status if bill else None, created is not None)


def parent_result(qr: str, child_count: int, bill_status: str | None, created: bool) -> dict:
    return {"parent": _parent_view(qr, child_count, bill_status), "created": created}


def current_parent(conn: Connection, actor: Actor) -> str | None:
    """The parent this actor scanned most recently; child scans default to it."""
    return conn.execute(_LATEST_PARENT_SCAN[actor.kind], {"actor_id": actor.id}).scalar()


def child_result(child_qr: str, parent_qr: str, child_count: int, bill_status: str | None, event_id: int) -> dict:
    return {
        "child": {"qr_id": child_qr, "parent_qr_id": parent_qr},
        "parent": _parent_view(parent_qr, child_count, bill_status),
        "event_id": event_id,
    }


def _repeated_child_scan(conn: Connection, child, parent_qr: str) -> AlreadyDone:
    """The answer to scanning a child into the parent it is already in: the scan that put it there."""
    parent = conn.execute(_PARENT_BY_QR, {"qr_id": parent_qr}).first()
    bill = _bill_of(conn, parent.bill_id)
    event = conn.execute(_LATEST_CHILD_SCAN, {"bag_id": child.id}).first()
    status = bill.status if bill else None
    return AlreadyDone(child_result(child.qr_id, parent_qr, parent.child_count, status, event.id))


def scan_child(conn: Connection, child_value, parent_qr: str, actor: Actor) -> dict:
    """Link a child bag to a parent, refusing a full parent and a child that is already linked elsewhere.

    A child already in this parent raises ``AlreadyDone`` with the earlier scan (a retry, a double scan).
    """
    child_qr = parse_qr(child_value, CHILD_QR)
    child = conn.execute(_CHILD_BY_QR, {"qr_id": child_qr}).first()
    if child is not None and child.parent_id is not None:
        _refuse_linked(conn, child, parent_qr)
    timestamp = now()
    parent = conn.execute(_TAKE_PLACE, {"parent_qr": parent_qr, "at": timestamp}).first()
    if parent is None:
        _refuse_parent(conn, parent_qr)
    bill = _bill_of(conn, parent.bill_id)
    if bill is not None and bill.status == "closed":
        # Raising rolls the transaction back, taking the place in the parent back with it.
        raise Conflict("parent_dispatched", f"{parent_qr} was dispatched on bill {bill.bill_number}")
    child_id = conn.execute(
        _INSERT_BAG, {"qr_id": child_qr, "kind": "child", "parent_id": parent.id, "at": timestamp}
    ).scalar()
    if child_id is None:
        # Registered by another scan since the first read: linked by it, or unlinked and free.
        child = conn.execute(_CHILD_BY_QR, {"qr_id": child_qr}).first()
        if child.parent_id is not None:
            _refuse_linked(conn, child, parent_qr)
        conn.execute(update(bags).where(bags.c.id == child.id).values(parent_id=parent.id, updated_at=timestamp))
        child_id = child.id
    event_id = _record(conn, "child_scan", actor, child_id, parent_bag_id=parent.id)
    return child_result(child_qr, parent_qr, parent.child_count, bill.status if bill else None, event_id)


def _refuse_linked(conn: Connection, child, parent_qr: str):
    holder = conn.execute(select(bags.c.qr_id).where(bags.c.id == child.parent_id)).scalar()
    if holder == parent_qr:
        raise _repeated_child_scan(conn, child, parent_qr)
    raise Conflict("already_linked", f"{child.qr_id} is already in {holder}", parent_qr_id=holder)


def _refuse_parent(conn: Connection, parent_qr: str):
    """Say why a parent took no child: unknown, dispatched or full."""
    parent = conn.execute(select(bags.c.child_count, bags.c.bill_id).where(bags.c.qr_id == parent_qr)).first()
    if parent is None:
        raise NotFound(f"parent bag {parent_qr} has not been scanned")
    bill = _bill_of(conn, parent.bill_id)
    if bill is not None and bill.status == "closed":
        raise Conflict("parent_dispatched", f"{parent_qr} was dispatched on bill {bill.bill_number}")
    raise Conflict(
        "parent_full",
        f"{parent_qr} is full ({PARENT_CAPACITY}/{PARENT_CAPACITY})",
        parent=_parent_view(parent_qr, parent.child_count, bill.status if bill else None),
    )


def _scan_to_undo(conn: Connection, event_id, child_value):
    """The child scan named by its event id or by its child's code (that child's latest scan), locked."""
    if event_id is not None:
        if isinstance(event_id, bool) or not isinstance(event_id, int) or event_id < 1:
            raise BadRequest("event_id must be a positive integer")
        event = conn.execute(_EVENT_BY_ID, {"event_id": event_id}).first()
        if event is None or event.action != "child_scan":
            raise NotFound(f"there is no child scan {event_id}")
        return event
    if child_value is None:
        raise BadRequest("name the child scan to undo: event_id, or qr_id of the child")
    child_qr = parse_qr(child_value, CHILD_QR)
    child_id = conn.execute(select(bags.c.id).where(bags.c.qr_id == child_qr)).scalar()
    event = conn.execute(_LATEST_CHILD_SCAN, {"bag_id": child_id}).first() if child_id is not None else None
    if event is None:
        raise NotFound(f"{child_qr} has never been scanned into a parent")
    return event


def undo_scan(conn: Connection, actor: Actor, event_id=None, child_value=None) -> dict:
    """Unlink the child of the named child scan. Undoing a scan already undone changes nothing and
    raises ``AlreadyDone`` with the same answer, so a retried or doubled undo unlinks one child only."""
    event = _scan_to_undo(conn, event_id, child_value)
    parent = conn.execute(
        select(bags.c.id, bags.c.qr_id, bags.c.child_count, bags.c.bill_id)
        .where(bags.c.id == event.parent_bag_id)
        .with_for_update()
    ).first()
    bill = _bill_of(conn, parent.bill_id)
    child_qr = conn.execute(select(bags.c.qr_id).where(bags.c.id == event.bag_id)).scalar_one()
    status = bill.status if bill else None
    undone = {"event_id": event.id, "child_qr_id": child_qr, "parent_qr_id": parent.qr_id}
    if event.reverted:
        raise AlreadyDone({"undone": undone, "parent": _parent_view(parent.qr_id, parent.child_count, status)})
    if status == "closed":
        raise Conflict("parent_dispatched", f"{parent.qr_id} was dispatched on bill {bill.bill_number}")
    timestamp = now()
    conn.execute(
        update(bags)
        .where(bags.c.id == event.bag_id, bags.c.parent_id == parent.id)
        .values(parent_id=None, updated_at=timestamp)
    )
    conn.execute(
        update(bags)
        .where(bags.c.id == parent.id)
        .values(child_count=bags.c.child_count - 1, filled_at=None, updated_at=timestamp)
    )
    conn.execute(update(scan_events).where(scan_events.c.id == event.id).values(reverted=True))
    _record(conn, "undo", actor, event.bag_id, parent_bag_id=parent.id)
    return {"undone": undone, "parent": _parent_view(parent.qr_id, parent.child_count - 1, status)}


def create_bill(conn: Connection, number_value, expected_value, actor: Actor) -> dict:
    number = parse_bill_number(number_value)
    if isinstance(expected_value, bool) or not isinstance(expected_value, int):
        raise BadRequest("expected_parent_count must be an integer")
    if not 1 <= expected_value <= MAX_EXPECTED_PARENTS:
        raise BadRequest(f"expected_parent_count must be between 1 and {MAX_EXPECTED_PARENTS}")
    created_by = actor.id if actor.kind == "user" else None
    bill_id = conn.execute(
        _INSERT_BILL, {"bill_number": number, "expected": expected_value, "created_by": created_by, "at": now()}
    ).scalar()
    if bill_id is None:
        raise Conflict("bill_exists", f"bill {number} already exists")
    return get_bill(conn, number)


def _locked_open_bill(conn: Connection, number: str):
    bill = conn.execute(
        select(bills.c.id, bills.c.status, bills.c.parent_count, bills.c.expected_parent_count)
        .where(bills.c.bill_number == number)
        .with_for_update()
    ).first()
    if bill is None:
        raise NotFound(f"bill {number} does not exist")
    if bill.status == "closed":
        raise Conflict("bill_closed", f"bill {number} is closed")
    return bill


def add_parent_to_bill(conn: Connection, number_value, qr_value, actor: Actor) -> dict:
    number = parse_bill_number(number_value)
    qr = parse_qr(qr_value, PARENT_QR)
    bill = _locked_open_bill(conn, number)
    if bill.parent_count >= bill.expected_parent_count:
        raise Conflict("bill_full", f"bill {number} already has its {bill.expected_parent_count} parent bags")
    parent = conn.execute(
        select(bags.c.id, bags.c.child_count, bags.c.bill_id).where(bags.c.qr_id == qr).with_for_update()
    ).first()
    if parent is None:
        raise NotFound(f"parent bag {qr} has not been scanned")
    if parent.bill_id is not None:
        other = _bill_of(conn, parent.bill_id)
        raise Conflict("already_billed", f"{qr} is already on bill {other.bill_number}")
    if parent.child_count == 0:
        raise Conflict("parent_empty", f"{qr} holds no child bags")
    timestamp = now()
    conn.execute(update(bags).where(bags.c.id == parent.id).values(bill_id=bill.id, updated_at=timestamp))
    conn.execute(update(bills).where(bills.c.id == bill.id).values(parent_count=bills.c.parent_count + 1))
    _record(conn, "bill_add", actor, parent.id, bill_id=bill.id)
    return get_bill(conn, number)


def bag_codes(conn: Connection, parent_qr: str | None = None, bill_number: str | None = None) -> list[str]:
    """The codes of a parent (or of every parent on a bill) and of their children: the bags whose lookup
    shows what a change to that parent or bill changes."""
    parents = select(bags.c.id, bags.c.qr_id)
    if parent_qr is not None:
        parents = parents.where(bags.c.qr_id == parent_qr)
    else:
        parents = parents.join(bills, bills.c.id == bags.c.bill_id).where(bills.c.bill_number == bill_number)
    parents = parents.subquery()
    children = select(bags.c.qr_id).join(parents, bags.c.parent_id == parents.c.id)
    return list(conn.execute(union_all(select(parents.c.qr_id), children)).scalars())


def close_bill(conn: Connection, number_value) -> dict:
    number = parse_bill_number(number_value)
    bill = _locked_open_bill(conn, number)
    if bill.parent_count == 0:
        raise Conflict("bill_empty", f"bill {number} has no parent bags")
    conn.execute(update(bills).where(bills.c.id == bill.id).values(status="closed", closed_at=now()))
    return get_bill(conn, number)


def _bill_view(row) -> dict:
    filled = row.parent_count >= row.expected_parent_count
    return {
        "bill_number": row.bill_number,
        "status": row.status if row.status == "closed" else ("filled" if filled else "open"),
        "parent_count": row.parent_count,
        "expected_parent_count": row.expected_parent_count,
        "created_at": iso(row.created_at),
        "closed_at": iso(row.closed_at),
    }


_BILL_COLUMNS = (
    bills.c.id,
    bills.c.bill_number,
    bills.c.status,
    bills.c.parent_count,
    bills.c.expected_parent_count,
    bills.c.created_at,
    bills.c.closed_at,
)


def get_bill(conn: Connection, number_value) -> dict:
    number = parse_bill_number(number_value)
    row = conn.execute(select(*_BILL_COLUMNS).where(bills.c.bill_number == number)).first()
    if row is None:
        raise NotFound(f"bill {number} does not exist")
    parents = conn.execute(
        select(bags.c.qr_id, bags.c.child_count).where(bags.c.bill_id == row.id).order_by(bags.c.qr_id)
    ).all()
    view = _bill_view(row)
    view["parents"] = [_parent_view(p.qr_id, p.child_count, row.status) for p in parents]
    return view


def list_bills(conn: Connection, status: str | None = None, limit: int = 50) -> list[dict]:
    query = select(*_BILL_COLUMNS).order_by(bills.c.id.desc()).limit(limit)
    if status == "closed":
        query = query.where(bills.c.status == "closed")
    elif status == "open":
        query = query.where(bills.c.status == "open")
    elif status is not None:
        raise BadRequest("status must be 'open' or 'closed'")
    return [_bill_view(row) for row in conn.execute(query)]


# Statements that run on every lookup are built once; their parameters are bound per call.
_BAG_BY_QR = (
    select(
        bags.c.id,
        bags.c.qr_id,
        bags.c.kind,
        bags.c.child_count,
        bags.c.created_at,
        bags.c.filled_at,
        HOLDER.c.qr_id.label("parent_qr_id"),
        bills.c.bill_number,
        bills.c.status.label("bill_status"),
    )
    .select_from(
        bags.outerjoin(HOLDER, HOLDER.c.id == bags.c.parent_id).outerjoin(
            bills, bills.c.id == func.coalesce(HOLDER.c.bill_id, bags.c.bill_id)
        )
    )
    .where(bags.c.qr_id == bindparam("qr_id"))
)
_CHILDREN = select(bags.c.qr_id).where(bags.c.parent_id == bindparam("bag_id")).order_by(bags.c.qr_id)
# Two index range scans joined by UNION ALL (the bag's own events, and children scanned into it): a single
# OR condition leads PostgreSQL to walk the whole event table backwards by id, which grows with the table.
_NEWEST_EVENTS = [
    select(scan_events.c.id)
    .where(column == bindparam("bag_id"))
    .order_by(scan_events.c.id.desc())
    .limit(HISTORY_LIMIT)
    .subquery()
    for column in (scan_events.c.bag_id, scan_events.c.parent_bag_id)
]
_HISTORY = (
    select(
        scan_events.c.action,
        scan_events.c.created_at,
        scan_events.c.reverted,
        SUBJECT.c.qr_id.label("bag_qr_id"),
        PARENT.c.qr_id.label("parent_qr_id"),
        bills.c.bill_number,
        users.c.username,
        devices.c.name.label("device_name"),
    )
    .select_from(
        scan_events.join(SUBJECT, SUBJECT.c.id == scan_events.c.bag_id)
        .outerjoin(PARENT, PARENT.c.id == scan_events.c.parent_bag_id)
        .outerjoin(bills, bills.c.id == scan_events.c.bill_id)
        .outerjoin(users, users.c.id == scan_events.c.user_id)
        .outerjoin(devices, devices.c.id == scan_events.c.device_id)
    )
    .where(scan_events.c.id.in_(union_all(*(select(sub.c.id) for sub in _NEWEST_EVENTS))))
    .order_by(scan_events.c.id.desc())
    .limit(HISTORY_LIMIT)
)


def lookup(conn: Connection, qr_value) -> dict:
    """A bag with its parent or children, its bill, and its scan history (newest first)."""
    qr = parse_qr(qr_value)
    row = conn.execute(_BAG_BY_QR, {"qr_id": qr}).first()
    if row is None:
        raise NotFound(f"bag {qr} has never been scanned")
    bag = {
        "qr_id": row.qr_id,
        "kind": row.kind,
        "created_at": iso(row.created_at),
        "bill": {"bill_number": row.bill_number, "status": row.bill_status} if row.bill_number else None,
    }
    if row.kind == "parent":
        bag.update(_parent_view(row.qr_id, row.child_count, row.bill_status))
        bag["filled_at"] = iso(row.filled_at)
        bag["children"] = list(conn.execute(_CHILDREN, {"bag_id": row.id}).scalars())
    else:
        bag["parent_qr_id"] = row.parent_qr_id
        bag["status"] = "dispatched" if row.bill_status == "closed" else ("linked" if row.parent_qr_id else "unlinked")
    bag["history"] = [
        {
            "at": iso(r.created_at),
            "action": r.action,
            "bag_qr_id": r.bag_qr_id,
            "parent_qr_id": r.parent_qr_id,
            "bill_number": r.bill_number,
            "actor": {"type": "user", "name": r.username} if r.username else {"type": "device", "name": r.device_name},
            "reverted": r.reverted,
        }
        for r in conn.execute(_HISTORY, {"bag_id": row.id})
    ]
    return bag


def search(conn: Connection, term_value, kind: str | None = None, limit: int = 20) -> dict:
    """Bags whose id starts with the term, and bills whose number does."""
    if not isinstance(term_value, str) or not SEARCH_TERM.fullmatch(term_value.strip().upper()):
        raise BadRequest("q must be 1-32 letters, digits, '/', '_' or '-'")
    if kind not in (None, "parent", "child"):
        raise BadRequest("kind must be 'parent' or 'child'")
    if not 1 <= limit <= 100:
        raise BadRequest("limit must be between 1 and 100")
    pattern = term_value.strip().upper().replace("_", r"\_") + "%"
    holder = HOLDER
    query = (
        select(bags.c.qr_id, bags.c.kind, bags.c.child_count, holder.c.qr_id.label("parent_qr_id"))
        .select_from(bags.outerjoin(holder, holder.c.id == bags.c.parent_id))
        .where(bags.c.qr_id.like(pattern, escape="\\"))
        .order_by(bags.c.qr_id)
        .limit(limit)
    )
    if kind:
        query = query.where(bags.c.kind == kind)
    found_bags = [
        {"qr_id": r.qr_id, "kind": r.kind}
        | ({"child_count": r.child_count} if r.kind == "parent" else {"parent_qr_id": r.parent_qr_id})
        for r in conn.execute(query)
    ]
    found_bills = [
        _bill_view(r)
        for r in conn.execute(
            select(*_BILL_COLUMNS)
            .where(bills.c.bill_number.like(pattern, escape="\\"))
            .order_by(bills.c.bill_number)
            .limit(limit)
        )
    ]
    return {"bags": found_bags, "bills": found_bills}
