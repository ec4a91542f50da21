"""Table definitions (SQLAlchemy Core). Migrations in ../migrations must match these."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    false,
    true,
)

# The capacity is a property of the physical bags, also enforced by a CHECK constraint below.
PARENT_CAPACITY = 30

ROLES = ("admin", "dispatcher", "biller")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY columns.
EventId = BigInteger().with_variant(Integer, "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", DateTime, nullable=False),
    # Signed into every session cookie at sign-in; raising it ends all of the user's sessions at once.
    Column("session_version", Integer, nullable=False, server_default="0"),
    CheckConstraint("role IN ('admin', 'dispatcher', 'biller')", name="role"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", DateTime, nullable=False),
    # True for devices whose key comes from the deployment's scanner-keys secret (see bootstrap.py);
    # devices registered by hand (command line, administration pages) are never touched by it.
    Column("managed", Boolean, nullable=False, server_default=false()),
)

bills = Table(
    "bills",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bill_number", String(32), nullable=False, unique=True),
    Column("status", String(8), nullable=False, server_default="open"),
    Column("expected_parent_count", Integer, nullable=False),
    Column("parent_count", Integer, nullable=False, server_default="0"),
    Column("created_by", ForeignKey("users.id"), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("closed_at", DateTime, nullable=True, index=True),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    CheckConstraint("parent_count >= 0 AND parent_count <= expected_parent_count", name="parent_count"),
)

bags = Table(
    "bags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("qr_id", String(16), nullable=False, unique=True),
    Column("kind", String(6), nullable=False),
    Column("parent_id", ForeignKey("bags.id"), nullable=True, index=True),
    Column("bill_id", ForeignKey("bills.id"), nullable=True, index=True),
    Column("child_count", Integer, nullable=False, server_default="0"),
    Column("filled_at", DateTime, nullable=True, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    CheckConstraint("kind IN ('parent', 'child')", name="kind"),
    CheckConstraint(f"child_count >= 0 AND child_count <= {PARENT_CAPACITY}", name="child_count"),
    # Prefix search (LIKE 'SB12%') can use this index on PostgreSQL whatever the collation.
    Index("ix_bags_qr_id_pattern", "qr_id", postgresql_ops={"qr_id": "varchar_pattern_ops"}),
)

scan_events = Table(
    "scan_events",
    metadata,
    Column("id", EventId, primary_key=True),
    Column("action", String(16), nullable=False),
    Column("bag_id", ForeignKey("bags.id"), nullable=False),
    Column("parent_bag_id", ForeignKey("bags.id"), nullable=True),
    Column("bill_id", ForeignKey("bills.id"), nullable=True),
    Column("user_id", ForeignKey("users.id"), nullable=True),
    Column("device_id", ForeignKey("devices.id"), nullable=True),
    Column("reverted", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime, nullable=False, index=True),
    CheckConstraint("action IN ('parent_scan', 'child_scan', 'undo', 'bill_add')", name="action"),
    Index("ix_scan_events_bag_id_id", "bag_id", "id"),
    Index("ix_scan_events_parent_bag_id_id", "parent_bag_id", "id"),
    Index("ix_scan_events_user_id_id", "user_id", "id"),
    Index("ix_scan_events_device_id_id", "device_id", "id"),
)
