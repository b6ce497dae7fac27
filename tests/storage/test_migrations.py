"""Migrations: from empty, idempotent, concurrent, and in agreement with the models."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from itertools import pairwise
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from assistant.storage._engine import make_engine
from assistant.storage._url import resolve_url
from assistant.storage.errors import MigrationError
from assistant.storage.migrate import alembic_config, head_revision, migrate
from assistant.storage.models import Base
from tests.storage._support import Database, expect

TABLES = {"alembic_version", "conversations", "turns", "device_calls", "device_call_attempts",
          "timers"}


async def _inspect(database: Database, fn):  # type: ignore[no-untyped-def]
    engine = make_engine(resolve_url(database.url), schema=database.schema)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _table_names(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _schema_diff(conn: Connection) -> list[object]:
    return compare_metadata(MigrationContext.configure(conn), Base.metadata)


@pytest.mark.asyncio
async def test_migrate_from_empty_creates_every_table(database: Database) -> None:
    expect(await _inspect(database, _table_names), set(), "tables before migrating")
    expect(await database.migrate(), head_revision(), "revision after migrate")
    expect(await _inspect(database, _table_names), TABLES, "tables after migrate")


@pytest.mark.asyncio
async def test_migrate_twice_keeps_data(database: Database) -> None:
    await database.migrate()
    store = await database.open()
    conversation = await store.get_or_create_conversation(None, channel="rest", sender="ann")
    await store.close()
    expect(await database.migrate(), head_revision(), "revision after the second migrate")
    store = await database.open()
    try:
        got = await store.get_conversation(conversation.id)
        expect(got, conversation, "conversation after a second migrate")
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_concurrent_migrations_wait_for_each_other(database: Database) -> None:
    revisions = await asyncio.gather(*(database.migrate() for _ in range(3)))
    expect(revisions, [head_revision()] * 3, "revisions of three concurrent migrations")


@pytest.mark.asyncio
async def test_models_match_migrations(database: Database) -> None:
    await database.migrate()
    diff = await _inspect(database, _schema_diff)
    expect(diff, [], "differences between models.py and the migrated schema")


@pytest.mark.asyncio
async def test_open_refuses_an_unmigrated_database(database: Database) -> None:
    with pytest.raises(MigrationError) as info:
        await database.open()
    expect(info.value.code, "E401", "error code")
    assert "migrate" in info.value.hint, f"expected a hint naming migrate, got {info.value.hint!r}"


@pytest.mark.asyncio
async def test_open_with_upgrade_migrates_first(database: Database) -> None:
    store = await database.open(upgrade=True)
    try:
        conversation = await store.get_or_create_conversation("c1", channel="rest", sender="ann")
        expect(conversation.id, "c1", "conversation id")
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_migrate_works_from_any_working_directory(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    expect(await database.migrate(), head_revision(), "revision when run from another cwd")


@pytest.mark.asyncio
async def test_sqlite_is_configured_for_a_server(tmp_path: Path) -> None:
    url = resolve_url(f"sqlite:///{tmp_path / 'new' / 'folder' / 'a.db'}")
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            got = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await engine.dispose()
    expected = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000, "synchronous": 2}
    expect(got, expected, "SQLite pragmas")
    assert (tmp_path / "new" / "folder").is_dir(), "expected the parent folder to be created"


@pytest.mark.asyncio
async def test_waiting_to_switch_a_new_database_to_wal_leaves_the_event_loop_running(
    tmp_path: Path,
) -> None:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)  # another process creating the file
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")  # SQLite refuses the WAL switch at once now
    engine = make_engine(resolve_url(f"sqlite:///{path}"))
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.002)

    async def journal_mode() -> object:
        async with engine.connect() as conn:
            return (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()

    tick_task = asyncio.create_task(ticker())
    try:
        connecting = asyncio.create_task(journal_mode())
        await asyncio.sleep(0.4)
        assert not connecting.done(), "expected the connection to wait for the lock"
        holder.execute("COMMIT")
        mode = await asyncio.wait_for(connecting, 5)
    finally:
        tick_task.cancel()
        holder.close()
        await engine.dispose()
    expect(mode, "wal", "journal mode once the lock is released")
    gaps = sorted(b - a for a, b in pairwise(ticks))
    median = gaps[len(gaps) // 2]
    # each retry waits 20 ms: a blocking wait makes nearly every gap at least that long
    assert median < 0.015, f"the event loop stalled while waiting: median gap {median:.4f} s"


def _columns(table: str) -> object:
    def names(conn: Connection) -> set[str]:
        return {c["name"] for c in inspect(conn).get_columns(table)}
    return names


def _downgrade_to(revision: str) -> object:
    def run(conn: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    return run


@pytest.mark.asyncio
async def test_0004_drops_the_unread_devices_table_and_turn_id_keeping_the_calls(
    database: Database,
) -> None:
    expect(await migrate(database.url, schema=database.schema, revision="0003"), "0003", "rev")
    engine = make_engine(resolve_url(database.url), schema=database.schema)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO devices (id, name, type, aliases, capabilities, updated_at) "
                "VALUES ('lamp', 'lamp', 'light', '[]', '{}', CURRENT_TIMESTAMP)"))
            await conn.execute(text(
                "INSERT INTO device_calls (device_id, action, params, requested_by, started_at, "
                "success, status, attempts) VALUES ('lamp', 'turn_on', '{}', 'ann', "
                "CURRENT_TIMESTAMP, true, 'succeeded', 1)"))
        expect(await database.migrate(), "0004", "revision after migrate")
        assert "devices" not in await _inspect(database, _table_names)
        assert "turn_id" not in await _inspect(database, _columns("device_calls"))
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT device_id, action FROM device_calls"))).all()
        expect([tuple(r) for r in rows], [("lamp", "turn_on")], "audit rows after 0004")
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to("0003"))
        assert "devices" in await _inspect(database, _table_names)
        assert "turn_id" in await _inspect(database, _columns("device_calls"))
    finally:
        await engine.dispose()
