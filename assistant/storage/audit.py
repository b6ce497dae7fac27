"""The device-call audit log: every call the assistant made, who asked, and what came back.

Intent first: ``begin_device_calls`` writes one ``pending`` row per device (committed on
return) before the device is called; ``finish_device_calls`` then writes each outcome into
its row, with one ``device_call_attempts`` row per HTTP attempt. A row still ``pending``
later means the device may have acted but its outcome was not recorded (the database failed
in between). ``record_device_call(s)`` write a finished call in one step (imports, tests).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from assistant.storage._base import StoreBase, as_utc, check_json, check_text
from assistant.storage.errors import InvalidRecordError
from assistant.storage.models import DeviceCall, DeviceCallAttempt
from assistant.storage.records import DeviceCallAttemptRecord, DeviceCallRecord

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
STATUSES = (PENDING, SUCCEEDED, FAILED)
_ATTEMPT_KEYS = frozenset({"attempt", "started_at", "latency_ms", "status_code", "error_code",
                           "error_message"})


class AuditStore(StoreBase):
    async def begin_device_calls(self, calls: Sequence[Mapping[str, Any]]) -> list[int]:
        """Write the intent of each call (keys ``device_id``, ``action``, ``params``,
        ``requested_by`` and optionally ``conversation_id``, ``started_at``) as
        ``pending`` rows in one transaction; returns their ids, in order.

        Call the devices only after this returned: if it raises (E400/E408 database down,
        E407 params that cannot be stored), nothing was written and nothing may be called.
        """
        rows = [self._intent_values(**call) for call in calls]
        if not rows:
            return []
        return await self._write(_insert_returning_ids, rows)

    async def finish_device_calls(self, outcomes: Sequence[Mapping[str, Any]]) -> int:
        """Write outcomes into the rows ``begin_device_calls`` made, in one transaction.

        Each outcome: ``id``, ``success``, and optionally ``latency_ms``, ``status_code``,
        ``error_code``, ``error_message``, ``response``, ``finished_at`` and
        ``attempt_log`` (a list of mappings with ``attempt``, ``started_at``, ``latency_ms``,
        ``status_code``, ``error_code``, ``error_message``). Returns how many rows changed.
        """
        updates: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        for outcome in outcomes:
            values, log = self._outcome_values(**outcome)
            updates.append(values)
            attempts += log
        if not updates:
            return 0
        return await self._write(_finish, updates, attempts)

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
    ) -> DeviceCallRecord:
        """Append one finished call to the audit log (committed on return).

        ``requested_by`` is the API key name or the sender; ``started_at`` defaults to now.
        Never pass the device token in ``params`` or ``response``: the log is not secret.
        """
        row = DeviceCall(**self._audit_values(
            device_id=device_id, action=action, params=params, requested_by=requested_by,
            success=success, started_at=started_at, latency_ms=latency_ms,
            status_code=status_code, error_code=error_code, error_message=error_message,
            response=response, conversation_id=conversation_id))
        async with self._transaction(write=True) as session:
            session.add(row)
            await session.flush()
            return _device_call(row)

    async def record_device_calls(self, calls: Sequence[Mapping[str, Any]]) -> int:
        """Append several finished calls (each the keyword arguments of
        ``record_device_call``) in one transaction: all are committed on return, or none."""
        rows = [self._audit_values(**call) for call in calls]
        if not rows:
            return 0
        await self._write(_insert_calls, rows)
        return len(rows)

    def _intent_values(
        self, *, device_id: str, action: str, params: Mapping[str, Any], requested_by: str,
        conversation_id: str | None = None, started_at: datetime | None = None,
    ) -> dict[str, Any]:
        check_text("device_id", device_id, 128)
        check_text("action", action, 64)
        check_text("requested_by", requested_by, 128)
        if conversation_id is not None:
            check_text("conversation_id", conversation_id, 64)
        return {
            "conversation_id": conversation_id, "device_id": device_id,
            "action": action, "params": check_json("params", dict(params)),
            "requested_by": requested_by,
            "started_at": self._now() if started_at is None else as_utc("started_at", started_at),
            "latency_ms": None, "success": False, "status_code": None, "error_code": None,
            "error_message": None, "response": None, "status": PENDING, "attempts": 0,
            "finished_at": None,
        }

    def _outcome_values(
        self, *, id: int, success: bool, latency_ms: float | None = None,
        status_code: int | None = None, error_code: str | None = None,
        error_message: str | None = None, response: Any = None,
        finished_at: datetime | None = None, attempt_log: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if error_code is not None:
            check_text("error_code", error_code, 32)
        log = [self._attempt_values(id, a) for a in attempt_log]
        values = {
            "b_id": id, "success": success, "status": SUCCEEDED if success else FAILED,
            "latency_ms": latency_ms, "status_code": status_code, "error_code": error_code,
            "error_message": _text("error_message", error_message),
            "response": check_json("response", response), "attempts": len(log),
            "finished_at": self._now() if finished_at is None
            else as_utc("finished_at", finished_at),
        }
        return values, log

    def _attempt_values(self, call_id: int, attempt: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(attempt) - _ATTEMPT_KEYS
        if unknown:
            raise InvalidRecordError(f"unknown attempt keys: {', '.join(sorted(unknown))}",
                                     hint=f"use {', '.join(sorted(_ATTEMPT_KEYS))}")
        code = attempt.get("error_code")
        if code is not None:
            check_text("error_code", code, 32)
        return {"call_id": call_id, "attempt": int(attempt["attempt"]),
                "started_at": as_utc("started_at", attempt["started_at"]),
                "latency_ms": attempt.get("latency_ms"), "status_code": attempt.get("status_code"),
                "error_code": code,
                "error_message": _text("error_message", attempt.get("error_message"))}

    def _audit_values(
        self, *, device_id: str, action: str, params: Mapping[str, Any], requested_by: str,
        success: bool, started_at: datetime | None = None, latency_ms: float | None = None,
        status_code: int | None = None, error_code: str | None = None,
        error_message: str | None = None, response: Any = None,
        conversation_id: str | None = None,
    ) -> dict[str, Any]:
        values = self._intent_values(
            device_id=device_id, action=action, params=params, requested_by=requested_by,
            conversation_id=conversation_id, started_at=started_at)
        if error_code is not None:
            check_text("error_code", error_code, 32)
        values.update(
            latency_ms=latency_ms, success=success, status_code=status_code,
            error_code=error_code, error_message=_text("error_message", error_message),
            response=check_json("response", response), status=SUCCEEDED if success else FAILED,
            attempts=1, finished_at=values["started_at"])
        return values

    async def list_device_calls(
        self,
        *,
        device_id: str | None = None,
        conversation_id: str | None = None,
        success: bool | None = None,
        status: str | None = None,
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
        if status is not None:
            if status not in STATUSES:
                raise InvalidRecordError(f"unknown call status {status!r}",
                                         hint=f"use one of {', '.join(STATUSES)}")
            query = query.where(DeviceCall.status == status)
        if since is not None:
            query = query.where(DeviceCall.started_at >= as_utc("since", since))
        async with self._transaction() as session:
            rows = await session.scalars(query.limit(limit))
            return [_device_call(row) for row in rows]

    async def list_device_call_attempts(self, call_id: int) -> list[DeviceCallAttemptRecord]:
        """The HTTP attempts of one call, first first."""
        query = (select(DeviceCallAttempt).where(DeviceCallAttempt.call_id == call_id)
                 .order_by(DeviceCallAttempt.attempt))
        async with self._transaction() as session:
            return [DeviceCallAttemptRecord(
                call_id=r.call_id, attempt=r.attempt, started_at=r.started_at,
                latency_ms=r.latency_ms, status_code=r.status_code, error_code=r.error_code,
                error_message=r.error_message) for r in await session.scalars(query)]


def _text(field: str, value: str | None) -> str | None:
    return None if value is None else check_json(field, value)


def _insert_calls(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(DeviceCall.__table__), rows)  # Core: this runs on every message


def _insert_returning_ids(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    table = DeviceCall.__table__
    if len(rows) == 1:
        return [int(conn.execute(insert(table).returning(table.c.id), rows[0]).scalar_one())]
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                          rows)
    return [int(i) for i in result.scalars()]


def _finish(conn: Connection, updates: list[dict[str, Any]],
            attempts: list[dict[str, Any]]) -> int:
    table = DeviceCall.__table__
    columns = [c for c in updates[0] if c != "b_id"]  # a bind named like its column is refused
    statement = (update(table).where(table.c.id == bindparam("b_id"))
                 .values({c: bindparam(f"v_{c}") for c in columns}))
    rows = [{"b_id": u["b_id"], **{f"v_{c}": u[c] for c in columns}} for u in updates]
    # one statement per row: an executemany's rowcount is -1 on asyncpg
    changed = sum(conn.execute(statement, row).rowcount for row in rows)
    if attempts:
        conn.execute(insert(DeviceCallAttempt.__table__), attempts)
    return int(changed)


def _device_call(row: DeviceCall) -> DeviceCallRecord:
    return DeviceCallRecord(
        id=row.id,
        conversation_id=row.conversation_id,
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
        status=row.status,
        attempts=row.attempts,
        finished_at=row.finished_at,
    )
