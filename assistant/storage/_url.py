"""Database URLs: map plain ``sqlite://`` / ``postgresql://`` URLs to the async drivers."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from assistant.storage.errors import DatabaseUnreachableError, DatabaseUrlError

_HINT = "use sqlite:///path/to/assistant.db or postgresql://user:password@host:5432/dbname"
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_BACKEND_ALIASES = {"postgres": "postgresql", "pgsql": "postgresql"}
_KNOWN_DRIVERS = {"sqlite": {"", "aiosqlite"}, "postgresql": {"", "asyncpg"}}
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def resolve_url(raw: str | URL) -> URL:
    """Parse ``raw`` and return the URL with its async driver (aiosqlite or asyncpg)."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        # not the URL itself in the message: it may hold a password
        raise DatabaseUrlError("cannot parse the database URL (database_url)",
                               hint=_HINT) from exc
    scheme = url.drivername
    backend, _, driver = scheme.partition("+")
    backend = _BACKEND_ALIASES.get(backend, backend)
    if backend not in _ASYNC_DRIVERS:
        raise DatabaseUrlError(f"unsupported database {backend!r} in the URL", hint=_HINT)
    if driver not in _KNOWN_DRIVERS[backend]:
        raise DatabaseUrlError(
            f"unsupported driver {driver!r} for {backend}; storage runs on asyncio",
            hint=f"drop the driver ({backend}://...) or name {_ASYNC_DRIVERS[backend]}://...",
        )
    url = url.set(drivername=_ASYNC_DRIVERS[backend])
    if backend == "sqlite":
        url = _resolve_sqlite_path(url)
    return url


def _resolve_sqlite_path(url: URL) -> URL:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise DatabaseUrlError(
            "an in-memory SQLite database is not supported: every pooled connection would "
            "see a different empty database",
            hint="give a file path, e.g. sqlite:///data/assistant.db (tests: a file in tmp_path)",
        )
    if url.query.get("uri") in ("true", "1"):
        return url  # a SQLite URI filename; the caller owns its folder
    return url.set(database=str(Path(database).expanduser()))


def ensure_sqlite_folder(url: URL) -> None:
    """Create the parent folder of a SQLite file so a fresh install starts without setup.

    (A path that is a folder is refused here: aiosqlite leaks a thread on a failed connect.)
    """
    if url.get_backend_name() != "sqlite" or url.query.get("uri") in ("true", "1"):
        return
    path = Path(url.database or "")
    if path.is_dir():
        raise DatabaseUnreachableError(
            f"the SQLite database path {str(path)!r} is a folder, not a file",
            hint=f"name a file inside it, e.g. sqlite:///{path / 'assistant.db'}",
        )
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnreachableError(
            f"cannot create the folder {str(folder)!r} for the SQLite database: {exc}",
            hint="point the database URL at a writable path, or create the folder with the "
            "right owner",
        ) from exc


def check_schema_name(schema: str | None, url: URL) -> None:
    if schema is None:
        return
    if url.get_backend_name() != "postgresql":
        raise DatabaseUrlError(
            f"schema={schema!r} was given but {url.get_backend_name()} has no schemas",
            hint="leave schema unset for SQLite",
        )
    if not _SCHEMA_NAME.fullmatch(schema):
        raise DatabaseUrlError(
            f"invalid schema name {schema!r}",
            hint="use letters, digits and underscores, starting with a letter (max 63)",
        )


def display_url(url: URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    return url.render_as_string(hide_password=True)
