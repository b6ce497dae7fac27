"""The audit trail an operator reads with ``assistant audit``.

Device calls are in the database (``storage.list_device_calls``: who asked, what, the
outcome, every attempt). Admin actions (``assistant keys create`` / ``revoke``) are appended,
one JSON object a line, to ``admin_audit.jsonl`` next to the keys file (mode 0600): they
are made where the keys file is, with or without a database.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.server.errors import AdminInputError
from assistant.storage import DeviceCallRecord, Storage

ADMIN_LOG = "admin_audit.jsonl"
_AGO = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class AdminAction:
    at: datetime
    actor: str  # "cli:<os user>"
    action: str  # "keys.create", "keys.revoke"
    target: str  # the key id
    details: dict[str, Any]


def admin_log_path(settings: Settings) -> Path:
    return settings.resolved_keys_file.parent / ADMIN_LOG


def record_admin_action(settings: Settings, action: str, target: str,
                        **details: Any) -> AdminAction:
    """Append one admin action (flushed and synced before it returns)."""
    entry = AdminAction(datetime.now(UTC), f"cli:{_user()}", action, target, details)
    path = admin_log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(json.dumps({**asdict(entry), "at": entry.at.isoformat()}) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return entry


def admin_actions(settings: Settings, *, since: datetime | None = None,
                  limit: int = 100) -> list[AdminAction]:
    """Newest first; lines that are not an action (a torn last line) are skipped."""
    path = admin_log_path(settings)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    found: list[AdminAction] = []
    for line in reversed(lines):
        try:
            raw = json.loads(line)
            entry = AdminAction(datetime.fromisoformat(raw["at"]), str(raw["actor"]),
                                str(raw["action"]), str(raw["target"]), dict(raw["details"]))
        except (ValueError, KeyError, TypeError):
            continue
        if since is not None and entry.at < since:
            continue
        found.append(entry)
        if len(found) >= limit:
            break
    return found


async def device_calls(settings: Settings, *, device_id: str | None = None,
                       since: datetime | None = None, limit: int = 100
                       ) -> list[DeviceCallRecord]:
    """The device-call audit rows, newest first (E400/E401 when the database is not
    there or not migrated)."""
    storage = await Storage.open(settings.resolved_database_url,
                                 schema=settings.database_schema)
    try:
        return await storage.list_device_calls(device_id=device_id, since=since, limit=limit)
    finally:
        await storage.close()


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``10m``, ``2h``, ``1d`` ago, or an ISO date/time (UTC unless it says). E726."""
    now = now or datetime.now(UTC)
    found = _AGO.match(text.strip().lower())
    if found:
        return now - timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise AdminInputError(f"--since {text!r} is not a time",
                           hint="give 30m, 12h, 7d or an ISO time like 2026-12-04T18:00"
                           ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
