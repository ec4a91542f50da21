"""A realistic data set for demos and benchmarks: two weeks of scanning by several people and devices."""

import random
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from .auth import create_user, hash_api_key, now
from .db import Database
from .models import PARENT_CAPACITY, bags, bills, devices, scan_events, users

SEED_USERS = (
    ("supervisor", "admin"),
    ("dispatcher1", "dispatcher"),
    ("dispatcher2", "dispatcher"),
    ("dispatcher3", "dispatcher"),
    ("biller1", "biller"),
    ("biller2", "biller"),
)
SEED_DEVICES = ("scanner-01", "scanner-02", "scanner-03", "scanner-04")
PARENTS_PER_BILL = 10
CHUNK = 5_000
FIRST_NUMBER = 10_000


def _chunks(rows: list[dict]):
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def seed(db: Database, bag_total: int, days: int, random_seed: int, password: str | None) -> dict:
    rng = random.Random(random_seed)  # noqa: S311 (reproducible demo data, not secrets)
    with db.transaction() as conn:
        existing = conn.execute(select(func.count()).select_from(bags)).scalar_one()
        if existing:
            return {"bags already present, nothing seeded": existing}
        # Without a chosen password the seed accounts get an unguessable one nobody knows.
        user_ids = [create_user(conn, name, password or secrets.token_urlsafe(24), role) for name, role in SEED_USERS]
        dispatcher_ids = [uid for uid, (_, role) in zip(user_ids, SEED_USERS, strict=True) if role == "dispatcher"]
        biller_ids = [uid for uid, (_, role) in zip(user_ids, SEED_USERS, strict=True) if role == "biller"]
        conn.execute(
            devices.insert(),
            [
                {"name": name, "key_hash": hash_api_key(secrets.token_urlsafe(32)), "created_at": now()}
                for name in SEED_DEVICES
            ],
        )
        device_ids = list(conn.execute(select(devices.c.id).where(devices.c.name.in_(SEED_DEVICES))).scalars())

        # Plan the parents: most are full, the newest few are still being filled.
        plan, total, start = [], 0, now() - timedelta(days=days)
        while total < bag_total:
            index = len(plan)
            children = PARENT_CAPACITY if rng.random() > 0.05 else rng.randint(1, PARENT_CAPACITY - 1)
            opened = start + timedelta(seconds=rng.uniform(0, days * 86_400))
            if rng.random() < 0.6:
                actor = ("user_id", rng.choice(dispatcher_ids))
            else:
                actor = ("device_id", rng.choice(device_ids))
            plan.append({"qr": f"SB{FIRST_NUMBER + index}", "children": children, "opened": opened, "actor": actor})
            total += 1 + children
        plan.sort(key=lambda p: p["opened"])

        parent_rows, child_rows, child_no = [], [], FIRST_NUMBER
        for parent in plan:
            # A child every 5-9 seconds: the pace of one operator with a hand scanner.
            times = [
                parent["opened"] + timedelta(seconds=5 * (n + 1) + rng.uniform(0, 4)) for n in range(parent["children"])
            ]
            parent["times"] = times
            filled = times[-1] if parent["children"] == PARENT_CAPACITY else None
            parent_rows.append(
                {
                    "qr_id": parent["qr"],
                    "kind": "parent",
                    "child_count": parent["children"],
                    "filled_at": filled,
                    "created_at": parent["opened"],
                    "updated_at": times[-1],
                }
            )
            parent["child_qrs"] = [f"CB{child_no + n}" for n in range(parent["children"])]
            child_no += parent["children"]
        for chunk in _chunks(parent_rows):
            conn.execute(bags.insert(), chunk)
        parent_ids = dict(conn.execute(select(bags.c.qr_id, bags.c.id).where(bags.c.kind == "parent")).all())
        for parent in plan:
            for qr, at in zip(parent["child_qrs"], parent["times"], strict=True):
                child_rows.append(
                    {
                        "qr_id": qr,
                        "kind": "child",
                        "parent_id": parent_ids[parent["qr"]],
                        "created_at": at,
                        "updated_at": at,
                    }
                )
        for chunk in _chunks(child_rows):
            conn.execute(bags.insert(), chunk)
        child_ids = dict(conn.execute(select(bags.c.qr_id, bags.c.id).where(bags.c.kind == "child")).all())

        events = []
        for parent in plan:
            column, actor_id = parent["actor"]
            pid = parent_ids[parent["qr"]]
            events.append({"action": "parent_scan", "bag_id": pid, column: actor_id, "created_at": parent["opened"]})
            events.extend(
                {
                    "action": "child_scan",
                    "bag_id": child_ids[qr],
                    "parent_bag_id": pid,
                    column: actor_id,
                    "created_at": at,
                }
                for qr, at in zip(parent["child_qrs"], parent["times"], strict=True)
            )

        # Bills take full parents in scan order; the newest two stay open, the rest are dispatched.
        full = [p for p in plan if p["children"] == PARENT_CAPACITY]
        groups = [full[i : i + PARENTS_PER_BILL] for i in range(0, len(full), PARENTS_PER_BILL)]
        billed = groups[:-2] if len(groups) > 2 else groups
        for number, group in enumerate(billed, start=1):
            last = group[-1]["times"][-1]
            closed = number <= len(billed) - 2
            bill_id = conn.execute(
                bills.insert()
                .values(
                    bill_number=f"BILL{group[0]['opened']:%y%m%d}-{number:04d}",
                    status="closed" if closed else "open",
                    expected_parent_count=PARENTS_PER_BILL,
                    parent_count=len(group),
                    created_by=rng.choice(biller_ids),
                    created_at=group[0]["opened"],
                    closed_at=last + timedelta(minutes=30) if closed else None,
                )
                .returning(bills.c.id)
            ).scalar_one()
            conn.execute(bags.update().where(bags.c.qr_id.in_([p["qr"] for p in group])).values(bill_id=bill_id))
            biller = rng.choice(biller_ids)
            events.extend(
                {
                    "action": "bill_add",
                    "bag_id": parent_ids[p["qr"]],
                    "bill_id": bill_id,
                    "user_id": biller,
                    "created_at": p["times"][-1] + timedelta(minutes=5),
                }
                for p in group
            )
        events.sort(key=lambda e: e["created_at"])
        for chunk in _chunks(events):
            conn.execute(
                scan_events.insert(),
                [{"parent_bag_id": None, "bill_id": None, "user_id": None, "device_id": None, **e} for e in chunk],
            )
        user_total = conn.execute(select(func.count()).select_from(users)).scalar_one()
    with db.transaction() as conn:
        # Fresh statistics, so that the first queries after a bulk load get good plans.
        conn.exec_driver_sql("ANALYZE")
    return {
        "bags": len(parent_rows) + len(child_rows),
        "parent bags": len(parent_rows),
        "child bags": len(child_rows),
        "bills": len(billed),
        "scan events": len(events),
        "users": user_total,
        "devices": len(device_ids),
    }
