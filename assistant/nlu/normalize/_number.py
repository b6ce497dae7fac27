"""Numbers in digits, words or both: "21.5", "1,000", "twenty-one", "one and a half", "21st"."""

from __future__ import annotations

import math
import re
from typing import TypeAlias

from assistant.nlu.normalize._number_words import (
    DIGIT_WORDS,
    FRACTIONS,
    NEGATIVE,
    ONE_ARTICLES,
    ORDINALS,
    SCALES,
    TEENS,
    TENS,
    UNITS,
    ZEROS,
)

Number: TypeAlias = int | float

_DIGITS = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_DIGIT_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
_DIGIT_FRACTION = re.compile(r"(\d{1,6})/(\d{1,6})")
_WORD_SPLIT = re.compile(r"[\s\-]+")

# What may come right before each kind of word in a well-formed cardinal.
_AFTER_GROUP_START = frozenset({"start", "hundred", "scale", "and"})
_BEFORE_MULTIPLIER = frozenset({"start", "a", "unit", "teen", "ten", "digit"})


def tidy(value: Number) -> Number | None:
    """int when integral, else float; None for inf/nan."""
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        return None
    if value.is_integer():
        return int(value)
    return value


def parse_number(cleaned: str) -> Number | None:
    """Parse an already cleaned (lower-cased, trimmed) span; None when it is not a number."""
    if not cleaned:
        return None
    text = cleaned.replace("\u2212", "-")  # Unicode minus sign
    negative = False
    if text[0] in "+-":
        negative = text[0] == "-"
        text = text[1:].lstrip()
    if _DIGITS.fullmatch(text):
        value: Number | None = _digits_value(text)
    else:
        value = parse_words(_WORD_SPLIT.split(text))
    if value is None:
        return None
    return tidy(-value if negative else value)


def parse_words(tokens: list[str]) -> Number | None:
    """Parse a tokenised number phrase ("one", "and", "a", "half"); None when it is not one."""
    tokens = [token for token in tokens if token]
    if tokens and tokens[0] == "the":
        tokens = tokens[1:]
    negative = False
    if tokens and tokens[0] in NEGATIVE:
        negative = True
        tokens = tokens[1:]
    value = _unsigned(tokens)
    if value is None:
        return None
    return tidy(-value if negative else value)


def _digits_value(token: str) -> Number:
    plain = token.replace(",", "")
    return float(plain) if "." in plain else int(plain)


def _unsigned(tokens: list[str]) -> Number | None:
    if not tokens:
        return None
    if len(tokens) == 1:
        only = tokens[0]
        if _DIGITS.fullmatch(only):
            return _digits_value(only)
        match = _DIGIT_ORDINAL.fullmatch(only)
        if match:
            return int(match.group(1))
        match = _DIGIT_FRACTION.fullmatch(only)
        if match and int(match.group(2)):
            return int(match.group(1)) / int(match.group(2))
    if "point" in tokens:
        return _decimal(tokens)
    last = tokens[-1]
    cardinal = ORDINALS.get(last)
    if cardinal is not None:
        return _integer([*tokens[:-1], cardinal])
    denominator = FRACTIONS.get(last)
    if denominator is not None:
        return _fraction(tokens[:-1], denominator)
    if len(tokens) > 2 and tokens[0] == "half" and tokens[1] in ONE_ARTICLES:
        whole = _integer(tokens[1:])  # "half a dozen"
        return None if whole is None else whole / 2
    return _integer(tokens)


def _decimal(tokens: list[str]) -> Number | None:
    """ "twenty one point five" -> 21.5, "point two five" -> 0.25."""
    at = tokens.index("point")
    whole: Number | None = _integer(tokens[:at]) if at else 0
    if not isinstance(whole, int):
        return None
    digits: list[str] = []
    for token in tokens[at + 1 :]:
        word = DIGIT_WORDS.get(token)
        if word is not None:
            digits.append(word)
        elif token.isascii() and token.isdigit():
            digits.append(token)
        else:
            return None
    if not digits:
        return None
    return float(f"{whole}.{''.join(digits)}")


def _fraction(head: list[str], denominator: int) -> Number | None:
    """ "half", "a quarter", "three quarters", "two and a half" (head is all but the last word)."""
    whole: Number | None = 0
    numerator_tokens = head
    if "and" in head:
        at = len(head) - 1 - head[::-1].index("and")
        if at == 0:
            return None
        whole = _integer(head[:at])
        numerator_tokens = head[at + 1 :]
    if whole is None:
        return None
    if not numerator_tokens or (len(numerator_tokens) == 1 and numerator_tokens[0] in ONE_ARTICLES):
        numerator: Number | None = 1
    else:
        numerator = _integer(numerator_tokens)
    if numerator is None:
        return None
    return whole + numerator / denominator


def _integer(tokens: list[str]) -> Number | None:
    """A cardinal in words, optionally starting with digits ("2 hundred"); None if malformed."""
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0] in ZEROS:
        return 0
    total: Number = 0
    current: Number = 0
    previous = "start"
    last_scale = 0
    for token in tokens:
        if token in UNITS:
            if previous not in _AFTER_GROUP_START and previous != "ten":
                return None
            current += UNITS[token]
            previous = "unit"
        elif token in TEENS or token in TENS:
            if previous not in _AFTER_GROUP_START:
                return None
            current += TEENS.get(token) or TENS[token]
            previous = "teen" if token in TEENS else "ten"
        elif token == "hundred":
            if previous not in _BEFORE_MULTIPLIER:
                return None
            current = (current or 1) * 100
            previous = "hundred"
        elif token in SCALES:
            scale = SCALES[token]
            if previous not in _BEFORE_MULTIPLIER and previous != "hundred":
                return None
            if last_scale and scale >= last_scale:
                return None
            total += (current or 1) * scale
            current = 0
            last_scale = scale
            previous = "scale"
        elif token == "dozen":
            if previous not in _BEFORE_MULTIPLIER:
                return None
            current = (current or 1) * 12
            previous = "dozen"
        elif token == "couple":
            if previous not in ("start", "a"):
                return None
            current = 2
            previous = "dozen"
        elif token in ONE_ARTICLES:
            if previous != "start":
                return None
            current = 1
            previous = "a"
        elif token == "and":
            if previous not in ("hundred", "scale"):
                return None
            previous = "and"
        elif previous == "start" and _DIGITS.fullmatch(token):
            current = _digits_value(token)
            previous = "digit"
        else:
            return None
    if previous in ("a", "and"):
        return None
    return total + current
