"""The edge of every request, outermost first:

1. ``request_ids``: X-Request-ID in (when well-formed) or a new one; echoed on every response
   and set in the logging context.
2. ``errors``: every failure becomes ``{"error": {"code", "message", "hint", "request_id"}}``
   with the error's HTTP status. Unexpected exceptions are logged and become 500 / E000; the
   only ``except Exception`` of the server is here.
3. ``guard``: body size (E706, 413), too many wrong keys from the address (E722, 429), API
   key (E704, 401), the route's scope (E723, 403), rate limit (E705, 429 + Retry-After).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from assistant.errors import AssistantError
from assistant.server import context
from assistant.server.auth import LOCAL, Principal
from assistant.server.errors import (
    ApiError,
    BodyTooLargeError,
    MethodNotAllowedError,
    MissingScopeError,
    NotReadyError,
    RateLimitedError,
    RouteNotFoundError,
    error_body,
)
from assistant.server.keys import ACCESS, LIMITER, PUBLIC_PATHS, ROUTE_SCOPES, SETTINGS
from assistant.server.ratelimit import retry_after_header

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID_HEADER = "X-Request-ID"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REQUEST_ID = web.RequestKey("request_id", str)
CLIENT = web.RequestKey("client", str)  # "key:<id>" or "local:<address>": the rate limit's
PRINCIPAL = web.RequestKey("principal", Principal)  # who asks: a key, or local


def json_error(exc: AssistantError, request_id: str | None,
               headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(error_body(exc, request_id), status=exc.status,
                             headers=headers or None)


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    rid = given if _GOOD_ID.match(given) else uuid.uuid4().hex
    request[REQUEST_ID] = rid
    token = context.request_id.set(rid)
    conv_token = context.conversation_id.set(None)
    try:
        response = await handler(request)
        response.headers[REQUEST_ID_HEADER] = rid
        return response
    finally:
        context.conversation_id.reset(conv_token)
        context.request_id.reset(token)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request.get(REQUEST_ID)
    try:
        return await handler(request)
    except AssistantError as exc:
        if exc.status >= 500 and not isinstance(exc, NotReadyError):
            logger.warning("%s %s -> %s %s", request.method, request.path, exc.code, exc.message)
        return json_error(exc, rid, getattr(exc, "headers", None))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        coded = _from_http(exc, request)
        return json_error(coded, rid, coded.headers)
    except Exception:
        logger.exception("unexpected error in %s %s", request.method, request.path)
        unexpected = AssistantError(
            "unexpected server error", hint=f"report it with the request id {rid}")
        return json_error(unexpected, rid)


def _from_http(exc: web.HTTPException, request: web.Request) -> ApiError:
    if isinstance(exc, web.HTTPNotFound):
        return RouteNotFoundError(f"no route {request.method} {request.path}",
                                  hint="see /api/openapi.json for the routes")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exc.allowed_methods))
        return MethodNotAllowedError(f"{request.method} is not allowed on {request.path}",
                                     hint=f"use {allowed}", headers={"Allow": allowed})
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return _too_large(request.app[SETTINGS].max_body_bytes)
    # the status's phrase only: aiohttp's text can carry internals (parser state, paths)
    logger.info("%s %s -> %s %s", request.method, request.path, exc.status, exc.text)
    error = ApiError(f"{exc.status} {exc.reason}",
                     hint="check the request against /api/openapi.json")
    error.status = exc.status
    return error


def _too_large(limit: int) -> BodyTooLargeError:
    return BodyTooLargeError(f"the request body is over the limit of {limit} bytes",
                             hint="send a shorter message")


QUERY_TOKEN_PREFIXES = ("/webhooks/", "/model/")  # Rasa clients send ?token=


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    route = request.match_info.route.resource
    canonical = route.canonical if route is not None else None
    if canonical in request.app[PUBLIC_PATHS]:
        return await handler(request)
    length = request.content_length
    if length is not None and length > settings.max_body_bytes:
        raise _too_large(settings.max_body_bytes)
    address = request.remote or "-"
    principal = request.app[ACCESS].principal(address, _given_key(request))  # E722, E704
    scope = request.app[ROUTE_SCOPES].get(request.match_info.route.name or "")
    if scope is not None and not principal.allows(scope):
        raise MissingScopeError(f"this API key lacks the scope {scope!r}",
                                hint=f"use a key with the scope {scope} (`assistant keys "
                                     f"create --scopes {scope}`)")
    request[PRINCIPAL] = principal
    client = f"local:{address}" if principal is LOCAL else principal.id
    request[CLIENT] = client
    wait = request.app[LIMITER].take(client)
    if wait > 0:
        raise RateLimitedError(
            f"more than {settings.rate_limit_per_minute} requests a minute from this client",
            hint=f"retry after {retry_after_header(wait)} s",
            headers={"Retry-After": retry_after_header(wait)})
    return await handler(request)


def _given_key(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    if request.headers.get("X-API-Key"):
        return request.headers["X-API-Key"].strip()
    if request.path.startswith(QUERY_TOKEN_PREFIXES):
        return request.query.get("token", "")
    return ""
