"""initial schema: conversations, turns, device_calls, devices, timers

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here, not imported from models.py: a migration must not change when models do.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender", sa.String(128), nullable=False),
        sa.Column("state", sa.String(128), nullable=False),
        sa.Column("slots", JSON, nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])
    op.create_index("ix_conversations_channel_sender", "conversations", ["channel", "sender"])

    op.create_table(
        "turns",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("nlu", JSON, nullable=False),
        sa.Column("state_before", sa.String(128), nullable=False),
        sa.Column("state_after", sa.String(128), nullable=False),
        sa.Column("slots_before", JSON, nullable=False),
        sa.Column("slots_after", JSON, nullable=False),
        sa.Column("replies", JSON, nullable=False),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_turns_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
        sa.UniqueConstraint(
            "conversation_id", "turn_index", name="uq_turns_conversation_id_turn_index"
        ),
    )

    op.create_table(
        "device_calls",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("turn_id", BIG_ID, nullable=True),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("response", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_device_calls_conversation_id_conversations",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["turn_id"], ["turns.id"], name="fk_device_calls_turn_id_turns", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_device_calls"),
    )
    op.create_index("ix_device_calls_conversation_id", "device_calls", ["conversation_id"])
    op.create_index("ix_device_calls_started_at", "device_calls", ["started_at"])
    op.create_index(
        "ix_device_calls_device_id_started_at", "device_calls", ["device_id", "started_at"]
    )

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

    op.create_table(
        "timers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("fires_at", TIME, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.CheckConstraint(
            "state IN ('running', 'fired', 'cancelled')", name="ck_timers_state"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_timers_conversation_id_conversations",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_timers"),
    )
    op.create_index("ix_timers_conversation_id", "timers", ["conversation_id"])
    op.create_index("ix_timers_state_fires_at", "timers", ["state", "fires_at"])


def downgrade() -> None:
    op.drop_table("timers")
    op.drop_table("devices")
    op.drop_table("device_calls")
    op.drop_table("turns")
    op.drop_table("conversations")
