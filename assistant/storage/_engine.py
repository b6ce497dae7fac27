"""Engine set-up per backend and the translation of driver errors into coded errors.

SQLite is configured for a server: WAL journal (readers never block the writer), foreign
keys on, a busy timeout instead of instant "database is locked", ``synchronous=FULL`` so a
committed turn survives a power cut, and SQLAlchemy (not the sqlite3 module) emits BEGIN so
transactions and DDL are real; write transactions use ``BEGIN IMMEDIATE`` to take the write
lock up front (no read-then-upgrade deadlock between two writers).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import SingletonThreadPool
from sqlalchemy.util import await_
from sqlalchemy.util.concurrency import in_greenlet

from assistant.storage._url import check_schema_name, display_url, ensure_sqlite_folder
from assistant.storage.errors import (
    DatabaseOperationError,
    DatabaseUnreachableError,
    InvalidRecordError,
    StorageError,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_CONNECT_TIMEOUT_S = 10.0
#: execution option that makes the SQLite ``begin`` hook emit ``BEGIN IMMEDIATE``
SQLITE_BEGIN = "assistant_sqlite_begin"


def _dumps(value: Any) -> str:
    # allow_nan=False: PostgreSQL rejects NaN in JSON, so SQLite must too (same behaviour).
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def make_engine(url: URL, *, schema: str | None = None) -> AsyncEngine:
    """An async engine for ``url`` (already resolved by ``resolve_url``)."""
    check_schema_name(schema, url)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_folder(url)
        engine = create_async_engine(url, json_serializer=_dumps)
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {"timeout": PG_CONNECT_TIMEOUT_S}
    if schema is not None:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(
        url, json_serializer=_dumps, pool_pre_ping=True, connect_args=connect_args
    )


def make_sqlite_writer(url: URL) -> Engine:
    """A plain (sync) engine on the same SQLite file, for the writes of every message: run
    whole in one worker thread, a transaction costs one hand-off instead of one per
    statement (see ``StoreBase._write``)."""
    engine = create_engine(url.set(drivername="sqlite"), json_serializer=_dumps,
                           poolclass=SingletonThreadPool, pool_size=1)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine | Engine) -> None:
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _use_wal(cursor: Any) -> None:
    """Switch a new database to WAL. The switch needs the file to itself and SQLite answers
    "database is locked" at once, without the busy timeout, while another connection (a
    second process migrating the same new file) holds it: retry until the busy timeout."""
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return  # WAL is stored in the file: only its first connection switches
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except Exception as exc:  # the driver's OperationalError (sqlite3 or aiosqlite's)
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            _pause(0.02)


def _pause(seconds: float) -> None:
    """Wait without stopping the event loop: the async engine runs its connect hook in a
    greenlet on the loop's thread, where ``time.sleep`` would stop every other request."""
    if in_greenlet():
        await_(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


def unreachable(url: URL, exc: BaseException) -> DatabaseUnreachableError:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0:1]
    reason = detail[0] if detail else type(exc).__name__
    if url.get_backend_name() == "sqlite":
        hint = (
            f"check that the file {url.database!r} and its folder exist and are writable by "
            "this user, and that the disk is not full"
        )
    else:
        hint = (
            f"check that PostgreSQL is running and reachable at {url.host}:{url.port or 5432}, "
            f"that the database {url.database!r} exists and that the user/password are right"
        )
    return DatabaseUnreachableError(
        f"cannot connect to the database {display_url(url)}: {reason}", hint=hint
    )


@asynccontextmanager
async def translated_errors(url: URL) -> AsyncIterator[None]:
    """Turn driver exceptions raised inside the block into coded storage errors."""
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:  # refused, DNS, timeout (TimeoutError is an OSError)
        raise unreachable(url, exc) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated or exc.statement is None:
            raise unreachable(url, exc) from exc
        raise DatabaseOperationError(
            f"a database statement failed: {str(exc.orig).strip()}",
            hint="see the cause in the log; for 'database is locked' another process held "
            f"the SQLite write lock longer than {SQLITE_BUSY_TIMEOUT_MS} ms",
        ) from exc
    except StatementError as exc:
        if isinstance(exc.orig, (TypeError, ValueError)):
            raise InvalidRecordError(
                f"a value cannot be stored: {exc.orig}",
                hint="slots, context, nlu, replies, actions, params and responses must be "
                "JSON: dict, list, str, int, finite float, bool, None",
            ) from exc
        raise
