"""The device-call audit log: every call the assistant made, who asked, and what came back."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from assistant.storage._base import StoreBase, as_utc, check_text
from assistant.storage.models import DeviceCall
from assistant.storage.records import DeviceCallRecord


class AuditStore(StoreBase):
    async def record_device_call(
        self,
        *,
        device_id: str,
        action: str,
        params: Mapping[str, Any],
        requested_by: str,
        success: bool,
        started_at: datetime | None = None,
        latency_ms: float | None = None,
        status_code: int | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        response: Any = None,
        conversation_id: str | None = None,
        turn_id: int | None = None,
    ) -> DeviceCallRecord:
        """Append one call to the audit log (committed on return).

        ``requested_by`` is the API key name or the sender; ``started_at`` defaults to now.
        Never pass the device token in ``params`` or ``response``: the log is not secret.
        """
        row = DeviceCall(**self._audit_values(
            device_id=device_id, action=action, params=params, requested_by=requested_by,
            success=success, started_at=started_at, latency_ms=latency_ms,
            status_code=status_code, error_code=error_code, error_message=error_message,
            response=response, conversation_id=conversation_id, turn_id=turn_id))
        async with self._transaction(write=True) as session:
            session.add(row)
            await session.flush()
            return _device_call(row)

    async def record_device_calls(self, calls: Sequence[Mapping[str, Any]]) -> int:
        """Append several calls (each the keyword arguments of ``record_device_call``) in one
        transaction: all are committed on return, or none. Returns how many."""
        rows = [self._audit_values(**call) for call in calls]
        if not rows:
            return 0
        await self._write(_insert_calls, rows)
        return len(rows)

    def _audit_values(
        self, *, device_id: str, action: str, params: Mapping[str, Any], requested_by: str,
        success: bool, started_at: datetime | None = None, latency_ms: float | None = None,
        status_code: int | None = None, error_code: str | None = None,
        error_message: str | None = None, response: Any = None,
        conversation_id: str | None = None, turn_id: int | None = None,
    ) -> dict[str, Any]:
        check_text("device_id", device_id, 128)
        check_text("action", action, 64)
        check_text("requested_by", requested_by, 128)
        if error_code is not None:
            check_text("error_code", error_code, 32)
        return {
            "conversation_id": conversation_id, "turn_id": turn_id, "device_id": device_id,
            "action": action, "params": dict(params), "requested_by": requested_by,
            "started_at": (self._now() if started_at is None
                           else as_utc("started_at", started_at)),
            "latency_ms": latency_ms, "success": success, "status_code": status_code,
            "error_code": error_code, "error_message": error_message, "response": response,
        }

    async def list_device_calls(
        self,
        *,
        device_id: str | None = None,
        conversation_id: str | None = None,
        success: bool | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[DeviceCallRecord]:
        """Newest first, filtered by whichever arguments are given."""
        query = select(DeviceCall).order_by(DeviceCall.started_at.desc(), DeviceCall.id.desc())
        if device_id is not None:
            query = query.where(DeviceCall.device_id == device_id)
        if conversation_id is not None:
            query = query.where(DeviceCall.conversation_id == conversation_id)
        if success is not None:
            query = query.where(DeviceCall.success == success)
        if since is not None:
            query = query.where(DeviceCall.started_at >= as_utc("since", since))
        async with self._transaction() as session:
            rows = await session.scalars(query.limit(limit))
            return [_device_call(row) for row in rows]


def _insert_calls(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(DeviceCall.__table__), rows)  # Core: this runs on every message


def _device_call(row: DeviceCall) -> DeviceCallRecord:
    return DeviceCallRecord(
        id=row.id,
        conversation_id=row.conversation_id,
        turn_id=row.turn_id,
        device_id=row.device_id,
        action=row.action,
        params=copy.deepcopy(row.params),
        requested_by=row.requested_by,
        started_at=row.started_at,
        latency_ms=row.latency_ms,
        success=row.success,
        status_code=row.status_code,
        error_code=row.error_code,
        error_message=row.error_message,
        response=copy.deepcopy(row.response),
    )
