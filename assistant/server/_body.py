"""Read a JSON request body into a pydantic model, with a coded error for each way it fails."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from assistant.errors import EmptyTextError, InvalidTextError, TextTooLongError
from assistant.server.errors import InvalidJsonError, RequestValidationError

M = TypeVar("M", bound=BaseModel)


async def read_model(request: web.Request, model: type[M]) -> M:
    """The body as ``model``: E300 (not UTF-8), E702 (not JSON), E703 (fields, all listed).

    A body over the size limit raises aiohttp's 413, which the error middleware codes E706.
    """
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidTextError(f"the request body is not valid UTF-8 (byte {exc.start})",
                               hint="encode the JSON body as UTF-8") from None
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise InvalidJsonError(f"the request body is not valid JSON: {exc}",
                               hint="send a JSON object, e.g. {\"text\": \"turn on the light\"}"
                               ) from None
    if not isinstance(data, dict):
        raise InvalidJsonError(f"the request body must be a JSON object, got {type(data).__name__}",
                               hint="wrap the fields in an object: {\"text\": ...}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [{"field": ".".join(map(str, e["loc"])) or "<body>", "problem": e["msg"],
                     "type": e["type"]} for e in exc.errors()]
        listed = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        fields = ", ".join(f for f in model.model_fields)
        raise RequestValidationError(f"{len(problems)} invalid field(s): {listed}",
                                     hint=f"the body takes: {fields}", details=problems) from None


def check_text(text: str, limit: int) -> str:
    """E302 for empty text, E301 (413) over ``limit`` characters."""
    if not text.strip():
        raise EmptyTextError("text is empty", hint="send a non-empty utterance")
    if len(text) > limit:
        raise TextTooLongError(f"text is {len(text)} characters, the limit is {limit}",
                               hint="split it into shorter messages")
    return text
