"""The device-call audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.storage import NewTurn, Storage
from assistant.storage.errors import InvalidRecordError
from tests.storage._support import FakeClock, expect


@pytest.mark.asyncio
async def test_device_calls_are_recorded_and_filtered(storage: Storage, clock: FakeClock) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    saved = await storage.save_turn(conv.id, NewTurn(text="lamp on"), new_state="s", new_slots={})
    ok = await storage.record_device_call(
        device_id="lamp.living",
        action="turn_on",
        params={"brightness": 30},
        requested_by="ann",
        success=True,
        latency_ms=41.0,
        status_code=200,
        response={"state": "on", "名": "灯"},
        conversation_id=conv.id,
        turn_id=saved.turn.id,
    )
    clock.advance(60)
    failed = await storage.record_device_call(
        device_id="lock.front",
        action="unlock",
        params={},
        requested_by="api-key:kitchen-tablet",
        success=False,
        status_code=503,
        error_code="E503",
        error_message="device timed out after 2.0 s",
    )
    expect(
        (ok.params, ok.response, ok.turn_id, ok.started_at),
        (
            {"brightness": 30},
            {"state": "on", "名": "灯"},
            saved.turn.id,
            clock.now - timedelta(seconds=60),
        ),
        "first call",
    )
    expect([c.id for c in await storage.list_device_calls()], [failed.id, ok.id], "newest first")
    expect(await storage.list_device_calls(device_id="lamp.living"), [ok], "by device")
    expect(await storage.list_device_calls(success=False), [failed], "failures only")
    expect(await storage.list_device_calls(conversation_id=conv.id), [ok], "by conversation")
    expect(await storage.list_device_calls(since=clock.now), [failed], "since")
    expect(len(await storage.list_device_calls(limit=1)), 1, "limit")


@pytest.mark.asyncio
async def test_audit_rows_outlive_their_conversation(storage: Storage) -> None:
    """Foreign keys are on (SQLite too): deleting a conversation nulls the audit link."""
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    saved = await storage.save_turn(conv.id, NewTurn(text="x"), new_state="s", new_slots={})
    await storage.record_device_call(
        device_id="fan", action="off", params={}, requested_by="ann", success=True,
        conversation_id=conv.id, turn_id=saved.turn.id,
    )
    await storage.delete_conversation(conv.id)
    [call] = await storage.list_device_calls(device_id="fan")
    expect((call.conversation_id, call.turn_id), (None, None), "links after deleting")


@pytest.mark.asyncio
async def test_naive_datetime_is_refused(storage: Storage) -> None:
    with pytest.raises(InvalidRecordError) as info:
        await storage.record_device_call(
            device_id="fan", action="off", params={}, requested_by="ann", success=True,
            started_at=datetime(2025, 1, 1, 12, 0),
        )
    expect(info.value.code, "E407", "error code")
    got = await storage.record_device_call(
        device_id="fan", action="off", params={}, requested_by="ann", success=True,
        started_at=datetime(2025, 1, 1, 13, 0, tzinfo=UTC).astimezone(),
    )
    expect(got.started_at, datetime(2025, 1, 1, 13, 0, tzinfo=UTC), "time stored as UTC")
