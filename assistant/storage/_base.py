"""What every noun store shares: the engine, sessions, the clock and error translation."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from assistant.storage._engine import SQLITE_BEGIN, make_sqlite_writer, translated_errors
from assistant.storage.errors import InvalidRecordError

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """Holds the engine; subclasses (one per noun) add the public methods."""

    def __init__(
        self, engine: AsyncEngine, url: URL, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._engine = engine
        self._url = url
        self._clock = clock
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._writer = _SqliteWriter(url) if url.get_backend_name() == "sqlite" else None

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    async def _write(self, work: Callable[..., T], *args: Any) -> T:
        """``work(connection, *args)`` in one write transaction, with Core statements.

        SQLite: in the one writer thread on a plain engine, so the whole transaction is one
        hand-off (the async driver hands off every statement). PostgreSQL: on the async
        engine through ``run_sync``.
        """
        async with translated_errors(self._url):
            if self._writer is not None:
                return await asyncio.get_running_loop().run_in_executor(
                    self._writer.pool, functools.partial(self._writer.run, work, *args))
            async with self._engine.begin() as conn:
                return await conn.run_sync(work, *args)

    async def _close_writer(self) -> None:
        if self._writer is not None:
            await asyncio.get_running_loop().run_in_executor(self._writer.pool,
                                                             self._writer.engine.dispose)
            self._writer.pool.shutdown(wait=True)
            self._writer = None

    @asynccontextmanager
    async def _transaction(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """One session in one transaction: committed on exit, rolled back on any error.

        On SQLite a write transaction starts with ``BEGIN IMMEDIATE``: it waits (busy
        timeout) for the write lock up front instead of failing when a read upgrades.
        """
        options = {SQLITE_BEGIN: "IMMEDIATE"} if write else {}
        async with translated_errors(self._url), self._sessions.begin() as session:
            await session.connection(execution_options=options)
            yield session


class _SqliteWriter:
    """One thread with one plain SQLite connection for ``StoreBase._write``."""

    def __init__(self, url: URL) -> None:
        self.engine = make_sqlite_writer(url)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")

    def run(self, work: Callable[..., T], *args: Any) -> T:
        with self.engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with conn.begin():
                return work(conn, *args)


def check_text(field: str, value: object, max_len: int, *, empty_ok: bool = False) -> str:
    """The same limits on SQLite as PostgreSQL's VARCHAR(n) enforces, as a coded error."""
    if not isinstance(value, str):
        raise InvalidRecordError(f"{field} must be a string, got {type(value).__name__}")
    if not value and not empty_ok:
        raise InvalidRecordError(f"{field} must not be empty")
    if len(value) > max_len:
        raise InvalidRecordError(
            f"{field} is {len(value)} characters, the limit is {max_len}: {value[:40]!r}...",
            hint=f"shorten {field}",
        )
    return value


def insert_for(dialect: str) -> Callable[..., Any]:
    """The dialect's ``insert`` construct, which has ``on_conflict_do_*``."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def as_utc(field: str, value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is refused (its zone would be a guess)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRecordError(
            f"{field} is a naive datetime ({value.isoformat()})",
            hint="pass a timezone-aware datetime, e.g. datetime.now(UTC)",
        )
    return value.astimezone(UTC)
