"""Small text helpers for replies: templates, lists of names, durations, numbers."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_FORMATTER = string.Formatter()


def fields(template: str) -> list[str]:
    """The placeholder names in a template; raises ValueError for a malformed one."""
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name is not None]


def render(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` replaced by ``say(values[name])``; missing -> ''."""
    out = []
    for literal, name, _, _ in _FORMATTER.parse(template):
        out.append(literal)
        if name is not None:
            out.append(say(values.get(name)))
    return re.sub(r"\s{2,}", " ", "".join(out)).strip()


def say(value: Any) -> str:
    """A slot value as words: device names joined, numbers without '.0', colours by name."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        if "names" in value:
            return join(value["names"], "and")
        if "name" in value:
            return str(value["name"] or value.get("rgb") or "")
        if "relative" in value:
            return ("up" if value["relative"] > 0 else "down") + f" by {abs(value['relative']):g}"
    if isinstance(value, list | tuple):
        return join([say(v) for v in value], "and")
    return str(value).replace("_", " ")


def join(items: Iterable[str], word: str = "and") -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def duration(seconds: float) -> str:
    """720 -> '12 minutes', 5400 -> '1 hour 30 minutes', 90 -> '1 minute 30 seconds'."""
    total = max(0, round(seconds))
    parts = []
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts[:2]) or "0 seconds"


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces."""
    return " ".join(re.sub(r"[^\w%°]+", " ", text.lower()).split())


def find_phrases(text: str, phrases: Sequence[str]) -> list[str]:
    """The phrases that occur in ``text`` as whole words, longest first."""
    plain = f" {normalise(text)} "
    hits = [p for p in phrases if f" {normalise(p)} " in plain]
    return sorted(hits, key=lambda p: -len(p))


def words_outside(text: str, spans: Iterable[tuple[int, int]]) -> list[str]:
    """The words of ``text`` outside the given (start, end) character spans."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = " "
    return normalise("".join(chars)).split()
