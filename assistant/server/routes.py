"""The route table: the one list that both the router and the OpenAPI document are built from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

from assistant.server import commands, messages, parse, probes
from assistant.server.keys import ACCESS, ROUTE_SCOPES, SETTINGS
from assistant.server.schemas import (
    CommandRequest,
    CommandResponse,
    ConversationResponse,
    DeviceOut,
    DevicesResponse,
    HealthResponse,
    MessageRequest,
    MessageResponse,
    ParseOut,
    ParseRequest,
    RasaParseRequest,
    RasaWebhookRequest,
    RasaWebhookResponse,
    ReadyResponse,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# statuses every guarded route can answer, besides its own
GUARDED_ERRORS = (401, 403, 413, 429, 500)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    operation_id: str
    summary: str
    tag: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False  # no API key, no rate limit (probes, the OpenAPI document)
    scope: str = "admin"  # what the API key needs (assistant/server/auth.py); admin if unset


async def openapi_json(request: web.Request) -> web.Response:
    from assistant.server.openapi import document

    access = request.app[ACCESS]
    keys_required = access.keyring.configured or not access.loopback_only
    return web.json_response(document(ROUTES, version=_version(), api_keys=keys_required,
                                      max_text_chars=request.app[SETTINGS].max_text_chars))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("homeassist")
    except PackageNotFoundError:
        return "0.0.0"


_BODY = (400, 503)
ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/v1/messages", messages.post_message, "postMessage",
          "Send what the user said; get the assistant's replies", "conversations",
          MessageRequest, MessageResponse, (*_BODY, 413), scope="chat"),
    Route("GET", "/api/v1/conversations/{conversation_id}", messages.get_conversation,
          "getConversation", "A conversation's state, slots, turns, timers and pending replies",
          "conversations", None, ConversationResponse, (404,), scope="read"),
    Route("POST", "/api/v1/parse", parse.parse, "parse", "The NLU parse of one text", "nlu",
          ParseRequest, ParseOut, (*_BODY, 413), scope="chat"),
    Route("POST", "/api/v1/commands", commands.post_command, "postCommand",
          "Run one device action without NLU (audited)", "devices", CommandRequest,
          CommandResponse, (400, 404, 409, 422, 502, 503, 504), scope="control"),
    Route("GET", "/api/v1/devices", commands.list_devices, "listDevices",
          "Every device with its live state", "devices", None, DevicesResponse, scope="read"),
    Route("GET", "/api/v1/devices/{device_id}", commands.get_device, "getDevice",
          "One device with its live state", "devices", None, DeviceOut, (404,), scope="read"),
    Route("POST", "/webhooks/rest/webhook", messages.rasa_webhook, "rasaWebhook",
          "Rasa REST channel: {sender, message} -> [{recipient_id, text}]", "rasa",
          RasaWebhookRequest, RasaWebhookResponse, (*_BODY, 413), scope="chat"),
    Route("POST", "/model/parse", parse.rasa_parse, "rasaParse",
          "Rasa HTTP API: the parse of {text}", "rasa", RasaParseRequest, ParseOut,
          (*_BODY, 413), scope="chat"),
    Route("GET", "/health", probes.health, "health", "Liveness: the process answers",
          "operations", None, HealthResponse, public=True),
    Route("GET", "/ready", probes.ready, "ready",
          "Readiness: model loaded, database reachable, simulator up", "operations", None,
          ReadyResponse, (503,), public=True),
    Route("GET", "/api/openapi.json", openapi_json, "openapi", "This document (OpenAPI 3.1)",
          "operations", public=True),
)


def add_routes(app: web.Application, routes: tuple[Route, ...] = ROUTES) -> frozenset[str]:
    """Register every route and its scope (``ROUTE_SCOPES``, by operation id); returns the
    paths that skip the API key and the rate limit."""
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler, name=route.operation_id)
    app[ROUTE_SCOPES] = {r.operation_id: r.scope for r in routes if not r.public}
    return frozenset(r.path for r in routes if r.public)
