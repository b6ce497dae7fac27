"""The ORM tables. Public methods never return these objects; see ``records``.

A change here needs a new migration in ``migrations/versions`` (the test
``test_models_match_migrations`` fails until both agree).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere; JSONB on PostgreSQL (indexable, compact).
Json = JSON().with_variant(JSONB(), "postgresql")
#: 64-bit ids on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite (which has no time zones) stores naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} (give a timezone-aware value)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: Json, list[Any]: Json}  # noqa: RUF012 - SQLAlchemy reads it from the class


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(128))
    # who started it (an API key's principal, "local"); only they may continue or read it
    owner: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(128))
    slots: Mapped[dict[str, Any]]
    context: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    turn_count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "channel", "sender"),)


class Turn(Base):
    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    turn_index: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    nlu: Mapped[dict[str, Any]]
    state_before: Mapped[str] = mapped_column(String(128))
    state_after: Mapped[str] = mapped_column(String(128))
    slots_before: Mapped[dict[str, Any]]
    slots_after: Mapped[dict[str, Any]]
    replies: Mapped[list[Any]]
    actions: Mapped[list[Any]]
    request_id: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("conversation_id", "turn_index"),)


class DeviceCall(Base):
    __tablename__ = "device_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    device_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]]
    requested_by: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(index=True)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    success: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    response: Mapped[Any] = mapped_column(Json, nullable=True)  # any JSON value the device sent
    # "pending" (written before the device is called), then "succeeded" or "failed"
    status: Mapped[str] = mapped_column(String(16), index=True, server_default="succeeded")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        Index(None, "device_id", "started_at"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
    )


class DeviceCallAttempt(Base):
    """One HTTP attempt of a device call (a retried call has several)."""

    __tablename__ = "device_call_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(BigId, ForeignKey("device_calls.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)  # 1, 2, ...
    started_at: Mapped[datetime]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("call_id", "attempt"),)


class Timer(Base):
    __tablename__ = "timers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(128))
    duration_s: Mapped[float] = mapped_column(Float)
    fires_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index(None, "state", "fires_at"),
        CheckConstraint("state IN ('running', 'fired', 'cancelled')", name="state"),
    )
