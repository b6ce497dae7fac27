"""drop what nothing reads: the devices table and device_calls.turn_id

``devices`` mirrored devices.yaml at every start and was never read: the registry file,
loaded and checked at start-up, is the one source of devices (and their connection keys now
depend on the device's adapter). ``device_calls.turn_id`` was never set: a call's intent is
written before its turn is stored, and the turn row already lists its calls (``actions``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here, not imported from models.py: a migration must not change when models do.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_table("devices")
    with op.batch_alter_table("device_calls") as batch:
        batch.drop_constraint("fk_device_calls_turn_id_turns", type_="foreignkey")
        batch.drop_column("turn_id")


def downgrade() -> None:
    with op.batch_alter_table("device_calls") as batch:
        batch.add_column(sa.Column("turn_id", BIG_ID, nullable=True))
        batch.create_foreign_key("fk_device_calls_turn_id_turns", "turns", ["turn_id"], ["id"],
                                 ondelete="SET NULL")
    op.create_table(
        "devices",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("room", sa.String(128), nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("aliases", JSON, nullable=False),
        sa.Column("capabilities", JSON, nullable=False),
        sa.Column("endpoint", sa.String(512), nullable=True),
        sa.Column("token_env", sa.String(128), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
    )
