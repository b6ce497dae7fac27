"""Conversations and their turns: the dialogue state that must survive a restart."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from assistant.storage._base import StoreBase, check_text, insert_for
from assistant.storage.errors import ConversationConflictError, ConversationNotFoundError
from assistant.storage.models import Conversation, Turn
from assistant.storage.records import ConversationRecord, NewTurn, SavedTurn, TurnRecord


class ConversationStore(StoreBase):
    async def get_or_create_conversation(
        self,
        conversation_id: str | None,
        *,
        channel: str,
        sender: str,
        initial_state: str = "start",
    ) -> ConversationRecord:
        """The conversation ``conversation_id``, created if missing (a new uuid when None).

        An existing conversation is returned as stored, whatever ``channel``/``sender`` say:
        deciding who may continue a conversation is the server's job.
        """
        cid = uuid.uuid4().hex if conversation_id is None else conversation_id
        check_text("conversation id", cid, 64)
        check_text("channel", channel, 32)
        check_text("sender", sender, 128)
        check_text("state", initial_state, 128)
        if conversation_id is not None:
            async with self._transaction() as session:
                row = await session.get(Conversation, cid)
                if row is not None:
                    return _conversation(row)
        now = self._now()
        async with self._transaction(write=True) as session:
            # ON CONFLICT DO NOTHING: two first messages racing to create the same id both win.
            await session.execute(
                insert_for(session)(Conversation)
                .values(
                    id=cid,
                    created_at=now,
                    updated_at=now,
                    channel=channel,
                    sender=sender,
                    state=initial_state,
                    slots={},
                    context={},
                    version=0,
                    turn_count=0,
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )
            row = await session.get(Conversation, cid)
            assert row is not None
            return _conversation(row)

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
            return _conversation(row)

    async def delete_conversation(self, conversation_id: str) -> bool:
        """Delete it with its turns (audit rows and timers keep a NULL conversation id)."""
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
        async with self._transaction(write=True) as session:
            row = await _get(session, conversation_id, for_update=True)
            _check_version(row, expected_version)
            now = self._now()
            new_turn = Turn(
                conversation_id=row.id,
                turn_index=row.turn_count,
                created_at=now,
                text=turn.text,
                nlu=dict(turn.nlu),
                state_before=row.state,
                state_after=new_state,
                slots_before=row.slots,
                slots_after=dict(new_slots),
                replies=list(turn.replies),
                actions=list(turn.actions),
                request_id=turn.request_id,
                latency_ms=turn.latency_ms,
            )
            row.state = new_state
            row.slots = dict(new_slots)
            if new_context is not None:
                row.context = dict(new_context)
            row.version += 1
            row.turn_count += 1
            row.updated_at = now
            await session.flush()  # UPDATE conversations (row lock on PostgreSQL)
            session.add(new_turn)
            await session.flush()  # INSERT turns; a failure here rolls back the UPDATE too
            return SavedTurn(conversation=_conversation(row), turn=_turn(new_turn))

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


async def _get(session: Any, conversation_id: str, *, for_update: bool = False) -> Conversation:
    row = await session.get(Conversation, conversation_id, with_for_update=for_update or None)
    if row is None:
        raise ConversationNotFoundError(
            f"no conversation {conversation_id!r}",
            hint="start a new conversation (omit the id) or check the id the client sent",
        )
    return row


def _check_version(row: Conversation, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise ConversationConflictError(
            f"conversation {row.id!r} is at version {row.version}, expected {expected}: "
            "another message changed it in between",
            hint="process one message per conversation at a time (conversation_lock), or "
            "reload the conversation and process the message again",
        )


def _conversation(row: Conversation) -> ConversationRecord:
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
    )


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
