"""Bounded waits: a locked or frozen database gives a coded 503 (E408) in bounded time, and
errors raised while serving never name the database URL, host, path or password."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from assistant.storage import Storage
from assistant.storage._engine import translated_errors
from assistant.storage._url import resolve_url
from assistant.storage.errors import DatabaseTimeoutError, DatabaseUnreachableError
from tests.storage._support import Database, expect

TIMEOUT_S = 0.5
INTENT = {"device_id": "lamp", "action": "turn_on", "params": {}, "requested_by": "ann"}


@asynccontextmanager
async def _write_lock_held(database: Database) -> AsyncIterator[None]:
    """Another connection holds the lock that a device-call write needs."""
    if database.backend == "sqlite":
        path = resolve_url(database.url).database
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_async_engine(resolve_url(database.url))
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'SET search_path TO "{database.schema}"'))
            await conn.execute(text("BEGIN"))
            await conn.execute(text("LOCK TABLE device_calls IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await conn.execute(text("ROLLBACK"))
    finally:
        await engine.dispose()


@pytest.mark.asyncio
async def test_a_locked_database_is_e408_within_the_timeout(database: Database) -> None:
    await database.migrate()
    store = await database.open(timeout_s=TIMEOUT_S)
    try:
        async with _write_lock_held(database):
            started = time.perf_counter()
            with pytest.raises(DatabaseTimeoutError) as info:
                await store.begin_device_calls([INTENT])
            took = time.perf_counter() - started
        error = info.value
        expect((error.code, error.status, error.headers), ("E408", 503, {"Retry-After": "2"}),
               "code, status, headers")
        assert TIMEOUT_S * 0.8 <= took < TIMEOUT_S + 1.0, f"took {took:.2f} s"
        expect(await store.list_device_calls(), [], "nothing written")
        expect(len(await store.begin_device_calls([INTENT])), 1, "works again after the lock")
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_the_overall_bound_covers_what_driver_timeouts_do_not(database: Database) -> None:
    """A wait the driver does not bound (here: a stalled call inside the transaction)."""
    await database.migrate()
    store = await database.open(timeout_s=0.2)
    try:
        started = time.perf_counter()
        with pytest.raises(DatabaseTimeoutError):
            async with store._transaction():
                await asyncio.sleep(10)
        assert time.perf_counter() - started < 1.5
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_errors_while_serving_do_not_name_the_database() -> None:
    url = resolve_url("postgresql://zoltan:s3cret@db.internal:6543/homedb")
    with pytest.raises(DatabaseUnreachableError) as info:
        async with translated_errors(url):
            raise ConnectionRefusedError(111, "Connect call failed ('10.0.0.7', 6543)")
    error = info.value
    body = f"{error.message} {error.hint}"
    for secret in ("s3cret", "zoltan", "db.internal", "6543", "homedb", "postgresql://",
                   "10.0.0.7"):
        assert secret not in body, f"{secret!r} in the error body {body!r}"
    expect((error.code, error.status, error.headers["Retry-After"]), ("E400", 503, "2"),
           "code, status, Retry-After")
    with pytest.raises(DatabaseUnreachableError) as info:
        async with translated_errors(url, detailed=True):  # opening: for the operator
            raise ConnectionRefusedError(111, "refused")
    assert "db.internal:6543" in info.value.hint and "s3cret" not in str(info.value)


@pytest.mark.asyncio
async def test_an_unparsable_url_is_not_repeated_in_the_error() -> None:
    with pytest.raises(Exception) as info:
        await Storage.open("postgresql://ann:s3cret@[bad")
    assert "s3cret" not in str(info.value), str(info.value)
