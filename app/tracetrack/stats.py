"""Dashboard figures: today's work and scan rate over time, in the warehouse's time zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Interval, false, func, literal, select

from .models import bags, bills, scan_events

SCAN_ACTIONS = ("parent_scan", "child_scan")
HOURS_SHOWN = 24
DAYS_SHOWN = 14


def _bucket(conn: Connection, column, unit: str, offset_seconds: int):
    """Truncate a UTC timestamp to the local hour or day, as a sortable label."""
    if conn.dialect.name == "postgresql":
        shifted = column + literal(timedelta(seconds=offset_seconds), Interval)
        pattern = 'YYYY-MM-DD"T"HH24:00' if unit == "hour" else "YYYY-MM-DD"
        return func.to_char(func.date_trunc(unit, shifted), pattern)
    pattern = "%Y-%m-%dT%H:00" if unit == "hour" else "%Y-%m-%d"
    return func.strftime(pattern, column, f"{offset_seconds:+d} seconds")


def _series(conn: Connection, column, where, unit: str, offset: int, labels: list[str]) -> list[int]:
    bucket = _bucket(conn, column, unit, offset).label("bucket")
    counts = dict(conn.execute(select(bucket, func.count()).where(*where).group_by(bucket)).all())
    return [counts.get(label, 0) for label in labels]


def _count(conn: Connection, *where) -> int:
    return conn.execute(select(func.count()).where(*where)).scalar_one()


def dashboard(conn: Connection, timezone: str) -> dict:
    tz = ZoneInfo(timezone)
    local_now = datetime.now(tz)
    offset = int(local_now.utcoffset().total_seconds())
    today_local = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = today_local.astimezone(UTC).replace(tzinfo=None)
    hour_local = local_now.replace(minute=0, second=0, microsecond=0)
    hours = [hour_local - timedelta(hours=n) for n in range(HOURS_SHOWN - 1, -1, -1)]
    days = [today_local - timedelta(days=n) for n in range(DAYS_SHOWN - 1, -1, -1)]
    hour_labels = [h.strftime("%Y-%m-%dT%H:00") for h in hours]
    day_labels = [d.strftime("%Y-%m-%d") for d in days]
    since_hours = hours[0].astimezone(UTC).replace(tzinfo=None)
    since_days = days[0].astimezone(UTC).replace(tzinfo=None)
    is_scan = scan_events.c.action.in_(SCAN_ACTIONS)
    kinds = dict(conn.execute(select(bags.c.kind, func.count()).group_by(bags.c.kind)).all())

    return {
        "timezone": timezone,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "today": {
            "scans": _count(conn, is_scan, scan_events.c.created_at >= today),
            "child_scans": _count(
                conn,
                scan_events.c.action == "child_scan",
                scan_events.c.reverted == false(),
                scan_events.c.created_at >= today,
            ),
            "bags_filled": _count(conn, bags.c.filled_at >= today),
            "bills_dispatched": _count(conn, bills.c.closed_at >= today),
        },
        "totals": {
            "parent_bags": kinds.get("parent", 0),
            "child_bags": kinds.get("child", 0),
            "open_bills": _count(conn, bills.c.status == "open"),
            "dispatched_bills": _count(conn, bills.c.status == "closed"),
        },
        "scans_per_hour": {
            "labels": [label[-5:] for label in hour_labels],
            "values": _series(
                conn,
                scan_events.c.created_at,
                [is_scan, scan_events.c.created_at >= since_hours],
                "hour",
                offset,
                hour_labels,
            ),
        },
        "per_day": {
            "labels": [label[5:] for label in day_labels],
            "scans": _series(
                conn,
                scan_events.c.created_at,
                [is_scan, scan_events.c.created_at >= since_days],
                "day",
                offset,
                day_labels,
            ),
            "bags_filled": _series(conn, bags.c.filled_at, [bags.c.filled_at >= since_days], "day", offset, day_labels),
            "bills_dispatched": _series(
                conn, bills.c.closed_at, [bills.c.closed_at >= since_days], "day", offset, day_labels
            ),
        },
    }
