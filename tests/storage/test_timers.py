"""Timers that survive restarts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.storage import Storage, TimerState
from assistant.storage.errors import InvalidRecordError, TimerNotFoundError
from tests.storage._support import Database, FakeClock, expect


@pytest.mark.asyncio
async def test_due_timers_are_the_running_ones_whose_time_came(
    storage: Storage, clock: FakeClock
) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    tea = await storage.add_timer(
        name="tea", duration_s=180, conversation_id=conv.id, payload={"say": "Tea is ready ☕"}
    )
    egg = await storage.add_timer(name="egg", duration_s=420)
    oven = await storage.add_timer(name="oven", duration_s=60)
    expect(tea.fires_at, clock.now + timedelta(seconds=180), "fires_at")
    expect(await storage.due_timers(clock.now), [], "due right away")
    later = clock.now + timedelta(seconds=200)
    due = await storage.due_timers(later)
    expect([t.name for t in due], ["oven", "tea"], "due, earliest first")
    expect(await storage.set_timer_state(oven.id, TimerState.CANCELLED), True, "cancel")
    expect(await storage.set_timer_state(tea.id, "fired"), True, "fire")
    expect(await storage.set_timer_state(tea.id, "fired"), False, "fire twice")
    expect(await storage.set_timer_state(oven.id, "fired"), False, "fire a cancelled timer")
    expect(await storage.due_timers(later), [], "due after firing")
    expect([t.id for t in await storage.list_timers(state="running")], [egg.id], "running")
    [stored_tea] = await storage.list_timers(conversation_id=conv.id)
    expect(
        (stored_tea.state, stored_tea.payload),
        (TimerState.FIRED, {"say": "Tea is ready ☕"}),
        "tea after firing",
    )
    expect(len(await storage.list_timers()), 3, "all timers")


@pytest.mark.asyncio
async def test_timers_survive_a_restart(
    storage: Storage, database: Database, clock: FakeClock
) -> None:
    timer = await storage.add_timer(name="pasta", duration_s=600)
    await storage.close()
    reopened = await database.open(clock=clock)
    try:
        expect(await reopened.get_timer(timer.id), timer, "timer after restart")
        due = await reopened.due_timers(clock.advance(601))
        expect([t.id for t in due], [timer.id], "due after restart")
    finally:
        await reopened.close()


@pytest.mark.asyncio
async def test_timer_errors(storage: Storage) -> None:
    with pytest.raises(TimerNotFoundError) as info:
        await storage.set_timer_state("nope", "cancelled")
    expect((info.value.code, info.value.status), ("E405", 404), "unknown timer")
    timer = await storage.add_timer(name="t", duration_s=1)
    for state in ("running", "paused"):
        with pytest.raises(InvalidRecordError):
            await storage.set_timer_state(timer.id, state)
    with pytest.raises(InvalidRecordError):
        await storage.add_timer(name="t", duration_s=-1)
