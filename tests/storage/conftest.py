"""The storage suite over each backend: SQLite always, PostgreSQL when a URL is given.

PostgreSQL tests each run in a fresh schema (``assistant_test_<random>``) that is dropped
afterwards, so the suite can run repeatedly and beside other runs on the same database.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from assistant.storage import Storage
from assistant.storage._url import resolve_url
from tests.storage._support import PG_URL, Database, FakeClock

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not PG_URL, reason="set ASSISTANT_TEST_DATABASE_URL=postgresql://... to run"
        ),
    ),
]


async def _drop_schema(schema: str) -> None:
    engine = create_async_engine(resolve_url(PG_URL))
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database (not migrated)."""
    if request.param == "sqlite":
        # a folder that does not exist yet: storage must create it
        yield Database("sqlite", f"sqlite:///{tmp_path / 'data' / 'assistant.db'}", None)
        return
    schema = f"assistant_test_{uuid.uuid4().hex[:12]}"
    try:
        yield Database("postgresql", PG_URL, schema)
    finally:
        await _drop_schema(schema)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def storage(database: Database, clock: FakeClock) -> AsyncIterator[Storage]:
    """A migrated, open storage whose clock the test controls."""
    await database.migrate()
    store = await database.open(clock=clock)
    try:
        yield store
    finally:
        await store.close()
