"""Schema migrations with Alembic, configured in code (no alembic.ini needed).

The scripts live inside the package (``assistant/storage/migrations``), so this works from
an installed wheel and from any working directory. The app runs ``await migrate(url)`` at
start-up; ``Storage.open`` then refuses a database that is not at head.

For a developer adding a migration after changing ``models.py``::

    from alembic import command
    from assistant.storage.migrate import alembic_config
    command.revision(alembic_config("sqlite:///dev.db"), autogenerate=True, message="...")
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.storage._engine import SQLITE_BEGIN, make_engine, translated_errors
from assistant.storage._url import resolve_url
from assistant.storage.errors import MigrationError

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
#: pg_advisory_xact_lock key that serialises concurrent migrators ("asst")
_PG_MIGRATION_LOCK = 0x61737374


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts (and at ``url`` if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        rendered = resolve_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no migration scripts in {MIGRATIONS}"
    return head


async def migrate(url: str | URL, *, schema: str | None = None, revision: str = "head") -> str:
    """Upgrade the database at ``url`` to ``revision`` (head); returns the revision it is at.

    Safe to run on every start-up and from several processes at once: a migrated database
    is left as it is, and concurrent runs wait for each other (SQLite write lock,
    PostgreSQL advisory lock). ``schema`` (PostgreSQL only) is created if missing.
    Raises DatabaseUnreachableError (E400) or MigrationError (E401).
    """
    resolved = resolve_url(url)
    engine = make_engine(resolved, schema=schema)
    try:
        async with translated_errors(resolved, detailed=True), engine.connect() as conn:
            conn = await conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            async with conn.begin():
                await _prepare(conn, schema)
                return await conn.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()


async def _prepare(conn: AsyncConnection, schema: str | None) -> None:
    if conn.dialect.name != "postgresql":
        return
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    if schema is not None:
        quoted = conn.dialect.identifier_preparer.quote_identifier(schema)
        await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))


def _upgrade(conn: Connection, revision: str) -> str:
    config = alembic_config()
    config.attributes["connection"] = conn
    before = MigrationContext.configure(conn).get_current_revision()
    try:
        command.upgrade(config, revision)
    except (CommandError, DBAPIError) as exc:
        raise MigrationError(
            f"upgrading the database schema from {before or 'empty'} to {revision} failed: {exc}",
            hint="nothing was changed (the upgrade runs in one transaction); fix the cause "
            "and start again, or restore the database from a backup",
        ) from exc
    after = MigrationContext.configure(conn).get_current_revision() or ""
    if after != before:
        logger.info("database schema upgraded from %s to %s", before or "empty", after)
    return after


def check_revision(conn: Connection) -> str:
    """Raise MigrationError (E401) unless the database is at this code's head revision."""
    current = MigrationContext.configure(conn).get_current_revision()
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if current == head:
        return current or ""
    if current is None:
        raise MigrationError(
            "the database has no assistant schema yet",
            hint="run `await migrate(url)` (the server does this at start-up) or "
            "Storage.open(url, upgrade=True)",
        )
    try:
        script.get_revision(current)
    except CommandError as exc:
        raise MigrationError(
            f"the database is at revision {current}, which this code does not know (head is "
            f"{head}): it was migrated by a newer version of the assistant",
            hint="run the newer assistant, or restore a backup taken before the upgrade",
        ) from exc
    raise MigrationError(
        f"the database is at revision {current}, this code expects {head}",
        hint="run `await migrate(url)` to upgrade (back up the database first)",
    )
