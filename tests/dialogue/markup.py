"""Build ``ParseResult``s for conversation tests from Rasa-style markup, without the NLU:
``turn on the [[kitchen](room) light](device)``. Values are normalised roughly as the NLU
does (numbers, percentages, temperatures, durations, colours, lower-cased text)."""

from __future__ import annotations

import re
from typing import Any

from assistant.types import Entity, IntentScore, ParseResult

_MARK = re.compile(r"\[|\]\(([a-z_]+)\)")
_WORDS = {"one": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "twenty": 20, "half": 50}
_UNITS = {"second": 1, "minute": 60, "hour": 3600}
_RGB = {"red": [255, 0, 0], "green": [0, 255, 0], "blue": [0, 0, 255], "teal": None}


def parse(marked: str, intent: str, confidence: float = 0.95) -> ParseResult:
    text, spans = _strip(marked)
    entities = []
    for start, end, kind in spans:
        parents = [j for j, (s, e, _) in enumerate(spans)
                   if s <= start and end <= e and (s, e) != (start, end)]
        parent = min(parents, key=lambda j: spans[j][1] - spans[j][0]) if parents else None
        children = tuple(j for j, (s, e, _) in enumerate(spans)
                         if start <= s and e <= end and (s, e) != (start, end))
        entities.append(Entity(start, end, text[start:end], kind,
                               _value(kind, text[start:end]), 0.9, parent=parent,
                               children=children))
    return ParseResult(text, IntentScore(intent, confidence),
                       (IntentScore(intent, confidence),), tuple(entities))


def _strip(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    plain, opened, spans, i = "", [], [], 0
    for m in _MARK.finditer(marked):
        plain += marked[i:m.start()]
        i = m.end()
        if m.group(0) == "[":
            opened.append(len(plain))
        else:
            spans.append((opened.pop(), len(plain), m.group(1)))
    plain += marked[i:]
    return plain, sorted(spans)


def _number(text: str) -> float | None:
    m = re.search(r"-?\d+(?:\.\d+)?", text)
    if m:
        number = float(m.group(0))
        return int(number) if number.is_integer() else number
    return next((v for w, v in _WORDS.items() if w in text.lower().split()), None)


def _value(kind: str, text: str) -> Any:
    low = text.lower()
    if kind in ("number", "percentage"):
        return _number(text)
    if kind == "temperature":
        unit = ("fahrenheit" if re.search(r"°f|fahrenheit", low)
                else "celsius" if re.search(r"°c|celsius", low) else None)
        return {"value": _number(text), "unit": unit}
    if kind == "duration":
        total = sum(float(n) * _UNITS[u] for n, u in
                    re.findall(r"(\d+(?:\.\d+)?)\s*(second|minute|hour)", low))
        return int(total)
    if kind == "color":
        return {"name": low, "rgb": _RGB.get(low)}
    return low
