"""Storage: conversations, turns, the device-call audit and timers (SQLite or PostgreSQL)."""

from assistant.storage.migrate import migrate
from assistant.storage.records import (
    ConversationRecord,
    DeviceCallRecord,
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
    "NewTurn",
    "SavedTurn",
    "Storage",
    "TimerRecord",
    "TimerState",
    "TurnRecord",
    "migrate",
]
