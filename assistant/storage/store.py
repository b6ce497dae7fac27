"""``Storage``: one object that the server opens at start-up and closes at shut-down."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Self

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from assistant.storage._base import utc_now
from assistant.storage._engine import make_engine, translated_errors
from assistant.storage._locks import KeyedLocks
from assistant.storage._url import display_url, resolve_url
from assistant.storage.audit import AuditStore
from assistant.storage.conversations import ConversationCache, ConversationStore
from assistant.storage.migrate import check_revision, migrate
from assistant.storage.timers import TimerStore

DEFAULT_TIMEOUT_S = 5.0


class Storage(ConversationStore, AuditStore, TimerStore):
    """Conversations, turns, the device-call audit log and timers (devices are in
    devices.yaml, not here).

    SQLite by default (``sqlite:///data/assistant.db``), PostgreSQL by URL
    (``postgresql://user:pw@host/db``); plain URLs are mapped to the async drivers.
    Every public method runs in its own transaction and returns frozen records.
    """

    def __init__(
        self, engine: AsyncEngine, url: URL, *, clock: Callable[[], datetime] = utc_now,
        cache_conversations: int = 0, timeout_s: float | None = DEFAULT_TIMEOUT_S,
    ) -> None:
        """Use ``await Storage.open(url)``; this wraps an engine that is already checked."""
        super().__init__(engine, url, clock=clock, timeout_s=timeout_s)
        self._locks = KeyedLocks()
        if cache_conversations > 0:
            self._cache = ConversationCache(cache_conversations)

    @classmethod
    async def open(
        cls,
        url: str | URL,
        *,
        schema: str | None = None,
        upgrade: bool = False,
        check_schema: bool = True,
        clock: Callable[[], datetime] = utc_now,
        cache_conversations: int = 0,
        timeout_s: float | None = DEFAULT_TIMEOUT_S,
    ) -> Self:
        """Connect, and check that the schema is at this code's revision.

        ``upgrade=True`` runs ``migrate`` first. ``schema`` (PostgreSQL only) selects the
        schema through ``search_path``. Raises DatabaseUrlError (E402),
        DatabaseUnreachableError (E400) or MigrationError (E401, schema not at head).
        ``cache_conversations=n`` keeps the last n conversations this process saved in
        memory, so a message reads nothing before it is processed; only for a database that
        this process alone writes (``ConversationCache``). ``timeout_s`` bounds every wait
        for the database (connect, pool, each statement, each call as a whole): past it a
        call raises DatabaseTimeoutError (E408, 503 with Retry-After); None: unbounded.
        """
        resolved = resolve_url(url)
        if upgrade:
            await migrate(resolved, schema=schema)
        engine = make_engine(resolved, schema=schema, timeout_s=timeout_s)
        try:
            async with translated_errors(resolved, detailed=True), engine.connect() as conn:
                if check_schema:
                    await conn.run_sync(check_revision)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, resolved, clock=clock, cache_conversations=cache_conversations,
                   timeout_s=timeout_s)

    async def close(self) -> None:
        """Close every pooled connection; the object cannot be used afterwards."""
        await self._close_writer()
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"Storage({display_url(self._url)!r})"

    @asynccontextmanager
    async def conversation_lock(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold while reading, processing and saving one message of a conversation.

        An ``asyncio.Lock`` per conversation id, in this process only (the dict drops a lock
        once nobody holds or waits for it). Across processes, pass ``expected_version`` to
        ``save_turn``: a concurrent change then raises ConversationConflictError (E403).
        """
        async with self._locks.hold(conversation_id):
            yield
