"""Alembic environment. ``migrate()`` passes an open connection in ``config.attributes``;
the Alembic CLI (with a config from ``alembic_config(url)``) gets an engine built here."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from assistant.storage.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER via table copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    from assistant.storage._engine import make_engine
    from assistant.storage._url import resolve_url

    engine = make_engine(resolve_url(url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def _run_offline(url: str) -> None:
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    url = config.get_main_option("sqlalchemy.url") or ""
    if connection is not None:
        _run(connection)
    elif context.is_offline_mode():
        _run_offline(url)
    else:
        asyncio.run(_run_with_own_engine(url))


if not __name__.startswith("assistant."):  # run by Alembic, not imported as a module
    main()
