"""``POST /api/v1/messages``, ``GET /api/v1/conversations/{id}`` and Rasa's REST webhook."""

from __future__ import annotations

import hashlib
import re

from aiohttp import web

from assistant.server._body import read_model
from assistant.server.auth import hidden, may_read
from assistant.server.errors import RequestValidationError
from assistant.server.executor import timer_name
from assistant.server.keys import SERVICES
from assistant.server.middleware import CLIENT, PRINCIPAL, REQUEST_ID
from assistant.server.schemas import (
    ConversationResponse,
    MessageRequest,
    MessageResponse,
    RasaWebhookRequest,
    TimerOut,
    TurnOut,
)
from assistant.server.turns import DIALOGUE, PENDING, handle_message

_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
TURNS_SHOWN = 50


async def post_message(request: web.Request) -> web.Response:
    body = await read_model(request, MessageRequest)
    services = request.app[SERVICES]
    client = request[CLIENT]
    outcome = await handle_message(
        services, body.text, conversation_id=body.conversation_id, channel="api",
        sender=client, requested_by=client, owner=request[PRINCIPAL].id,
        request_id=request.get(REQUEST_ID))
    out = MessageResponse(conversation_id=outcome.conversation_id, turn=outcome.turn,
                          replies=outcome.replies, nlu=outcome.nlu,  # type: ignore[arg-type]
                          actions=outcome.actions,
                          pending_replies=outcome.pending_replies)  # type: ignore[arg-type]
    return web.json_response(out.model_dump(mode="json"))


async def rasa_webhook(request: web.Request) -> web.Response:
    """Rasa's REST channel: ``{"sender", "message"}`` -> ``[{"recipient_id", "text"}]``.
    The sender names the conversation; timer replies waiting for it come first."""
    body = await read_model(request, RasaWebhookRequest)
    services = request.app[SERVICES]
    outcome = await handle_message(
        services, body.message, conversation_id=sender_conversation(body.sender),
        channel="rest", sender=body.sender, requested_by=f"rest:{body.sender}"[:128],
        owner=request[PRINCIPAL].id, request_id=request.get(REQUEST_ID))
    texts = [p["text"] for p in outcome.pending_replies] + outcome.replies
    return web.json_response([{"recipient_id": body.sender, "text": t} for t in texts])


def sender_conversation(sender: str) -> str:
    """The conversation id of a Rasa sender: the sender itself when it is a valid id."""
    if _ID.match(sender):
        return sender
    return "sender-" + hashlib.sha256(sender.encode()).hexdigest()[:32]


async def get_conversation(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    cid = request.match_info["conversation_id"]
    if not _ID.fullmatch(cid):
        raise RequestValidationError(
            f"{cid[:80]!r} is not a conversation id",
            hint="conversation ids take 1-64 letters, digits and ._:@-",
            details=[{"field": "conversation_id", "problem": "not a conversation id",
                      "type": "string_pattern_mismatch"}])
    conv = await services.storage.get_conversation(cid)  # E404 when unknown
    if not may_read(request[PRINCIPAL], conv.owner):
        raise hidden(cid)  # someone else's: as if there were none
    turns = await services.storage.list_turns(cid, last=TURNS_SHOWN)
    timers = await services.storage.list_timers(cid)
    out = ConversationResponse(
        id=conv.id, channel=conv.channel, sender=conv.sender, state=conv.state,
        slots=conv.slots, dialogue=conv.context.get(DIALOGUE) or {}, version=conv.version,
        turn_count=conv.turn_count, created_at=conv.created_at, updated_at=conv.updated_at,
        turns=[TurnOut(index=t.index, created_at=t.created_at, text=t.text,
                       state_before=t.state_before, state_after=t.state_after,
                       slots_after=t.slots_after, replies=list(t.replies),
                       actions=list(t.actions), nlu=t.nlu, request_id=t.request_id,
                       latency_ms=t.latency_ms) for t in turns],
        timers=[TimerOut(id=t.id, name=timer_name(t) or t.name, duration_s=t.duration_s,
                         fires_at=t.fires_at, state=t.state.value) for t in timers],
        pending_replies=conv.context.get(PENDING, []),
    )
    return web.json_response(out.model_dump(mode="json"))
