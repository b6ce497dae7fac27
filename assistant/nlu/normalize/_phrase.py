"""Phrase lookup for the closed-vocabulary entities (hvac mode, fan speed, state)."""

from __future__ import annotations

import re
from collections.abc import Mapping

# "A/C" "a.c." "heat_cool" "fan-only" -> words separated by single spaces.
_SEPARATORS = re.compile(r"[\s/_.\-]+")


def phrase_words(cleaned: str) -> list[str]:
    return [word for word in _SEPARATORS.split(cleaned) if word]


def strip_fillers(words: list[str], lead: frozenset[str], trail: frozenset[str]) -> str:
    """The words joined by spaces, minus leading/trailing fillers; never strips the last word."""
    start, end = 0, len(words)
    while end - start > 1 and words[start] in lead:
        start += 1
    while end - start > 1 and words[end - 1] in trail:
        end -= 1
    return " ".join(words[start:end])


def lookup_phrase(
    cleaned: str, table: Mapping[str, str], lead: frozenset[str], trail: frozenset[str]
) -> str | None:
    """``table``'s entry for the phrase as said, else for it without filler words."""
    words = phrase_words(cleaned)
    found = table.get(" ".join(words))
    if found is None:
        found = table.get(strip_fillers(words, lead, trail))
    return found
