"""Pydantic models of the HTTP bodies: validation at the edge and the OpenAPI schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

CONVERSATION_ID = r"^[A-Za-z0-9_.:@-]{1,64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests -----------------------------------------------------------------------------


class MessageRequest(_Strict):
    conversation_id: str | None = Field(
        None, pattern=CONVERSATION_ID,
        description="continue this conversation (created if new); omit to start one")
    text: str = Field(description="what the user said")


class ParseRequest(_Strict):
    text: str


class CommandRequest(_Strict):
    device: str = Field(description="device id from GET /api/v1/devices")
    action: str = Field(description="one of the device's actions, e.g. turn_on")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description='e.g. {"brightness": 40}')
    confirm: str | None = Field(
        None, min_length=1, max_length=64,
        description="for a risky action (unlock, open the garage door): the "
                    "confirmation_token of the 409 answer to the same command")


class RasaWebhookRequest(BaseModel):
    """Rasa's REST channel body; other keys (``metadata``...) are accepted and ignored."""

    sender: str = Field("default", min_length=1, max_length=128)
    message: str


class RasaParseRequest(BaseModel):
    text: str
    message_id: str | None = None


# -- responses ----------------------------------------------------------------------------


class IntentOut(BaseModel):
    name: str
    confidence: float


class EntityOut(BaseModel):
    start: int
    end: int
    text: str
    value: Any
    entity: str
    confidence: float
    parent: int | None = None
    children: list[int] = Field(default_factory=list)
    role: str | None = None
    group: str | None = None


class ParseSourceOut(BaseModel):
    backend: str = Field(description="the NLU backend that answered, e.g. local")
    model_version: str = Field(description="the model that answered (changes with training)")


class ParseOut(BaseModel):
    """Rasa's parse shape, plus nested entities (``parent`` / ``children``) and who answered."""

    text: str
    intent: IntentOut
    entities: list[EntityOut]
    intent_ranking: list[IntentOut]
    source: ParseSourceOut | None = None


class PendingReply(BaseModel):
    text: str
    timer_id: str | None = None
    created_at: str


class MessageResponse(BaseModel):
    conversation_id: str
    turn: int = Field(description="index of the stored turn, 0 for the first message")
    replies: list[str]
    nlu: list[ParseOut] = Field(description="one parse per clause of the message")
    actions: list[dict[str, Any]]
    pending_replies: list[PendingReply] = Field(
        default_factory=list, description="timer replies that fired since the last message")


class CommandResponse(BaseModel):
    device: str
    action: str
    ok: bool
    reply: str
    result: dict[str, Any]


class DeviceOut(BaseModel):
    id: str
    name: str
    room: str
    type: str
    aliases: list[str]
    capabilities: list[str]
    actions: list[str]
    reachable: bool
    state: dict[str, Any] | None
    error: dict[str, Any] | None = None


class DevicesResponse(BaseModel):
    devices: list[DeviceOut]


class TurnOut(BaseModel):
    index: int
    created_at: datetime
    text: str
    state_before: str
    state_after: str
    slots_after: dict[str, Any]
    replies: list[Any]
    actions: list[Any]
    nlu: dict[str, Any]
    request_id: str | None
    latency_ms: float | None


class TimerOut(BaseModel):
    id: str
    name: str
    duration_s: float
    fires_at: datetime
    state: str


class ConversationResponse(BaseModel):
    id: str
    channel: str
    sender: str
    state: str
    slots: dict[str, Any]
    dialogue: dict[str, Any] = Field(description="the dialogue engine's saved state")
    version: int
    turn_count: int
    created_at: datetime
    updated_at: datetime
    turns: list[TurnOut]
    timers: list[TimerOut]
    pending_replies: list[PendingReply]


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    status: str
    checks: dict[str, Any]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable error code, e.g. E703")
    message: str
    hint: str
    request_id: str | None = None
    details: list[Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
    confirmation_token: str | None = Field(
        None, description="409 E724/E725 of POST /api/v1/commands: send the same command "
                          "again with \"confirm\": this token (single use)")
    expires_in_s: int | None = Field(None, description="how long the token is valid")


class RasaMessage(BaseModel):
    recipient_id: str
    text: str


class RasaWebhookResponse(RootModel[list[RasaMessage]]):
    pass
