"""Read a JSON request body into a pydantic model, with a coded error for each way it fails.

Everything is checked here, before a handler can act on it: a body that arrives too slowly
(E715), is not UTF-8 (E300) or not JSON (E702), holds a value the server will not pass on
(E719: nested deeper than ``MAX_DEPTH``, NUL or a lone surrogate in a string or key, NaN,
Infinity or a number beyond float range), or has invalid fields (E703).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from assistant.errors import EmptyTextError, InvalidTextError, TextTooLongError
from assistant.server.errors import (
    BadHttpRequestError,
    BodyTimeoutError,
    InvalidJsonError,
    RequestValidationError,
    UnsafeValueError,
)
from assistant.server.keys import SETTINGS

M = TypeVar("M", bound=BaseModel)
MAX_DEPTH = 32  # objects and arrays inside each other; real bodies use 3
# NUL (PostgreSQL text cannot hold it) and UTF-16 surrogates (no UTF-8 encoding exists)
UNSAFE_CHARS = re.compile("[\x00\ud800-\udfff]")


class _NonFinite(ValueError):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


async def read_model(request: web.Request, model: type[M]) -> M:
    """The body as ``model``: E715 (too slow), E718 (broken framing), E300 (not UTF-8), E702 (not JSON), E719
    (unsafe values, each field listed), E703 (fields, all listed).

    A body over the size limit raises aiohttp's 413, which the error middleware codes E706.
    """
    timeout = request.app[SETTINGS].body_timeout_s
    try:
        async with asyncio.timeout(timeout):
            raw = await request.read()
    except TimeoutError:
        raise BodyTimeoutError(
            f"the request body did not arrive in full within {timeout:g} s",
            hint="send the whole body at once, with a Content-Length that matches it",
            headers={"Connection": "close"}) from None
    except web.RequestPayloadError:  # broken chunked framing or compression
        raise BadHttpRequestError(
            "the request body is malformed (its chunked encoding or compression)",
            hint="send the JSON body plainly, with a Content-Length that matches it",
            headers={"Connection": "close"}) from None
    data = parse_json(raw)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [{"field": ".".join(map(str, e["loc"])) or "<body>", "problem": e["msg"],
                     "type": e["type"]} for e in exc.errors()]
        listed = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        fields = ", ".join(f for f in model.model_fields)
        raise RequestValidationError(f"{len(problems)} invalid field(s): {listed}",
                                     hint=f"the body takes: {fields}", details=problems) from None


def parse_json(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``, checked all through; E300, E702 or E719 otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidTextError(f"the request body is not valid UTF-8 (byte {exc.start})",
                               hint="encode the JSON body as UTF-8") from None
    try:
        data: Any = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except _NonFinite as exc:
        raise _unsafe([("<body>", f"{exc.token} is not a number JSON allows")]) from None
    except RecursionError:
        raise _unsafe([(_deep_field(text), f"nested deeper than {MAX_DEPTH} levels")]) from None
    except ValueError as exc:
        raise InvalidJsonError(f"the request body is not valid JSON: {exc}",
                               hint="send a JSON object, e.g. {\"text\": \"turn on the light\"}"
                               ) from None
    if not isinstance(data, dict):
        raise InvalidJsonError(f"the request body must be a JSON object, got {type(data).__name__}",
                               hint="wrap the fields in an object: {\"text\": ...}")
    problems = unsafe_values(data)
    if problems:
        raise _unsafe(problems)
    return data


def unsafe_values(data: Any, limit: int = 20) -> list[tuple[str, str]]:
    """``(field, problem)`` for each string or key with NUL or a lone surrogate and each
    container nested deeper than ``MAX_DEPTH`` (at most ``limit`` of them)."""
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack and len(problems) < limit:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, path or "<body>", problems)
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                problems.append((path or "<body>", f"nested deeper than {MAX_DEPTH} levels"))
                continue
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in reversed(list(items)):  # popped in document order
                name = _shown(key) if isinstance(key, str) else str(key)
                where = f"{path}.{name}" if path else name
                if isinstance(key, str):
                    _check_text(key, where, problems, what="key")
                stack.append((item, where, depth + 1))
    return problems


def _deep_field(text: str) -> str:
    """The field where ``text`` nests deeper than ``MAX_DEPTH``, found by a scan that needs
    no recursion (for JSON too deep for ``json.loads``)."""
    frames: list[list[Any]] = []  # per open container: [is_object, key or index, key next]
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == '"':
            j = i + 1
            while j < end and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if frames and frames[-1][0] and frames[-1][2]:
                try:
                    frames[-1][1] = _shown(json.loads(text[i:j + 1]))
                except ValueError:
                    frames[-1][1] = "?"
                frames[-1][2] = False
            i = j + 1
            continue
        if char in "{[":
            if len(frames) >= MAX_DEPTH:
                return ".".join(str(frame[1]) for frame in frames)
            frames.append([char == "{", "" if char == "{" else 0, char == "{"])
        elif char in "}]" and frames:
            frames.pop()
        elif char == "," and frames:
            if frames[-1][0]:
                frames[-1][2] = True
            else:
                frames[-1][1] += 1
        i += 1
    return "<body>"


def _check_text(text: str, where: str, problems: list[tuple[str, str]],
                what: str = "string") -> None:
    if "\x00" not in text and (text.isascii() or _encodes(text)):
        return  # the common case, in C: no regex over every character
    found = UNSAFE_CHARS.search(text)
    if found is None:
        return
    char = found.group()
    kind = "NUL (\\u0000)" if char == "\x00" else f"a lone surrogate (\\u{ord(char):04x})"
    problems.append((where, f"the {what} holds {kind} at index {found.start()}"))


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(key: str) -> str:
    """``key`` with NUL and surrogates written as escapes (so the error body can show it)."""
    if "\x00" not in key and key.isascii():
        return key
    return UNSAFE_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", key)


def _unsafe(problems: list[tuple[str, str]]) -> UnsafeValueError:
    listed = "; ".join(f"{field}: {problem}" for field, problem in problems)
    return UnsafeValueError(
        f"{len(problems)} value(s) the server does not accept: {listed}",
        hint="send finite numbers, text without NUL or unpaired \\ud800-\\udfff escapes, "
             f"and nest objects at most {MAX_DEPTH} deep",
        details=[{"field": field, "problem": problem, "type": "unsafe_value"}
                 for field, problem in problems])


def _no_constant(token: str) -> float:
    raise _NonFinite(token)


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _NonFinite(token)
    return value


def check_text(text: str, limit: int) -> str:
    """E302 for empty text, E301 (413) over ``limit`` characters."""
    if not text.strip():
        raise EmptyTextError("text is empty", hint="send a non-empty utterance")
    if len(text) > limit:
        raise TextTooLongError(f"text is {len(text)} characters, the limit is {limit}",
                               hint="split it into shorter messages")
    return text
