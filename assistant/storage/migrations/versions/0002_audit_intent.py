"""audit intent first: device_calls gets status/attempts/finished_at; one row per attempt

A device call is written as ``pending`` before the device is called and updated with its
outcome afterwards; ``device_call_attempts`` holds one row per HTTP attempt of that call.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here, not imported from models.py: a migration must not change when models do.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("device_calls") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False,
                                   server_default="succeeded"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("finished_at", TIME, nullable=True))
        batch.create_check_constraint(
            "ck_device_calls_status", "status IN ('pending', 'succeeded', 'failed')")
        batch.create_index("ix_device_calls_status", ["status"])
    op.execute("UPDATE device_calls SET status = 'failed' WHERE NOT success")

    op.create_table(
        "device_call_attempts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("call_id", BIG_ID, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["device_calls.id"],
            name="fk_device_call_attempts_call_id_device_calls", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_device_call_attempts"),
        sa.UniqueConstraint("call_id", "attempt", name="uq_device_call_attempts_call_id_attempt"),
    )


def downgrade() -> None:
    op.drop_table("device_call_attempts")
    with op.batch_alter_table("device_calls") as batch:
        batch.drop_index("ix_device_calls_status")
        batch.drop_constraint("ck_device_calls_status", type_="check")
        batch.drop_column("finished_at")
        batch.drop_column("attempts")
        batch.drop_column("status")
