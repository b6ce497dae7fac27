"""Conversations and their turns: the dialogue state that must survive a restart."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from assistant.storage._base import StoreBase, check_text, insert_for
from assistant.storage.errors import ConversationConflictError, ConversationNotFoundError
from assistant.storage.models import Conversation, Turn
from assistant.storage.records import ConversationRecord, NewTurn, SavedTurn, TurnRecord


class ConversationCache:
    """The last ``size`` conversations this process saved, so a turn needs no read.

    Only for a database that one server process writes: ``save_turn`` still checks the
    version, so a change made elsewhere surfaces as E403 (and drops the entry), but the turn
    was then decided on the stale state. ``Storage.open(..., cache_conversations=0)`` is off.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._records: OrderedDict[str, ConversationRecord] = OrderedDict()

    def get(self, cid: str) -> ConversationRecord | None:
        record = self._records.get(cid)
        if record is None:
            return None
        self._records.move_to_end(cid)
        return _copied(record)

    def put(self, record: ConversationRecord) -> None:
        self._records[record.id] = _copied(record)
        self._records.move_to_end(record.id)
        while len(self._records) > self._size:
            self._records.popitem(last=False)

    def drop(self, cid: str) -> None:
        self._records.pop(cid, None)


class ConversationStore(StoreBase):
    _cache: ConversationCache | None = None

    async def get_or_create_conversation(
        self,
        conversation_id: str | None,
        *,
        channel: str,
        sender: str,
        initial_state: str = "start",
        owner: str | None = None,
    ) -> ConversationRecord:
        """The conversation ``conversation_id``, created if missing (a new uuid when None).

        An existing conversation is returned as stored, whatever ``channel``/``sender``/
        ``owner`` say: deciding who may continue a conversation is the server's job.
        """
        cid = uuid.uuid4().hex if conversation_id is None else conversation_id
        check_text("conversation id", cid, 64)
        check_text("channel", channel, 32)
        check_text("sender", sender, 128)
        check_text("state", initial_state, 128)
        if owner is not None:
            check_text("owner", owner, 128)
        if conversation_id is not None and self._cache:
            cached = self._cache.get(cid)
            if cached is not None:
                return cached  # a miss is most likely a new one: straight to the insert
        elif conversation_id is not None:
            async with self._transaction() as session:
                row = await session.get(Conversation, cid)
                if row is not None:
                    return _conversation(row)
        values = {"id": cid, "created_at": self._now(), "channel": channel, "sender": sender,
                  "state": initial_state, "slots": {}, "context": {}, "version": 0,
                  "turn_count": 0, "owner": owner}
        return self._remember(await self._write(_create, values))

    async def get_conversation(self, conversation_id: str) -> ConversationRecord:
        """The stored conversation; raises ConversationNotFoundError (E404) if there is none."""
        async with self._transaction() as session:
            return _conversation(await _get(session, conversation_id))

    async def list_conversations(
        self, *, channel: str | None = None, sender: str | None = None, limit: int = 50
    ) -> list[ConversationRecord]:
        """Most recently updated first."""
        query = select(Conversation).order_by(Conversation.updated_at.desc()).limit(limit)
        if channel is not None:
            query = query.where(Conversation.channel == channel)
        if sender is not None:
            query = query.where(Conversation.sender == sender)
        async with self._transaction() as session:
            return [_conversation(row) for row in (await session.scalars(query))]

    async def update_conversation(
        self,
        conversation_id: str,
        *,
        state: str | None = None,
        slots: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> ConversationRecord:
        """Change state/slots/context without a turn (a reset, a timer firing); None keeps."""
        if state is not None:
            check_text("state", state, 128)
        async with self._transaction(write=True) as session:
            row = await _get(session, conversation_id, for_update=True)
            _check_version(row, expected_version)
            if state is not None:
                row.state = state
            if slots is not None:
                row.slots = dict(slots)
            if context is not None:
                row.context = dict(context)
            row.version += 1
            row.updated_at = self._now()
            await session.flush()
            return self._remember(_conversation(row))

    async def delete_conversation(self, conversation_id: str) -> bool:
        """Delete it with its turns (audit rows and timers keep a NULL conversation id)."""
        if self._cache:
            self._cache.drop(conversation_id)
        async with self._transaction(write=True) as session:
            result = await session.execute(
                delete(Conversation).where(Conversation.id == conversation_id)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def save_turn(
        self,
        conversation_id: str,
        turn: NewTurn,
        *,
        new_state: str,
        new_slots: Mapping[str, Any],
        new_context: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> SavedTurn:
        """Store one turn and the conversation's new state in ONE transaction.

        It returns after the commit, so the turn is durable before the reply leaves. The
        turn's ``state_before``/``slots_before`` are the stored values, its index the next one.
        ``new_context=None`` keeps the context. With ``expected_version`` (the version the
        caller read) a concurrent change raises ConversationConflictError (E403) and nothing
        is written. Hold ``conversation_lock(conversation_id)`` around read-process-save.
        """
        check_text("state", new_state, 128)
        cached = self._cache.get(conversation_id) if self._cache else None
        if cached is not None and expected_version not in (None, cached.version):
            cached = None
        try:
            saved = await self._write(_save_turn, conversation_id, turn, cached, new_state,
                                      new_slots, new_context, expected_version, self._now())
        except BaseException:
            if self._cache:
                self._cache.drop(conversation_id)
            raise
        self._remember(saved.conversation)
        return saved

    def _remember(self, record: ConversationRecord) -> ConversationRecord:
        if self._cache:
            self._cache.put(record)
        return record

    async def list_turns(
        self, conversation_id: str, *, last: int | None = None
    ) -> list[TurnRecord]:
        """The turns in index order; ``last=n`` keeps only the n most recent. E404 if missing."""
        query = select(Turn).where(Turn.conversation_id == conversation_id)
        async with self._transaction() as session:
            await _get(session, conversation_id)
            if last is not None:
                query = query.order_by(Turn.turn_index.desc()).limit(last)
                rows = list(await session.scalars(query))[::-1]
            else:
                rows = list(await session.scalars(query.order_by(Turn.turn_index)))
            return [_turn(row) for row in rows]


def _create(conn: Connection, values: dict[str, Any]) -> ConversationRecord:
    """Insert unless it exists (two first messages racing to create one id both win)."""
    table = Conversation.__table__
    conn.execute(insert_for(conn.dialect.name)(table).values(updated_at=values["created_at"], **values)
                 .on_conflict_do_nothing(index_elements=["id"]))
    row = conn.execute(select(table).where(table.c.id == values["id"])).mappings().one()
    return _conversation(_Row(row))


def _save_turn(conn: Connection, cid: str, turn: NewTurn, before: ConversationRecord | None,
               new_state: str, new_slots: Mapping[str, Any],
               new_context: Mapping[str, Any] | None, expected_version: int | None,
               now: datetime) -> SavedTurn:
    """``save_turn``'s transaction, in Core statements (it runs on every message).
    ``before`` is the cached record, or None to read it here."""
    table, turns = Conversation.__table__, Turn.__table__
    slots_after = dict(new_slots)
    while True:
        if before is None:
            found = conn.execute(
                select(table).where(table.c.id == cid).with_for_update()).mappings().first()
            if found is None:
                raise _not_found(cid)
            before = _conversation(_Row(found))
            _check_version(before, expected_version)
        context = before.context if new_context is None else dict(new_context)
        changed = conn.execute(
            update(table)
            .where(table.c.id == cid, table.c.version == before.version)
            .values(state=new_state, slots=slots_after, context=context,
                    version=before.version + 1, turn_count=before.turn_count + 1,
                    updated_at=now))
        if changed.rowcount == 1:
            break
        before = None  # the cached record is stale (another process wrote): read it again
    values = {"conversation_id": cid, "turn_index": before.turn_count, "created_at": now,
              "text": turn.text, "nlu": dict(turn.nlu), "state_before": before.state,
              "state_after": new_state, "slots_before": before.slots,
              "slots_after": slots_after, "replies": list(turn.replies),
              "actions": list(turn.actions), "request_id": turn.request_id,
              "latency_ms": turn.latency_ms}
    turn_id = conn.execute(insert(turns).values(**values).returning(turns.c.id)).scalar_one()
    after = ConversationRecord(
        id=cid, channel=before.channel, sender=before.sender, state=new_state,
        slots=copy.deepcopy(slots_after), context=copy.deepcopy(context),
        version=before.version + 1, turn_count=before.turn_count + 1,
        created_at=before.created_at, updated_at=now, owner=before.owner)
    record = TurnRecord(
        id=turn_id, conversation_id=cid, index=before.turn_count, created_at=now,
        text=turn.text, nlu=copy.deepcopy(values["nlu"]), state_before=before.state,
        state_after=new_state, slots_before=copy.deepcopy(before.slots),
        slots_after=copy.deepcopy(slots_after), replies=tuple(copy.deepcopy(values["replies"])),
        actions=tuple(copy.deepcopy(values["actions"])), request_id=turn.request_id,
        latency_ms=turn.latency_ms)
    return SavedTurn(conversation=after, turn=record)


class _Row:
    """A Core row read as the attributes ``_conversation`` expects."""

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self.__dict__.update(mapping)


def _not_found(conversation_id: str) -> ConversationNotFoundError:
    return ConversationNotFoundError(
        f"no conversation {conversation_id!r}",
        hint="start a new conversation (omit the id) or check the id the client sent",
    )


async def _get(session: Any, conversation_id: str, *, for_update: bool = False) -> Conversation:
    row = await session.get(Conversation, conversation_id, with_for_update=for_update or None)
    if row is None:
        raise _not_found(conversation_id)
    return row


def _check_version(row: Conversation | ConversationRecord, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise ConversationConflictError(
            f"conversation {row.id!r} is at version {row.version}, expected {expected}: "
            "another message changed it in between",
            hint="process one message per conversation at a time (conversation_lock), or "
            "reload the conversation and process the message again",
        )


def _conversation(row: Conversation | _Row) -> ConversationRecord:
    return ConversationRecord(
        id=row.id,
        channel=row.channel,
        sender=row.sender,
        state=row.state,
        slots=copy.deepcopy(row.slots),
        context=copy.deepcopy(row.context),
        version=row.version,
        turn_count=row.turn_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        owner=row.owner,
    )


def _copied(record: ConversationRecord) -> ConversationRecord:
    return dataclasses.replace(record, slots=copy.deepcopy(record.slots),
                               context=copy.deepcopy(record.context))


def _turn(row: Turn) -> TurnRecord:
    return TurnRecord(
        id=row.id,
        conversation_id=row.conversation_id,
        index=row.turn_index,
        created_at=row.created_at,
        text=row.text,
        nlu=copy.deepcopy(row.nlu),
        state_before=row.state_before,
        state_after=row.state_after,
        slots_before=copy.deepcopy(row.slots_before),
        slots_after=copy.deepcopy(row.slots_after),
        replies=tuple(copy.deepcopy(row.replies)),
        actions=tuple(copy.deepcopy(row.actions)),
        request_id=row.request_id,
        latency_ms=row.latency_ms,
    )
