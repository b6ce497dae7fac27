"""Parse one annotated example: Rasa 3.x entity markup plus nested brackets.

Rasa forms: ``[text](entity)``, ``[text](entity:value)``, ``[text]{"entity": ...}`` and
``[text][{...}, {...}]``. Extension: an annotated span may contain annotated spans,
``[[kitchen](room) light](device)``. A bracket pair with no annotation after it stays literal
text, as Rasa reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from assistant.nlu.data.types import EntityAnnotation

ALLOWED_DICT_KEYS = frozenset({"entity", "role", "group", "value"})


class MarkupError(ValueError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class _Open:
    out_pos: int  # offset in the plain text where the span starts
    src_pos: int  # offset in the source of the "["


def _closing(src: str, i: int, close: str) -> int:
    """Index of the bracket that closes the one at ``src[i]`` (json-aware for dicts)."""
    depth = 0
    opener = src[i]
    in_str = False
    j = i
    while j < len(src):
        c = src[j]
        if in_str:
            if c == "\\":
                j += 1
            elif c == '"':
                in_str = False
        elif c == '"' and opener != "(":
            in_str = True
        elif c == opener:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _annotations(kind: str, body: str) -> list[dict[str, str | None]]:
    if kind == "(":
        entity, _, value = body.partition(":")
        if not entity.strip():
            raise MarkupError("empty entity name in '(...)'", "write [text](entity)")
        return [{"entity": entity.strip(), "value": value.strip() or None}]
    try:
        parsed = json.loads(("{" + body + "}") if kind == "{" else ("[" + body + "]"))
    except json.JSONDecodeError as exc:
        raise MarkupError(
            f"entity annotation is not valid JSON ({exc.msg})",
            'write [text]{"entity": "name", "role": "..."} with double quotes',
        ) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    out: list[dict[str, str | None]] = []
    for item in items:
        if not isinstance(item, dict):
            raise MarkupError("entity annotation must be a JSON object", 'write {"entity": "name"}')
        unknown = sorted(set(item) - ALLOWED_DICT_KEYS)
        if unknown:
            raise MarkupError(
                f"unknown key(s) {', '.join(map(repr, unknown))} in entity annotation",
                "allowed keys are entity, role, group, value",
            )
        if not isinstance(item.get("entity"), str) or not item["entity"].strip():
            raise MarkupError("entity annotation has no 'entity'", 'add "entity": "name"')
        out.append({k: (None if item.get(k) is None else str(item[k])) for k in ALLOWED_DICT_KEYS})
    return out


def parse_example(src: str) -> tuple[str, list[EntityAnnotation]]:
    """Return the plain text and its entities (outer spans before the spans they contain)."""
    text: list[str] = []
    out_len = 0
    stack: list[_Open] = []
    found: list[tuple[int, int, int, dict[str, str | None]]] = []  # (start, -end, order, ann)
    i = 0
    order = 0
    while i < len(src):
        c = src[i]
        if c == "[" and _has_annotated_close(src, i):
            stack.append(_Open(out_len, i))
            i += 1
            continue
        if c == "]" and stack and i + 1 < len(src) and src[i + 1] in "({[":
            kind = src[i + 1]
            close = {"(": ")", "{": "}", "[": "]"}[kind]
            j = _closing(src, i + 1, close)
            if j < 0:
                raise MarkupError(
                    f"annotation opened with {kind!r} at column {i + 2} is never closed",
                    f"close it with {close!r}",
                )
            opened = stack.pop()
            if opened.out_pos == out_len:
                raise MarkupError(f"empty entity text at column {opened.src_pos + 1}", "")
            for ann in _annotations(kind, src[i + 2 : j]):
                found.append((opened.out_pos, -out_len, order, ann))
                order += 1
            i = j + 1
            continue
        if c == "]" and not stack and i + 1 < len(src) and src[i + 1] in "({":
            raise MarkupError(
                f"']' at column {i + 1} closes an annotation that was never opened",
                "add the missing '[' before the entity text",
            )
        text.append(c)
        out_len += 1
        i += 1
    if stack:
        raise MarkupError(
            f"'[' at column {stack[-1].src_pos + 1} is never closed by '](entity)'",
            "balance the brackets or remove the stray '['",
        )
    plain = "".join(text)
    found.sort()
    entities = []
    for start, neg_end, _, ann in found:
        end = -neg_end
        # Rasa strips surrounding whitespace from entity text; keep offsets on the words.
        while start < end and plain[start].isspace():
            start += 1
        while end > start and plain[end - 1].isspace():
            end -= 1
        entities.append(
            EntityAnnotation(
                start=start,
                end=end,
                entity=str(ann["entity"]).strip(),
                value=ann.get("value"),
                role=ann.get("role"),
                group=ann.get("group"),
            )
        )
    return plain, entities


def _has_annotated_close(src: str, i: int) -> bool:
    """True when the ``[`` at ``i`` has a matching ``]`` directly followed by an annotation."""
    depth = 0
    j = i
    while j < len(src):
        c = src[j]
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return j + 1 < len(src) and src[j + 1] in "({["
        j += 1
    raise MarkupError(
        f"'[' at column {i + 1} is never closed", "add the missing ']' or remove the stray '['"
    )
