"""Timers that survive a restart: the scheduler asks for the due ones after start-up."""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from assistant.storage._base import StoreBase, as_utc, check_text
from assistant.storage.errors import InvalidRecordError, TimerNotFoundError
from assistant.storage.models import Timer
from assistant.storage.records import TimerRecord, TimerState


class TimerStore(StoreBase):
    async def add_timer(
        self,
        *,
        name: str,
        duration_s: float,
        conversation_id: str | None = None,
        payload: Mapping[str, Any] | None = None,
        timer_id: str | None = None,
    ) -> TimerRecord:
        """A running timer that fires ``duration_s`` seconds from now.

        ``payload`` is what the scheduler needs when it fires (the reply, an action).
        """
        check_text("timer name", name, 128)
        tid = uuid.uuid4().hex if timer_id is None else check_text("timer id", timer_id, 64)
        if not isinstance(duration_s, (int, float)) or not math.isfinite(duration_s) or (
            duration_s < 0
        ):
            raise InvalidRecordError(
                f"timer duration must be a finite number of seconds >= 0, got {duration_s!r}"
            )
        now = self._now()
        row = Timer(
            id=tid,
            conversation_id=conversation_id,
            name=name,
            duration_s=float(duration_s),
            fires_at=now + timedelta(seconds=duration_s),
            state=TimerState.RUNNING.value,
            payload=dict(payload or {}),
            created_at=now,
            updated_at=now,
        )
        async with self._transaction(write=True) as session:
            session.add(row)
            await session.flush()
            return _timer(row)

    async def get_timer(self, timer_id: str) -> TimerRecord:
        async with self._transaction() as session:
            row = await session.get(Timer, timer_id)
            if row is None:
                raise _not_found(timer_id)
            return _timer(row)

    async def due_timers(self, now: datetime | None = None) -> list[TimerRecord]:
        """Running timers whose time has come (``fires_at <= now``), earliest first."""
        at = self._now() if now is None else as_utc("now", now)
        query = (
            select(Timer)
            .where(Timer.state == TimerState.RUNNING.value, Timer.fires_at <= at)
            .order_by(Timer.fires_at, Timer.id)
        )
        async with self._transaction() as session:
            return [_timer(row) for row in await session.scalars(query)]

    async def set_timer_state(self, timer_id: str, state: TimerState | str) -> bool:
        """Move a running timer to ``fired`` or ``cancelled``.

        True if this call moved it; False if it had already fired or been cancelled (the
        finished states are final, so two schedulers never both fire one timer).
        Raises TimerNotFoundError (E405) when there is no such timer.
        """
        target = _state(state)
        if target is TimerState.RUNNING:
            raise InvalidRecordError(
                "a timer cannot be set back to running", hint="add a new timer instead"
            )
        async with self._transaction(write=True) as session:
            result = await session.execute(
                update(Timer)
                .where(Timer.id == timer_id, Timer.state == TimerState.RUNNING.value)
                .values(state=target.value, updated_at=self._now())
            )
            if result.rowcount:  # type: ignore[attr-defined]
                return True
            if await session.get(Timer, timer_id) is None:
                raise _not_found(timer_id)
            return False

    async def list_timers(
        self, conversation_id: str | None = None, state: TimerState | str | None = None
    ) -> list[TimerRecord]:
        """Timers by fire time, optionally of one conversation and/or in one state."""
        query = select(Timer).order_by(Timer.fires_at, Timer.id)
        if conversation_id is not None:
            query = query.where(Timer.conversation_id == conversation_id)
        if state is not None:
            query = query.where(Timer.state == _state(state).value)
        async with self._transaction() as session:
            return [_timer(row) for row in await session.scalars(query)]


def _state(value: TimerState | str) -> TimerState:
    try:
        return TimerState(value)
    except ValueError:
        known = ", ".join(s.value for s in TimerState)
        raise InvalidRecordError(f"unknown timer state {value!r}", hint=f"use one of {known}")


def _not_found(timer_id: str) -> TimerNotFoundError:
    return TimerNotFoundError(
        f"no timer {timer_id!r}", hint="list the timers to see which ids exist"
    )


def _timer(row: Timer) -> TimerRecord:
    return TimerRecord(
        id=row.id,
        conversation_id=row.conversation_id,
        name=row.name,
        duration_s=row.duration_s,
        fires_at=row.fires_at,
        state=TimerState(row.state),
        payload=copy.deepcopy(row.payload),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
