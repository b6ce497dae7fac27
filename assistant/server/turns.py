"""One message of a conversation, end to end, and one timer firing.

Under the conversation's lock: read the conversation, split the text into clauses and parse
them (the NLU backend), let the dialogue engine decide (its device calls are audited as they
happen), then store the turn and the new state in one transaction, before the caller answers;
only then tell the conversation's subscribers (``events``): its actions, then its replies.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assistant.server import context
from assistant.server._body import check_text
from assistant.server.auth import hidden, may_continue
from assistant.server.dialogue import jsonable, split, state_from
from assistant.server.events import Draft, EventType
from assistant.server.executor import ServerExecutor, timer_info, timer_name
from assistant.server.services import Services
from assistant.storage import ConversationRecord, NewTurn, TimerRecord, TimerState

logger = logging.getLogger(__name__)
DIALOGUE = "dialogue"  # conversation.context keys
PENDING = "pending_replies"


@dataclass(frozen=True)
class TurnOutcome:
    conversation_id: str
    turn: int
    replies: list[str]
    nlu: list[dict[str, Any]]
    actions: list[Any]
    pending_replies: list[dict[str, Any]] = field(default_factory=list)


async def handle_message(
    services: Services,
    text: str,
    *,
    conversation_id: str | None,
    channel: str,
    sender: str,
    requested_by: str,
    owner: str,
    request_id: str | None = None,
) -> TurnOutcome:
    """One message; a conversation another principal started is E404, as if there were
    none (``owner``: the principal's id, stored on a new conversation)."""
    started = time.perf_counter()
    check_text(text, services.settings.max_text_chars)  # E302 empty, E301 too long
    backend = services.nlu.get()  # E200 / E707 before anything is written
    engine = services.dialogue.get()
    services.resolver.get()
    cid = conversation_id or uuid.uuid4().hex
    context.conversation_id.set(cid)
    async with services.storage.conversation_lock(cid):
        conv = await services.storage.get_or_create_conversation(
            cid, channel=channel, sender=sender[:128], owner=owner)
        if not may_continue(owner, conv.owner):
            raise hidden(cid)
        whole = await backend.parse(text)
        clauses = split(text, whole.entities)
        parses = [whole] if len(clauses) == 1 else await backend.parse_batch(clauses)
        executor = ServerExecutor(services, conversation_id=cid, requested_by=requested_by)
        result = await engine.handle_turn(parses, state_from(conv.context.get(DIALOGUE)),
                                          executor, raw_text=text)
        replies = list(result.replies)
        actions = jsonable(list(result.actions))
        nlu = [p.to_dict() for p in parses]
        pending = list(conv.context.get(PENDING, []))
        saved = await services.storage.save_turn(
            cid,
            NewTurn(text=text, nlu={"clauses": nlu}, replies=replies,
                    actions=[{"dialogue": actions, "device_calls": executor.calls}],
                    request_id=request_id,
                    latency_ms=round((time.perf_counter() - started) * 1000, 1)),
            new_state=result.state.label, new_slots=jsonable(result.state.slots),
            new_context={**conv.context, DIALOGUE: result.state.to_dict(), PENDING: []},
            expected_version=conv.version,
        )
        _publish(services, cid, saved.turn.index, executor.events, replies)
    logger.info("turn %d: %d clause(s) -> %s", saved.turn.index, len(clauses),
                result.state.label)
    return TurnOutcome(cid, saved.turn.index, replies, nlu, actions, pending)


async def fire_timer(services: Services, timer: TimerRecord) -> bool:
    """Mark the timer fired (once, even with two schedulers); let the dialogue answer; store
    that answer as a turn and as a pending reply of the conversation; then tell the
    conversation's subscribers."""
    if not await services.storage.set_timer_state(timer.id, TimerState.FIRED):
        return False
    cid = timer.conversation_id
    if cid is None:
        logger.info("timer %s fired (no conversation)", timer.name)
        services.events.publish_home(EventType.TIMER, {
            "event": "fired", "timer_id": timer.id, "name": timer_name(timer)})
        return True
    token = context.conversation_id.set(cid)
    try:
        engine = await services.dialogue.wait()
        async with services.storage.conversation_lock(cid):
            conv = await _conversation(services, cid)
            if conv is None:
                return True
            executor = ServerExecutor(services, conversation_id=cid,
                                      requested_by=f"timer:{timer.id}")
            info = timer_info(timer)
            result = await engine.timer_fired(state_from(conv.context.get(DIALOGUE)), info)
            replies = list(result.replies)
            now = datetime.now(UTC).isoformat()
            pending = list(conv.context.get(PENDING, [])) + [
                {"text": r, "timer_id": timer.id, "created_at": now} for r in replies]
            saved = await services.storage.save_turn(
                cid,
                NewTurn(text="", nlu={"event": "timer_fired", "timer": jsonable(info)},
                        replies=replies,
                        actions=[{"dialogue": jsonable(list(result.actions)),
                                  "device_calls": executor.calls}]),
                new_state=result.state.label, new_slots=jsonable(result.state.slots),
                new_context={**conv.context, DIALOGUE: result.state.to_dict(),
                             PENDING: pending},
            )
            fired = Draft(EventType.TIMER, {"event": "fired", "timer_id": timer.id,
                                            "name": timer_name(timer)})
            _publish(services, cid, saved.turn.index, [fired, *executor.events], replies,
                     timer_id=timer.id)
        logger.info("timer %s fired: %s", timer.id, " ".join(replies))
        return True
    finally:
        context.conversation_id.reset(token)


def _publish(services: Services, cid: str, turn: int, drafts: list[Draft],
             replies: list[str], **extra: Any) -> None:
    """A stored turn's events, in order: what it did, then what it said."""
    services.events.publish_all(cid, [
        *(Draft(d.type, {**d.payload, "turn": turn}) for d in drafts),
        *(Draft(EventType.REPLY, {"text": r, "turn": turn, **extra}) for r in replies)])


async def _conversation(services: Services, cid: str) -> ConversationRecord | None:
    from assistant.storage.errors import ConversationNotFoundError

    try:
        return await services.storage.get_conversation(cid)
    except ConversationNotFoundError:
        logger.info("timer for deleted conversation %s", cid)
        return None
