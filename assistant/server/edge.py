"""The HTTP edge that a web page or a malformed client meets first.

- ``edge`` (middleware, inside ``errors``): the Host header (DNS rebinding) and the browser
  Origin are checked against ``EdgePolicy``, a foreign one is refused (E713 / E714, 403);
  CORS preflights are answered for allowed origins only; a body on a route must be
  ``application/json`` (E712, 415), which no HTML form and no "simple" cross-site request
  can send. A path with NUL or undecodable bytes is refused (E718).
- ``secure_headers`` (``on_response_prepare``): security headers on every response, CORS
  headers for allowed origins, and a ``Server`` header without versions.
- ``EdgeRunner``: an ``AppRunner`` whose connections answer what aiohttp's parser rejects
  (a URL over ``MAX_URL_BYTES``: E716 / 414; headers over the limits: E717 / 431; any other
  malformed message: E718 / 400) with the same coded JSON instead of plain text.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web, web_protocol
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.web_request import BaseRequest
from yarl import URL

from assistant.config import LOOPBACK_NAMES, Settings
from assistant.errors import AssistantError
from assistant.server.errors import (
    ApiError,
    BadHttpRequestError,
    HeadersTooLargeError,
    HostNotAllowedError,
    OriginNotAllowedError,
    UnsupportedMediaTypeError,
    UrlTooLongError,
    error_body,
)

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SERVER_NAME = "homeassist"  # the Server header: no framework or Python version
MAX_URL_BYTES = 4096  # the request line; the routes' URLs are under 200 bytes
MAX_FIELD_BYTES = 8190  # one header (name and value), aiohttp's default
MAX_HEADERS = 64
LINGER_S = 1.0  # after an early answer, how long unread body is drained before closing
# NUL, and the surrogates that aiohttp decodes undecodable bytes to (surrogateescape)
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
ALLOWED_HEADERS = "Authorization, Content-Type, X-API-Key, X-Request-ID"
EXPOSED_HEADERS = "X-Request-ID, Retry-After"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass(frozen=True)
class EdgePolicy:
    """Which Host names and browser origins may reach the API (from the settings)."""

    hosts: frozenset[str]  # lower-case names and addresses (no port, no brackets)
    origins: frozenset[str]  # "scheme://host[:port]", lower-case
    any_host: bool  # allowed_hosts holds "*"
    any_address: bool  # bound to a wildcard: any IP literal is a fine Host

    @classmethod
    def from_settings(cls, settings: Settings) -> EdgePolicy:
        bound = settings.host.strip("[]").lower()
        hosts = set(LOOPBACK_NAMES) | {h.strip("[]").lower() for h in settings.allowed_hosts}
        if bound not in WILDCARD_HOSTS:
            hosts.add(bound)
        return cls(hosts=frozenset(hosts - {"*"}),
                   origins=frozenset(o.rstrip("/").lower() for o in settings.allowed_origins),
                   any_host="*" in settings.allowed_hosts,
                   any_address=bound in WILDCARD_HOSTS)

    def host_allowed(self, header: str) -> bool:
        name = _host_name(header)
        if name is None:
            return False
        return self.any_host or self._known(name) or (self.any_address and _is_ip(name))

    def origin_allowed(self, origin: str) -> bool:
        """An origin of the list, or an http(s) page served from a loopback or the bound
        host (any port). ``null`` (sandboxed frames, files) is never allowed."""
        normal = origin.rstrip("/").lower()
        if normal in self.origins:
            return True
        try:
            url = URL(normal)
        except ValueError:
            return False
        if url.scheme not in ("http", "https") or not url.host or url.path not in ("", "/"):
            return False
        return self._known(url.host.strip("[]").rstrip("."))

    def _known(self, name: str) -> bool:
        if name in self.hosts:
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False


POLICY = web.AppKey("edge_policy", EdgePolicy)


def _host_name(header: str) -> str | None:
    """``example.com`` of ``Example.COM.:8080``, ``::1`` of ``[::1]:80``; None if malformed."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        rest = value[end + 1:]
        if end < 0 or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        return value[1:end]
    name, colon, port = value.rpartition(":")
    if not colon:
        name = value
    elif not port.isdigit():
        return None
    name = name.rstrip(".")
    return name or None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    policy = request.app[POLICY]
    host = request.headers.get("Host")
    if host is not None and not policy.host_allowed(host):
        raise HostNotAllowedError(
            f"the Host {host[:100]!r} is not one this assistant answers to",
            hint="call it by a loopback address or name, or add the name to allowed_hosts "
                 "(ASSISTANT_ALLOWED_HOSTS)")
    origin = request.headers.get("Origin")
    if origin is not None and not policy.origin_allowed(origin):
        raise OriginNotAllowedError(
            f"requests from the web page origin {origin[:100]!r} are not allowed",
            hint="a web page may call the assistant only from an origin listed in "
                 "allowed_origins (ASSISTANT_ALLOWED_ORIGINS)")
    if _BAD_TEXT.search(request.path):
        raise BadHttpRequestError("the path holds NUL or bytes that are not UTF-8",
                                  hint="percent-encode UTF-8 text; ids take letters, digits "
                                       "and ._:@-")
    for name, value in request.headers.items():
        if _BAD_TEXT.search(value):
            raise BadHttpRequestError(f"the header {name[:60]!r} holds bytes that are not UTF-8",
                                      hint="send header values as ASCII (or UTF-8)")
    route_error = request.match_info.http_exception
    if request.method == "OPTIONS" and origin is not None \
            and "Access-Control-Request-Method" in request.headers \
            and isinstance(route_error, web.HTTPMethodNotAllowed):
        return _preflight(origin, route_error.allowed_methods)
    if route_error is None and request.method in BODY_METHODS:
        _check_json_body(request)
    return await handler(request)


def _preflight(origin: str, methods: set[str]) -> web.Response:
    return web.Response(status=204, headers={
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(sorted(methods)),
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    })


def _check_json_body(request: web.Request) -> None:
    given = request.headers.get("Content-Type")
    charset = (request.charset or "utf-8").lower()
    if given is not None and request.content_type == "application/json" \
            and charset in ("utf-8", "utf8"):
        return
    shown = "none" if given is None else repr(given[:100])
    raise UnsupportedMediaTypeError(
        f"the body must be JSON sent as Content-Type: application/json, got {shown}",
        hint="send the header `Content-Type: application/json` (UTF-8)")


async def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every response the app sends goes through here."""
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault("Cache-Control", "no-store")
    headers["Server"] = SERVER_NAME
    origin = request.headers.get("Origin")
    if origin is not None and request.app[POLICY].origin_allowed(origin):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        vary = headers.get("Vary", "")
        if "origin" not in vary.lower():
            headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
    if headers.get("Connection", "").lower() == "close":
        response.force_close()


def install(app: web.Application, settings: Settings) -> None:
    """Add the edge's policy and its response hook to ``app`` (the middleware is listed in
    ``create_app``)."""
    app[POLICY] = EdgePolicy.from_settings(settings)
    app.on_response_prepare.append(secure_headers)


# -- what aiohttp's parser rejects, before any middleware ---------------------------------


class EdgeRequestHandler(web_protocol.RequestHandler):
    """A connection that answers malformed requests with the API's coded JSON errors."""

    def handle_error(self, request: BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if request.writer.output_size > 0:  # the answer has begun: nothing more to say
            return super().handle_error(request, status, exc, message)
        error: AssistantError
        if status >= 500:
            logger.error("unexpected error handling a request from %s", request.remote,
                         exc_info=exc)
            error = AssistantError("unexpected server error",
                                   hint="report it with the request id of this answer")
        else:
            error = self._coded(exc)
            logger.info("refused a malformed request from %s: %s %s", request.remote,
                        error.code, exc)
        rid = uuid.uuid4().hex
        response = web.json_response(error_body(error, rid), status=error.status,
                                     headers={**SECURITY_HEADERS, "Cache-Control": "no-store",
                                              "Server": SERVER_NAME, "X-Request-ID": rid})
        response.force_close()
        return response

    def _coded(self, exc: BaseException | None) -> ApiError:
        if isinstance(exc, LineTooLong):
            limit = exc.args[1] if len(exc.args) > 1 else None
            if limit == self.max_line_size and limit != self.max_field_size:
                return UrlTooLongError(f"the request line is over {limit} bytes",
                                       hint="send long values in a JSON body, not the URL")
            return HeadersTooLargeError(f"a request header is over {limit} bytes",
                                        hint=f"keep each header under {limit} bytes")
        if isinstance(exc, BadHttpMessage) and "too many headers" in str(exc).lower():
            return HeadersTooLargeError(f"more than {self.max_headers} request headers",
                                        hint="send fewer headers")
        return BadHttpRequestError("the HTTP request is malformed",
                                   hint="send a well-formed HTTP/1.1 request")


class _EdgeServer(web.Server):
    def __call__(self) -> EdgeRequestHandler:
        return EdgeRequestHandler(self, loop=self._loop, **self._kwargs)


class EdgeRunner(web.AppRunner):
    """``web.AppRunner`` with ``EdgeRequestHandler`` connections and the edge's limits."""

    def __init__(self, app: web.Application, settings: Settings, **kwargs: Any) -> None:
        limits: dict[str, Any] = {
            "keepalive_timeout": settings.idle_timeout_s, "lingering_time": LINGER_S,
            "max_line_size": MAX_URL_BYTES, "max_field_size": MAX_FIELD_BYTES,
            "max_headers": MAX_HEADERS}
        super().__init__(app, **{**limits, **kwargs})

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp has no hook for the parser's error answers (aio-libs/aiohttp#3287): the
        # app's server, with connections of the subclass above
        server.__class__ = _EdgeServer
        return server
