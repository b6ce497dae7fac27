"""Engine set-up per backend and the translation of driver errors into coded errors.

SQLite is configured for a server: WAL journal (readers never block the writer), foreign
keys on, a busy timeout instead of instant "database is locked", ``synchronous=FULL`` so a
committed turn survives a power cut, and SQLAlchemy (not the sqlite3 module) emits BEGIN so
transactions and DDL are real; write transactions use ``BEGIN IMMEDIATE`` to take the write
lock up front (no read-then-upgrade deadlock between two writers).

Every wait is bounded by ``timeout_s`` (``Storage.open(..., timeout_s=)``): the SQLite busy
timeout; for PostgreSQL the connect timeout, asyncpg's ``command_timeout``, the server's
``statement_timeout`` and ``lock_timeout``, and the pool's checkout timeout. A timeout
becomes DatabaseTimeoutError (E408, 503 with Retry-After). Error messages never hold the
database URL, host, path or the driver's text (the log keeps them, password hidden).
"""

from __future__ import annotations

import asyncio
import json
import logging
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
    DatabaseTimeoutError,
    DatabaseUnreachableError,
    InvalidRecordError,
    StorageError,
)

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000  # without a timeout_s (migrations, tools)
PG_CONNECT_TIMEOUT_S = 10.0
#: execution option that makes the SQLite ``begin`` hook emit ``BEGIN IMMEDIATE``
SQLITE_BEGIN = "assistant_sqlite_begin"


def _dumps(value: Any) -> str:
    # allow_nan=False: PostgreSQL rejects NaN in JSON, so SQLite must too (same behaviour).
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def make_engine(url: URL, *, schema: str | None = None,
                timeout_s: float | None = None) -> AsyncEngine:
    """An async engine for ``url`` (already resolved by ``resolve_url``); ``timeout_s``
    bounds every wait for the database (None: only the connect timeout, for migrations)."""
    check_schema_name(schema, url)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_folder(url)
        engine = create_async_engine(url, json_serializer=_dumps)
        _configure_sqlite(engine, _busy_ms(timeout_s))
        return engine
    server_settings: dict[str, str] = {}
    connect_args: dict[str, Any] = {"timeout": timeout_s or PG_CONNECT_TIMEOUT_S,
                                    "server_settings": server_settings}
    extra: dict[str, Any] = {}
    if timeout_s is not None:
        ms = str(max(int(timeout_s * 1000), 1))
        server_settings.update(statement_timeout=ms, lock_timeout=ms)
        connect_args["command_timeout"] = timeout_s
        extra["pool_timeout"] = timeout_s
    if schema is not None:
        server_settings["search_path"] = schema
    return create_async_engine(
        url, json_serializer=_dumps, pool_pre_ping=True, connect_args=connect_args, **extra
    )


def make_sqlite_writer(url: URL, timeout_s: float | None = None) -> Engine:
    """A plain (sync) engine on the same SQLite file, for the writes of every message: run
    whole in one worker thread, a transaction costs one hand-off instead of one per
    statement (see ``StoreBase._write``)."""
    engine = create_engine(url.set(drivername="sqlite"), json_serializer=_dumps,
                           poolclass=SingletonThreadPool, pool_size=1)
    _configure_sqlite(engine, _busy_ms(timeout_s))
    return engine


def _busy_ms(timeout_s: float | None) -> int:
    return SQLITE_BUSY_TIMEOUT_MS if timeout_s is None else max(int(timeout_s * 1000), 1)


def _configure_sqlite(engine: AsyncEngine | Engine, busy_ms: int) -> None:
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
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


def unreachable(url: URL, exc: BaseException, *,
                detailed: bool = False) -> DatabaseUnreachableError:
    """The coded error for a database that cannot be reached.

    ``detailed`` (opening and migrating, before the server answers anyone): the message
    names the database (password hidden) and the driver's reason, for the operator. Else
    (any call while serving, whose error may reach an HTTP body) the URL, host, path and
    driver text go to the log only.
    """
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0:1]
    reason = detail[0] if detail else type(exc).__name__
    sqlite = url.get_backend_name() == "sqlite"
    if detailed:
        if sqlite:
            hint = (f"check that the file {url.database!r} and its folder exist and are "
                    "writable by this user, and that the disk is not full")
        else:
            hint = (f"check that PostgreSQL is running and reachable at "
                    f"{url.host}:{url.port or 5432}, that the database {url.database!r} exists "
                    "and that the user/password are right")
        return DatabaseUnreachableError(
            f"cannot connect to the database {display_url(url)}: {reason}", hint=hint)
    logger.warning("database %s unreachable: %s", display_url(url), reason)
    kind = type(getattr(exc, "orig", None) or exc).__name__
    if sqlite:
        return DatabaseUnreachableError(
            f"cannot use the SQLite database ({kind})",
            hint="check that the database file and its folder exist and are writable by this "
            "user and that the disk is not full; the server log names the file",
        )
    return DatabaseUnreachableError(
        f"cannot connect to PostgreSQL ({kind})",
        hint="check that PostgreSQL is running and reachable at the host and port of the "
        "database URL, that the database exists and that the user/password are right; the "
        "server log has the details",
    )


def timed_out(url: URL, exc: BaseException | None = None) -> DatabaseTimeoutError:
    logger.warning("database %s did not answer in time%s", display_url(url),
                   f": {exc}" if exc is not None and str(exc) else "")
    return DatabaseTimeoutError(
        "the database did not answer in time",
        hint="it is overloaded, locked or stopped; retry shortly (Retry-After), and check "
        "the database server if this goes on",
    )


def _is_timeout(exc: DBAPIError) -> bool:
    orig = exc.orig
    name = type(orig).__name__
    return (isinstance(orig, TimeoutError) or name in {"QueryCanceledError",
                                                        "LockNotAvailableError"}
            or "statement timeout" in str(orig) or "database is locked" in str(orig))


#: SQLite errors that mean the file cannot be used (made read-only, removed, disk failing)
_SQLITE_UNUSABLE = ("readonly database", "unable to open database", "disk i/o error",
                    "database or disk is full")


@asynccontextmanager
async def translated_errors(url: URL, *, detailed: bool = False) -> AsyncIterator[None]:
    """Turn driver exceptions raised inside the block into coded storage errors
    (``detailed``: see ``unreachable``)."""
    try:
        yield
    except StorageError:
        raise
    except TimeoutError as exc:  # asyncio.timeout, asyncpg command_timeout, connect timeout
        raise timed_out(url, exc) from exc
    except OSError as exc:  # refused, DNS
        raise unreachable(url, exc, detailed=detailed) from exc
    except DBAPIError as exc:
        if _is_timeout(exc):
            raise timed_out(url, exc) from exc
        if (exc.connection_invalidated or exc.statement is None
                or any(m in str(exc.orig).lower() for m in _SQLITE_UNUSABLE)):
            raise unreachable(url, exc, detailed=detailed) from exc
        logger.warning("database statement failed: %s", str(exc.orig).strip())
        raise DatabaseOperationError(
            f"a database statement failed ({type(exc.orig).__name__})",
            hint="see the cause in the server log",
        ) from exc
    except StatementError as exc:
        if isinstance(exc.orig, (TypeError, ValueError)):
            raise InvalidRecordError(
                f"a value cannot be stored: {exc.orig}",
                hint="slots, context, nlu, replies, actions, params and responses must be "
                "JSON: dict, list, str, int, finite float, bool, None",
            ) from exc
        raise
