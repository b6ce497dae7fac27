"""Frozen values that the storage methods take and return (never ORM objects).

JSON fields come back as plain ``dict``/``list`` values freshly decoded for each call; top-level
JSON lists (replies, actions, aliases) come back as tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    channel: str
    sender: str
    state: str
    slots: dict[str, Any]
    context: dict[str, Any]
    version: int  # +1 on every write; pass it back as ``expected_version``
    turn_count: int
    created_at: datetime
    updated_at: datetime
    owner: str | None = None  # who started it; None for conversations from before 0003


@dataclass(frozen=True)
class NewTurn:
    """What the server knows about one processed message; ``save_turn`` adds the rest."""

    text: str
    nlu: dict[str, Any] = field(default_factory=dict)
    replies: tuple[Any, ...] | list[Any] = ()
    actions: tuple[Any, ...] | list[Any] = ()
    request_id: str | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class TurnRecord:
    id: int
    conversation_id: str
    index: int  # 0, 1, 2, ... within the conversation, no gaps
    created_at: datetime
    text: str
    nlu: dict[str, Any]
    state_before: str
    state_after: str
    slots_before: dict[str, Any]
    slots_after: dict[str, Any]
    replies: tuple[Any, ...]
    actions: tuple[Any, ...]
    request_id: str | None
    latency_ms: float | None


@dataclass(frozen=True)
class SavedTurn:
    """The stored turn and the conversation as it is after that turn."""

    conversation: ConversationRecord
    turn: TurnRecord


@dataclass(frozen=True)
class DeviceCallRecord:
    id: int
    conversation_id: str | None
    device_id: str
    action: str
    params: dict[str, Any]
    requested_by: str
    started_at: datetime
    latency_ms: float | None
    success: bool
    status_code: int | None
    error_code: str | None
    error_message: str | None
    response: Any
    status: str = "succeeded"  # "pending" until the outcome is written, then "succeeded"/"failed"
    attempts: int = 0  # HTTP attempts made (0: not called, e.g. circuit open)
    finished_at: datetime | None = None


@dataclass(frozen=True)
class DeviceCallAttemptRecord:
    call_id: int
    attempt: int  # 1, 2, ...
    started_at: datetime
    latency_ms: float | None
    status_code: int | None
    error_code: str | None
    error_message: str | None


class TimerState(StrEnum):
    RUNNING = "running"
    FIRED = "fired"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class TimerRecord:
    id: str
    conversation_id: str | None
    name: str
    duration_s: float
    fires_at: datetime
    state: TimerState
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime
