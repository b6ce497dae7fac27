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


def error_body(exc: AssistantError, request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = exc.to_dict()
    if request_id:
        body["request_id"] = request_id
    details = getattr(exc, "details", None)
    if details:
        body["details"] = details
    return {"error": body}
