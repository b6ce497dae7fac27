"""The stored device registry."""

from __future__ import annotations

import pytest

from assistant.storage import Storage
from assistant.storage.errors import InvalidRecordError
from tests.storage._support import FakeClock, expect

LAMP = {
    "id": "lamp.living",
    "name": "Living room lamp",
    "room": "living room",
    "type": "light",
    "aliases": ["big lamp", "客厅灯"],
    "capabilities": {"brightness": {"min": 0, "max": 100}, "color": True},
    "endpoint": "http://lamp.local:5000",
    "token_env": "LAMP_TOKEN",
}
LOCK = {"id": "lock.front", "name": "Front door", "type": "lock"}


@pytest.mark.asyncio
async def test_upsert_inserts_then_updates(storage: Storage, clock: FakeClock) -> None:
    stored = await storage.upsert_devices([LAMP, LOCK])
    expect([d.id for d in stored], ["lamp.living", "lock.front"], "ids")
    lamp = stored[0]
    expect(
        (lamp.aliases, lamp.capabilities, lamp.token_env),
        (("big lamp", "客厅灯"), LAMP["capabilities"], "LAMP_TOKEN"),
        "lamp fields",
    )
    expect((stored[1].room, stored[1].aliases, stored[1].capabilities), (None, (), {}), "defaults")
    clock.advance(10)
    await storage.upsert_devices([{**LAMP, "name": "Reading lamp", "aliases": []}])
    got = await storage.get_device("lamp.living")
    assert got is not None, "expected the lamp to be stored"
    expect((got.name, got.aliases, got.updated_at), ("Reading lamp", (), clock.now), "updated")
    expect([d.id for d in await storage.list_devices()], ["lamp.living", "lock.front"], "all")
    expect([d.id for d in await storage.list_devices(room="living room")], ["lamp.living"], "room")


@pytest.mark.asyncio
async def test_prune_mirrors_the_file(storage: Storage) -> None:
    await storage.upsert_devices([LAMP, LOCK])
    await storage.upsert_devices([LOCK], prune=True)
    expect([d.id for d in await storage.list_devices()], ["lock.front"], "after prune")
    expect(await storage.get_device("lamp.living"), None, "pruned device")
    expect(await storage.delete_device("lock.front"), True, "delete")


@pytest.mark.asyncio
async def test_every_problem_is_listed_and_nothing_stored(storage: Storage) -> None:
    bad = [
        {**LAMP, "colour": "red"},
        {"id": "fan", "type": "fan"},
        {**LOCK, "aliases": "front"},
        LOCK,
    ]
    with pytest.raises(InvalidRecordError) as info:
        await storage.upsert_devices(bad)
    message = info.value.message
    for needle in (
        "unknown key 'colour'",
        "name must be a non-empty string",
        "aliases must be",
        "duplicate id 'lock.front'",
    ):
        assert needle in message, f"expected {needle!r} in the error, got:\n{message}"
    expect(await storage.list_devices(), [], "devices after a refused upsert")
