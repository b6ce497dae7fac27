"""Errors of the HTTP edge (codes E7xx). The error body is always

    {"error": {"code": "E703", "message": "...", "hint": "...", "request_id": "..."}}

with, where it helps, ``details`` (a list: the invalid fields, the failed readiness checks).
"""

from __future__ import annotations

from typing import Any

from assistant.errors import AssistantError


class ApiError(AssistantError):
    """Root of the errors the server raises itself; ``details`` go into the error body."""

    code = "E799"
    status = 500

    def __init__(self, message: str, *, hint: str = "", details: list[Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.details = details
        self.headers = headers or {}


class InvalidJsonError(ApiError):
    code = "E702"
    status = 400


class RequestValidationError(ApiError):
    """The JSON is fine but its fields are not: ``details`` lists every problem."""

    code = "E703"
    status = 400


class UnauthorizedError(ApiError):
    code = "E704"
    status = 401


class RateLimitedError(ApiError):
    code = "E705"
    status = 429


class BodyTooLargeError(ApiError):
    code = "E706"
    status = 413


class NotReadyError(ApiError):
    code = "E707"
    status = 503


class RouteNotFoundError(ApiError):
    code = "E708"
    status = 404


class MethodNotAllowedError(ApiError):
    code = "E709"
    status = 405


class UnsupportedActionError(ApiError):
    """A structured command names an action the device does not offer."""

    code = "E710"
    status = 422


# -- the HTTP edge (assistant/server/edge.py): refused before any handler runs ---------------


class UnsupportedMediaTypeError(ApiError):
    """A body that is not ``application/json`` (a form or text/plain a web page can send)."""

    code = "E712"
    status = 415


class HostNotAllowedError(ApiError):
    """A Host header outside the allowlist (DNS rebinding)."""

    code = "E713"
    status = 403


class OriginNotAllowedError(ApiError):
    """A browser Origin outside the allowlist (another web site)."""

    code = "E714"
    status = 403


class BodyTimeoutError(ApiError):
    """The body did not arrive in full within ``body_timeout_s``."""

    code = "E715"
    status = 408


class UrlTooLongError(ApiError):
    code = "E716"
    status = 414


class HeadersTooLargeError(ApiError):
    code = "E717"
    status = 431


class BadHttpRequestError(ApiError):
    """The HTTP message itself is malformed (request line, headers, framing)."""

    code = "E718"
    status = 400


class UnsafeValueError(ApiError):
    """JSON the server will not pass on: nested too deep, NUL or lone surrogates in a
    string, NaN / Infinity / a number beyond float range; ``details`` names each field."""

    code = "E719"
    status = 400


# -- access (assistant/server/auth.py, commands.py): keys, scopes, confirmations -------------


class KeysFileError(ApiError):
    """The keys file (``keys_file``) cannot be read or is not a keys file."""

    code = "E720"
    status = 500


class UnknownKeyError(ApiError):
    """``assistant keys revoke`` names a key id that is not in the keys file."""

    code = "E721"
    status = 404


class TooManyKeyFailuresError(ApiError):
    """Too many wrong API keys from one client address: it waits (Retry-After)."""

    code = "E722"
    status = 429


class MissingScopeError(ApiError):
    """The API key lacks the scope the route needs (read, chat, control, admin)."""

    code = "E723"
    status = 403


class ConfirmationRequiredError(ApiError):
    """A risky command (unlock, open the garage) runs only with a confirmation token."""

    code = "E724"
    status = 409


class ConfirmationInvalidError(ApiError):
    """The confirmation token is unknown, expired, used or issued for another command."""

    code = "E725"
    status = 409


class AdminInputError(ApiError):
    """An option of ``assistant keys`` or ``assistant audit`` is not valid (a key name, a
    scope, a time)."""

    code = "E726"
    status = 400


def error_body(exc: AssistantError, request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = exc.to_dict()
    if request_id:
        body["request_id"] = request_id
    details = getattr(exc, "details", None)
    if details:
        body["details"] = details
    return {"error": body}
