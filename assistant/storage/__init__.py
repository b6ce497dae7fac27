"""Storage: conversations, turns, device-call audit, devices and timers (SQLite or PostgreSQL)."""

from assistant.storage.migrate import migrate
from assistant.storage.records import (
    ConversationRecord,
    DeviceCallRecord,
    DeviceRecord,
    NewTurn,
    SavedTurn,
    TimerRecord,
    TimerState,
    TurnRecord,
)
from assistant.storage.store import Storage

__all__ = [
    "ConversationRecord",
    "DeviceCallRecord",
    "DeviceRecord",
    "NewTurn",
    "SavedTurn",
    "Storage",
    "TimerRecord",
    "TimerState",
    "TurnRecord",
    "migrate",
]
