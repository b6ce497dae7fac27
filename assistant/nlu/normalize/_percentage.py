"""Percentages: "50%", "50 percent", "fifty per cent", "half", "three quarters", "max"."""

from __future__ import annotations

import re

from assistant.nlu.normalize._number import Number, parse_number, tidy
from assistant.nlu.normalize._number_words import FRACTIONS

_PERCENT_SUFFIX = re.compile(r"(.*?)\s*(?:%|percent|per\s?cent|pct|percentage)")
_COUNT_FILLERS = (" a", " an", " of")  # "half a percent"

# Said without a unit, these words name a share of the whole.
_WORDS: dict[str, int] = {
    "halfway": 50,
    "half way": 50,
    "full": 100,
    "fully": 100,
    "max": 100,
    "maximum": 100,
    "min": 1,
    "minimum": 1,
    "off": 0,
}


def parse_percentage(cleaned: str) -> Number | None:
    """Parse a cleaned span; None when it is not a percentage. Not clamped to 0..100."""
    match = _PERCENT_SUFFIX.fullmatch(cleaned)
    if match:
        amount = match.group(1)
        for filler in _COUNT_FILLERS:
            amount = amount.removesuffix(filler)
        return parse_number(amount)
    word = _WORDS.get(cleaned)
    if word is not None:
        return word
    value = parse_number(cleaned)
    if value is not None and 0 < value <= 1 and cleaned.rpartition(" ")[2] in FRACTIONS:
        return tidy(value * 100)  # "half" -> 50, "three quarters" -> 75
    return value
