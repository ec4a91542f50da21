"""Revocable sessions and devices managed by the deployment's secret.

``users.session_version`` is signed into every session cookie; raising it ends all of the user's
sessions. ``devices.managed`` marks the devices whose keys come from the scanner-keys secret (the
``bootstrap`` command keeps them in step with it); existing devices were registered by hand.

Both columns are added with a server default, so existing rows are valid at once: every open session
counts as version 0, every existing device as registered by hand. Plain ALTER TABLE statements (not
batch mode), which SQLite 3.35+ and PostgreSQL run in place without copying the tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
    op.add_column("devices", sa.Column("managed", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("devices", "managed")
    op.drop_column("users", "session_version")
