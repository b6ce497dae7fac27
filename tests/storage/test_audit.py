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
    await storage.save_turn(conv.id, NewTurn(text="lamp on"), new_state="s", new_slots={})
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
        (ok.params, ok.response, ok.conversation_id, ok.started_at),
        (
            {"brightness": 30},
            {"state": "on", "名": "灯"},
            conv.id,
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
    await storage.save_turn(conv.id, NewTurn(text="x"), new_state="s", new_slots={})
    await storage.record_device_call(
        device_id="fan", action="off", params={}, requested_by="ann", success=True,
        conversation_id=conv.id,
    )
    await storage.delete_conversation(conv.id)
    [call] = await storage.list_device_calls(device_id="fan")
    expect(call.conversation_id, None, "link after deleting")


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


@pytest.mark.asyncio
async def test_intent_is_pending_until_its_outcome_is_written(storage: Storage,
                                                              clock: FakeClock) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    ids = await storage.begin_device_calls([
        {"device_id": "lamp", "action": "turn_on", "params": {"brightness": 30},
         "requested_by": "ann", "conversation_id": conv.id},
        {"device_id": "fan", "action": "turn_on", "params": {}, "requested_by": "ann"},
    ])
    expect(len(ids), 2, "ids returned")
    pending = await storage.list_device_calls(status="pending")
    expect(sorted(c.id for c in pending), sorted(ids), "both pending before the call")
    expect({(c.device_id, c.attempts, c.finished_at) for c in pending},
           {("lamp", 0, None), ("fan", 0, None)}, "pending rows")
    clock.advance(1)
    changed = await storage.finish_device_calls([
        {"id": ids[0], "success": True, "latency_ms": 12.5, "status_code": 200,
         "response": {"state": {"on": True}},
         "attempt_log": [{"attempt": 1, "started_at": clock.now, "latency_ms": 12.0,
                          "status_code": 200}]},
        {"id": ids[1], "success": False, "error_code": "E501", "error_message": "timed out",
         "attempt_log": [{"attempt": n, "started_at": clock.now, "error_code": "E501"}
                         for n in (1, 2, 3)]},
    ])
    expect(changed, 2, "rows finished")
    expect(await storage.list_device_calls(status="pending"), [], "nothing pending after")
    lamp = await storage.list_device_calls(device_id="lamp")
    fan = await storage.list_device_calls(device_id="fan")
    expect((lamp[0].status, lamp[0].success, lamp[0].attempts, lamp[0].finished_at,
            lamp[0].conversation_id, lamp[0].response),
           ("succeeded", True, 1, clock.now, conv.id, {"state": {"on": True}}), "lamp row")
    expect((fan[0].status, fan[0].error_code, fan[0].attempts), ("failed", "E501", 3), "fan")
    attempts = await storage.list_device_call_attempts(ids[1])
    expect([(a.attempt, a.error_code) for a in attempts], [(1, "E501"), (2, "E501"),
                                                           (3, "E501")], "fan's attempts")


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("params", [
    {"level": float("nan")}, {"level": float("inf")}, {"name": "a\ud800b"},
    {"name": "lamp\u0000"}, {"deep": _nested(200)}, {"obj": object()},
], ids=["nan", "inf", "surrogate", "nul", "deep", "object"])
@pytest.mark.asyncio
async def test_an_intent_that_cannot_be_stored_is_refused_before_any_row(
        storage: Storage, params: dict[str, object]) -> None:
    """The same coded error on both backends, and nothing written: the caller must not act."""
    with pytest.raises(InvalidRecordError) as info:
        await storage.begin_device_calls([
            {"device_id": "lamp", "action": "turn_on", "params": {}, "requested_by": "ann"},
            {"device_id": "fan", "action": "set_speed", "params": params, "requested_by": "ann"},
        ])
    expect(info.value.code, "E407", "error code")
    expect(await storage.list_device_calls(), [], "rows after a refused intent")


@pytest.mark.asyncio
async def test_an_unstorable_device_answer_is_refused_and_the_row_stays_pending(
        storage: Storage) -> None:
    [call_id] = await storage.begin_device_calls(
        [{"device_id": "lamp", "action": "turn_on", "params": {}, "requested_by": "ann"}])
    with pytest.raises(InvalidRecordError):
        await storage.finish_device_calls([{"id": call_id, "success": True,
                                            "response": {"x": "\u0000"}}])
    [row] = await storage.list_device_calls()
    expect(row.status, "pending", "status after a refused outcome")
