"""The conversation cache (``cache_conversations``) and the batched device-call audit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from assistant.storage import NewTurn, Storage
from assistant.storage.errors import (
    ConversationConflictError,
    ConversationNotFoundError,
    InvalidRecordError,
)
from tests.storage._support import Database, expect


@pytest_asyncio.fixture
async def pair(database: Database) -> AsyncIterator[tuple[Storage, Storage]]:
    """(this process with a cache, another process without one) on one database."""
    await database.migrate()
    cached = await database.open(cache_conversations=2)
    other = await database.open()
    try:
        yield cached, other
    finally:
        await cached.close()
        await other.close()


@pytest.mark.asyncio
async def test_a_cached_conversation_is_read_from_memory(pair: tuple[Storage, Storage]) -> None:
    cached, other = pair
    conv = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    await cached.save_turn("c1", NewTurn(text="hi"), new_state="a", new_slots={"x": 1},
                           new_context={"k": 1}, expected_version=conv.version)
    await other.update_conversation("c1", state="changed elsewhere")
    seen = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    expect((seen.state, seen.version, seen.slots), ("a", 1, {"x": 1}), "the cached record")
    expect((await other.get_conversation("c1")).state, "changed elsewhere", "the database")


@pytest.mark.asyncio
async def test_a_stale_cache_with_expected_version_is_a_conflict_then_refreshed(
        pair: tuple[Storage, Storage]) -> None:
    cached, other = pair
    conv = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    await other.save_turn("c1", NewTurn(text="elsewhere"), new_state="b", new_slots={})
    with pytest.raises(ConversationConflictError):
        await cached.save_turn("c1", NewTurn(text="here"), new_state="c", new_slots={},
                               expected_version=conv.version)
    turns = await other.list_turns("c1")
    expect([t.text for t in turns], ["elsewhere"], "nothing written by the conflicting save")
    fresh = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    expect((fresh.state, fresh.version), ("b", 1), "the entry was dropped and read again")


@pytest.mark.asyncio
async def test_a_stale_cache_without_expected_version_saves_on_the_stored_state(
        pair: tuple[Storage, Storage]) -> None:
    cached, other = pair
    await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    await other.save_turn("c1", NewTurn(text="elsewhere"), new_state="b", new_slots={"s": 2})
    saved = await cached.save_turn("c1", NewTurn(text="here"), new_state="c", new_slots={})
    expect((saved.turn.index, saved.turn.state_before, saved.turn.slots_before),
           (1, "b", {"s": 2}), "the turn follows the stored state, not the cached one")
    expect((saved.conversation.version, saved.conversation.turn_count), (2, 2), "counters")
    stored = await other.list_turns("c1")
    expect([(t.index, t.state_before) for t in stored], [(0, "start"), (1, "b")],
           "both turns stored")


@pytest.mark.asyncio
async def test_records_from_the_cache_are_copies(pair: tuple[Storage, Storage]) -> None:
    cached, _ = pair
    conv = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    await cached.save_turn("c1", NewTurn(text="hi"), new_state="a", new_slots={},
                           new_context={"last": {"ids": ["lamp"]}})
    first = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    first.context["last"]["ids"].append("mutated")
    second = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    expect(second.context, {"last": {"ids": ["lamp"]}}, "the cache kept its own copy")
    expect(conv.version, 0, "the first record is unchanged")


@pytest.mark.asyncio
async def test_the_cache_keeps_only_the_most_recent_and_forgets_deleted(
        pair: tuple[Storage, Storage]) -> None:
    cached, other = pair
    for cid in ("c1", "c2", "c3"):  # size 2: c1 is evicted
        await cached.get_or_create_conversation(cid, channel="api", sender="ann")
    await other.update_conversation("c1", state="moved on")
    expect((await cached.get_or_create_conversation("c1", channel="api", sender="a")).state,
           "moved on", "an evicted conversation is read from the database")
    await cached.delete_conversation("c1")
    with pytest.raises(ConversationNotFoundError):
        await cached.save_turn("c1", NewTurn(text="x"), new_state="s", new_slots={})


@pytest.mark.asyncio
async def test_device_calls_in_one_batch_are_all_or_nothing(pair: tuple[Storage, Storage]) -> None:
    cached, _ = pair
    conv = await cached.get_or_create_conversation("c1", channel="api", sender="ann")
    call = {"device_id": "lamp", "action": "turn_on", "params": {"b": 1},
            "requested_by": "ann", "success": True, "latency_ms": 3.0, "status_code": 200,
            "response": {"state": {"on": True}}, "conversation_id": conv.id}
    expect(await cached.record_device_calls([call, {**call, "device_id": "fan"}]), 2,
           "rows written")
    rows = await cached.list_device_calls(conversation_id=conv.id)
    expect(sorted(r.device_id for r in rows), ["fan", "lamp"], "both calls audited")
    expect(rows[0].response, {"state": {"on": True}}, "response kept as JSON")
    with pytest.raises(InvalidRecordError):
        await cached.record_device_calls([{**call, "device_id": "tv"},
                                          {**call, "device_id": "x" * 200}])
    with pytest.raises(InvalidRecordError):
        await cached.record_device_calls([{**call, "device_id": "tv"},
                                          {**call, "response": float("nan")}])
    expect(len(await cached.list_device_calls()), 2, "a bad batch writes nothing")
    expect(await cached.record_device_calls([]), 0, "an empty batch")
