"""What every noun store shares: the engine, sessions, the clock and error translation."""

from __future__ import annotations

import asyncio
import functools
import math
import re
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from assistant.storage._engine import (
    SQLITE_BEGIN,
    make_sqlite_writer,
    timed_out,
    translated_errors,
)
from assistant.storage.errors import InvalidRecordError

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """Holds the engine; subclasses (one per noun) add the public methods."""

    def __init__(
        self, engine: AsyncEngine, url: URL, *, clock: Callable[[], datetime] = utc_now,
        timeout_s: float | None = None,
    ) -> None:
        """``timeout_s`` bounds each public call (its whole transaction), see ``_bounded``."""
        self._engine = engine
        self._url = url
        self._clock = clock
        self._timeout_s = timeout_s
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._writer = (_SqliteWriter(url, timeout_s) if url.get_backend_name() == "sqlite"
                        else None)

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
        async with self._bounded(), translated_errors(self._url):
            if self._writer is not None:
                return await asyncio.get_running_loop().run_in_executor(
                    self._writer.pool, functools.partial(self._writer.run, work, *args))
            async with self._engine.begin() as conn:
                return await conn.run_sync(work, *args)

    @asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        """The whole block within ``timeout_s`` (pool wait, connect, statements, commit),
        else DatabaseTimeoutError (E408). The driver-level timeouts usually fire first; this
        also covers what they do not (a frozen server mid-handshake, the SQLite writer queue).
        On SQLite a write already handed to the writer thread may still commit after it."""
        if self._timeout_s is None:
            yield
            return
        try:
            async with asyncio.timeout(self._timeout_s + 0.5):  # driver timeouts go first
                yield
        except TimeoutError as exc:
            raise timed_out(self._url, exc) from exc

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
        async with (self._bounded(), translated_errors(self._url),
                    self._sessions.begin() as session):
            await session.connection(execution_options=options)
            yield session


class _SqliteWriter:
    """One thread with one plain SQLite connection for ``StoreBase._write``."""

    def __init__(self, url: URL, timeout_s: float | None) -> None:
        self.engine = make_sqlite_writer(url, timeout_s)
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
    _check_chars(field, value)
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


#: nesting deeper than this is refused (a RecursionError in the JSON encoder otherwise)
MAX_JSON_DEPTH = 64
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def check_json(field: str, value: T) -> T:
    """``value`` if both backends can store it as JSON, else InvalidRecordError (E407).

    Refused the same on SQLite as on PostgreSQL: NaN and infinities, NUL characters and lone
    surrogates (PostgreSQL's text and JSONB cannot hold them), keys that are not strings,
    values that are not JSON, nesting deeper than ``MAX_JSON_DEPTH``.
    """
    stack: list[tuple[str, object, int]] = [(field, value, 0)]
    while stack:
        where, item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidRecordError(f"{field} is nested deeper than {MAX_JSON_DEPTH} levels",
                                     hint="flatten the value")
        if item is None or isinstance(item, (bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidRecordError(f"{where} is {item!r}, which JSON cannot hold",
                                         hint="send a finite number")
        elif isinstance(item, str):
            _check_chars(where, item)
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise InvalidRecordError(f"{where} has a key that is not a string: {key!r}")
                _check_chars(f"{where} key", key)
                stack.append((f"{where}.{key[:40]}", sub, depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((f"{where}[{i}]", sub, depth + 1) for i, sub in enumerate(item))
        else:
            raise InvalidRecordError(f"{where} is a {type(item).__name__}, not a JSON value",
                                     hint="use dict, list, str, int, finite float, bool, None")
    return value


def _check_chars(field: str, text: str) -> None:
    bad = _BAD_CHARS.search(text)
    if bad is not None:
        what = "a NUL character" if bad.group() == "\x00" else "a lone surrogate"
        raise InvalidRecordError(f"{field} contains {what} (U+{ord(bad.group()):04X})",
                                 hint="send valid Unicode text without NUL characters")
