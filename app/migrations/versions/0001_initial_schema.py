"""Initial schema: users, devices, bills, bags and scan events.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_devices_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_devices_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'dispatcher', 'biller')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=8), server_default="open", nullable=False),
        sa.Column("expected_parent_count", sa.Integer(), nullable=False),
        sa.Column("parent_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_bills_status")),
        sa.CheckConstraint(
            "parent_count >= 0 AND parent_count <= expected_parent_count", name=op.f("ck_bills_parent_count")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_bills_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("bill_number", name=op.f("uq_bills_bill_number")),
    )
    op.create_index(op.f("ix_bills_closed_at"), "bills", ["closed_at"])
    op.create_table(
        "bags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("qr_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("bill_id", sa.Integer(), nullable=True),
        sa.Column("child_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("filled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('parent', 'child')", name=op.f("ck_bags_kind")),
        sa.CheckConstraint("child_count >= 0 AND child_count <= 30", name=op.f("ck_bags_child_count")),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"], name=op.f("fk_bags_bill_id_bills")),
        sa.ForeignKeyConstraint(["parent_id"], ["bags.id"], name=op.f("fk_bags_parent_id_bags")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bags")),
        sa.UniqueConstraint("qr_id", name=op.f("uq_bags_qr_id")),
    )
    op.create_index(op.f("ix_bags_bill_id"), "bags", ["bill_id"])
    op.create_index(op.f("ix_bags_filled_at"), "bags", ["filled_at"])
    op.create_index(op.f("ix_bags_parent_id"), "bags", ["parent_id"])
    # Only PostgreSQL can use an index for LIKE 'prefix%' under a non-C collation; SQLite would just pay for it.
    if op.get_context().dialect.name == "postgresql":
        op.create_index("ix_bags_qr_id_pattern", "bags", ["qr_id"], postgresql_ops={"qr_id": "varchar_pattern_ops"})
    op.create_table(
        "scan_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("bag_id", sa.Integer(), nullable=False),
        sa.Column("parent_bag_id", sa.Integer(), nullable=True),
        sa.Column("bill_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("reverted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "action IN ('parent_scan', 'child_scan', 'undo', 'bill_add')", name=op.f("ck_scan_events_action")
        ),
        sa.ForeignKeyConstraint(["bag_id"], ["bags.id"], name=op.f("fk_scan_events_bag_id_bags")),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"], name=op.f("fk_scan_events_bill_id_bills")),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_scan_events_device_id_devices")),
        sa.ForeignKeyConstraint(["parent_bag_id"], ["bags.id"], name=op.f("fk_scan_events_parent_bag_id_bags")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_scan_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_events")),
    )
    op.create_index("ix_scan_events_bag_id_id", "scan_events", ["bag_id", "id"])
    op.create_index(op.f("ix_scan_events_created_at"), "scan_events", ["created_at"])
    op.create_index("ix_scan_events_device_id_id", "scan_events", ["device_id", "id"])
    op.create_index("ix_scan_events_parent_bag_id_id", "scan_events", ["parent_bag_id", "id"])
    op.create_index("ix_scan_events_user_id_id", "scan_events", ["user_id", "id"])


def downgrade() -> None:
    op.drop_table("scan_events")
    op.drop_table("bags")
    op.drop_table("bills")
    op.drop_table("users")
    op.drop_table("devices")
