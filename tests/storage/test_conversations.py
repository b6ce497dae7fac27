"""Conversations and turns: round trips, atomic turns, restarts and one message at a time."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from sqlalchemy import event

from assistant.storage import NewTurn, Storage
from assistant.storage.errors import (
    ConversationConflictError,
    ConversationNotFoundError,
    InvalidRecordError,
)
from tests.storage._support import Database, FakeClock, expect

NESTED: dict[str, Any] = {
    "device": {"id": "lamp.living", "names": ["客厅的灯", "Wohnzimmerlampe", "مصباح"]},
    "brightness": 30,
    "ratio": 0.25,
    "confirm": True,
    "missing": None,
    "emoji": "💡🔒",
    "deep": [[1, [2, [3, {"k": "v"}]]], {}],
    "big": 2**53,
}


@pytest.mark.asyncio
async def test_new_conversation_gets_an_id_and_can_be_read_back(storage: Storage) -> None:
    created = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    expect(len(created.id), 32, "length of a generated id")
    expect(
        (created.state, created.slots, created.context, created.version, created.turn_count),
        ("start", {}, {}, 0, 0),
        "a new conversation",
    )
    expect(await storage.get_conversation(created.id), created, "get_conversation")
    again = await storage.get_or_create_conversation(created.id, channel="ws", sender="bob")
    expect(again, created, "get_or_create of an existing id (unchanged)")


@pytest.mark.asyncio
async def test_get_or_create_with_a_given_id_is_race_free(storage: Storage) -> None:
    got = await asyncio.gather(
        *(
            storage.get_or_create_conversation("widget-7", channel="ws", sender="ann")
            for _ in range(4)
        )
    )
    expect({c.id for c in got}, {"widget-7"}, "ids")
    expect({c.created_at for c in got}, {got[0].created_at}, "one row, one created_at")


@pytest.mark.asyncio
async def test_unknown_conversation_is_E404(storage: Storage) -> None:
    with pytest.raises(ConversationNotFoundError) as info:
        await storage.get_conversation("nope")
    expect((info.value.code, info.value.status), ("E404", 404), "code and status")
    with pytest.raises(ConversationNotFoundError):
        await storage.list_turns("nope")
    with pytest.raises(ConversationNotFoundError):
        await storage.save_turn("nope", NewTurn(text="hi"), new_state="s", new_slots={})


@pytest.mark.asyncio
async def test_overlong_id_is_refused(storage: Storage) -> None:
    with pytest.raises(InvalidRecordError) as info:
        await storage.get_or_create_conversation("x" * 65, channel="rest", sender="ann")
    expect(info.value.code, "E407", "error code")


@pytest.mark.asyncio
async def test_save_turn_records_before_and_after(storage: Storage, clock: FakeClock) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    clock.advance(5)
    first = await storage.save_turn(
        conv.id,
        NewTurn(
            text="dim the lamp",
            nlu={"intent": {"name": "dim", "confidence": 0.97}},
            replies=["Which lamp?"],
            actions=[],
            request_id="req-1",
            latency_ms=12.5,
        ),
        new_state="ask_device",
        new_slots={"brightness": 30},
        new_context={"last_device": None},
        expected_version=conv.version,
    )
    expect(
        (first.turn.index, first.turn.state_before, first.turn.state_after),
        (0, "start", "ask_device"),
        "first turn",
    )
    expect((first.turn.slots_before, first.turn.slots_after), ({}, {"brightness": 30}), "slots")
    expect((first.turn.replies, first.turn.request_id), (("Which lamp?",), "req-1"), "reply")
    expect(first.turn.created_at, clock.now, "turn time")
    expect(
        (first.conversation.version, first.conversation.turn_count, first.conversation.updated_at),
        (1, 1, clock.now),
        "conversation after the first turn",
    )
    second = await storage.save_turn(
        conv.id,
        NewTurn(text="the living room one", actions=[{"device": "lamp.living", "ok": True}]),
        new_state="start",
        new_slots={},
    )
    expect(second.turn.index, 1, "second index")
    expect(second.turn.slots_before, {"brightness": 30}, "second turn's slots_before")
    expect(second.conversation.context, {"last_device": None}, "context kept when None")
    turns = await storage.list_turns(conv.id)
    expect(turns, [first.turn, second.turn], "list_turns")
    expect(await storage.list_turns(conv.id, last=1), [second.turn], "list_turns(last=1)")
    expect(await storage.get_conversation(conv.id), second.conversation, "stored conversation")


@pytest.mark.asyncio
async def test_json_round_trip_keeps_unicode_and_nesting(
    storage: Storage, database: Database
) -> None:
    conv = await storage.get_or_create_conversation("json", channel="rest", sender="😀")
    saved = await storage.save_turn(
        conv.id,
        NewTurn(text="把客厅的灯调到30%", nlu=NESTED, replies=[NESTED, "好的"]),
        new_state="s",
        new_slots=NESTED,
        new_context={"nested": NESTED},
    )
    await storage.close()
    reopened = await database.open()
    try:
        got = await reopened.get_conversation(conv.id)
        expect((got.sender, got.slots, got.context), ("😀", NESTED, {"nested": NESTED}), "JSON")
        [turn] = await reopened.list_turns(conv.id)
        expect(turn, saved.turn, "turn after reopening")
    finally:
        await reopened.close()


@pytest.mark.asyncio
async def test_a_value_that_is_not_json_is_refused_and_nothing_written(storage: Storage) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    with pytest.raises(InvalidRecordError) as info:
        # NaN fails only when the turn is inserted, after the conversation UPDATE ran
        await storage.save_turn(
            conv.id, NewTurn(text="x", nlu={"score": math.nan}), new_state="s2", new_slots={"a": 1}
        )
    expect(info.value.code, "E407", "error code")
    expect(await storage.get_conversation(conv.id), conv, "conversation after the failure")
    expect(await storage.list_turns(conv.id), [], "turns after the failure")


class SimulatedCrash(Exception):
    pass


@pytest.mark.asyncio
async def test_save_turn_is_atomic(storage: Storage) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    seen: list[str] = []

    def fail_on_turn_insert(*args: Any) -> None:
        statement: str = args[2]  # (conn, cursor, statement, params, context, executemany)
        seen.append(" ".join(statement.split()[:3]))
        if statement.startswith("INSERT INTO turns"):
            raise SimulatedCrash("disk unplugged")

    # fault injection needs the engine that writes turns: SQLite's writer, else the async one
    writer = storage._writer
    sync_engine = writer.engine if writer is not None else storage._engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", fail_on_turn_insert)
    try:
        with pytest.raises(SimulatedCrash):
            await storage.save_turn(conv.id, NewTurn(text="hi"), new_state="s2", new_slots={"a": 1})
    finally:
        event.remove(sync_engine, "before_cursor_execute", fail_on_turn_insert)
    expect(seen[-2:], ["UPDATE conversations SET", "INSERT INTO turns"], "statements run")
    expect(await storage.get_conversation(conv.id), conv, "conversation after the crash")
    expect(await storage.list_turns(conv.id), [], "turns after the crash")
    saved = await storage.save_turn(conv.id, NewTurn(text="hi"), new_state="s2", new_slots={})
    expect((saved.turn.index, saved.conversation.version), (0, 1), "next turn after the crash")


@pytest.mark.asyncio
async def test_state_and_turns_survive_a_restart(storage: Storage, database: Database) -> None:
    conv = await storage.get_or_create_conversation(None, channel="voice", sender="kitchen")
    for n in range(3):
        await storage.save_turn(
            conv.id, NewTurn(text=f"msg {n}"), new_state=f"s{n}", new_slots={"n": n}
        )
    before = await storage.get_conversation(conv.id)
    turns = await storage.list_turns(conv.id)
    await storage.close()
    reopened = await database.open()
    try:
        expect(await reopened.get_conversation(conv.id), before, "conversation after restart")
        expect(await reopened.list_turns(conv.id), turns, "turns after restart")
        expect((before.state, before.slots, before.version), ("s2", {"n": 2}, 3), "state")
    finally:
        await reopened.close()


async def _handle(storage: Storage, conversation_id: str, text: str) -> None:
    """What the server does per message: lock, read, think, save."""
    async with storage.conversation_lock(conversation_id):
        conv = await storage.get_conversation(conversation_id)
        await asyncio.sleep(0.02)  # NLU + dialogue; the other message must wait
        count = conv.slots.get("count", 0) + 1
        await storage.save_turn(
            conversation_id,
            NewTurn(text=text),
            new_state=f"after-{count}",
            new_slots={"count": count},
            expected_version=conv.version,
        )


@pytest.mark.asyncio
async def test_two_messages_to_one_conversation_are_serialised(storage: Storage) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    await asyncio.gather(_handle(storage, conv.id, "one"), _handle(storage, conv.id, "two"))
    turns = await storage.list_turns(conv.id)
    expect([t.index for t in turns], [0, 1], "turn indexes")
    expect([t.slots_before for t in turns], [{}, {"count": 1}], "each turn saw the previous")
    final = await storage.get_conversation(conv.id)
    expect((final.slots, final.version), ({"count": 2}, 2), "final conversation")


@pytest.mark.asyncio
async def test_unlocked_concurrent_saves_still_get_distinct_indexes(storage: Storage) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    await asyncio.gather(
        *(
            storage.save_turn(conv.id, NewTurn(text=str(n)), new_state="s", new_slots={})
            for n in range(5)
        )
    )
    turns = await storage.list_turns(conv.id)
    expect([t.index for t in turns], [0, 1, 2, 3, 4], "turn indexes without the lock")


@pytest.mark.asyncio
async def test_stale_version_is_a_conflict_and_writes_nothing(storage: Storage) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    await storage.save_turn(
        conv.id, NewTurn(text="a"), new_state="s1", new_slots={}, expected_version=conv.version
    )
    with pytest.raises(ConversationConflictError) as info:
        await storage.save_turn(
            conv.id, NewTurn(text="b"), new_state="s2", new_slots={}, expected_version=conv.version
        )
    expect((info.value.code, info.value.status), ("E403", 409), "code and status")
    expect(len(await storage.list_turns(conv.id)), 1, "turns after the conflict")


@pytest.mark.asyncio
async def test_update_and_delete_conversation(storage: Storage) -> None:
    conv = await storage.get_or_create_conversation(None, channel="rest", sender="ann")
    await storage.save_turn(conv.id, NewTurn(text="a"), new_state="s1", new_slots={"x": 1})
    updated = await storage.update_conversation(conv.id, state="start", slots={})
    expect((updated.state, updated.slots, updated.version), ("start", {}, 2), "after update")
    listed = await storage.list_conversations(sender="ann")
    expect([c.id for c in listed], [conv.id], "list_conversations(sender)")
    expect(await storage.delete_conversation(conv.id), True, "delete an existing conversation")
    expect(await storage.delete_conversation(conv.id), False, "delete it again")
    with pytest.raises(ConversationNotFoundError):
        await storage.list_turns(conv.id)
