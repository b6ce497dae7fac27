"""Per-conversation locks."""

from __future__ import annotations

import asyncio

import pytest

from assistant.storage._locks import KeyedLocks
from tests.storage._support import expect


@pytest.mark.asyncio
async def test_same_key_waits_other_keys_do_not() -> None:
    locks = KeyedLocks()
    log: list[str] = []

    async def work(key: str, name: str) -> None:
        async with locks.hold(key):
            log.append(f"{name} in")
            await asyncio.sleep(0.01)
            log.append(f"{name} out")

    await asyncio.gather(work("a", "a1"), work("a", "a2"), work("b", "b1"))
    expect(log.index("a2 in") > log.index("a1 out"), True, f"a2 after a1 ({log})")
    expect(log.index("b1 in") < log.index("a1 out"), True, f"b1 beside a1 ({log})")
    expect(len(locks), 0, "locks left after everyone is done")


@pytest.mark.asyncio
async def test_a_cancelled_waiter_does_not_leak_its_lock() -> None:
    locks = KeyedLocks()
    release = asyncio.Event()

    async def holder() -> None:
        async with locks.hold("c"):
            await release.wait()

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiter.cancel()
    release.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await waiter
    expect(len(locks), 0, "locks left")
