"""Durations to seconds: "5 minutes", "an hour and a half", "1h30m", "1:30", "half an hour"."""

from __future__ import annotations

import re

from assistant.nlu.normalize._number import Number, parse_words, tidy

_SECOND = 1
_MINUTE = 60
_HOUR = 3_600
_DAY = 86_400
_WEEK = 604_800

_UNITS: dict[str, int] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), _SECOND),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), _MINUTE),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), _HOUR),
    **dict.fromkeys(("d", "day", "days"), _DAY),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), _WEEK),
}
# A plural unit needs a count: "hour" alone is one hour, "minutes" alone is no duration.
_PLURALS = frozenset({"secs", "seconds", "mins", "minutes", "hrs", "hours", "days", "wks", "weeks"})
# "1 hour 30" -> the bare 30 is minutes.
_NEXT_SMALLER: dict[int, int] = {_WEEK: _DAY, _DAY: _HOUR, _HOUR: _MINUTE, _MINUTE: _SECOND}

_CLOCK = re.compile(r"(\d{1,4}):([0-5]\d)(?::([0-5]\d))?\s*([a-z]*)")
_CLOCK_HOURS = frozenset({"h", "hr", "hrs", "hour", "hours"})
_CLOCK_MINUTES = frozenset({"", "m", "min", "mins", "minute", "minutes"})
# "1h30m" -> "1 h 30 m"; "5-minute" -> "5 minute"; "10, 20" keeps "1,000".
_GAPS = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)|-|,(?!\d)|\.(?!\d)")
_JOINERS = frozenset({"and", "plus"})
_COUNT_FILLERS = frozenset({"of", "a", "an"})


def parse_duration(cleaned: str) -> Number | None:
    """Seconds (int when whole), or None when the span is not a duration."""
    if cleaned[:1] in ("-", "\u2212"):
        return None  # a negative duration is not one
    clock = _CLOCK.fullmatch(cleaned)
    if clock:
        return _clock_seconds(clock)
    tokens = _GAPS.sub(" ", cleaned).split()
    total: Number = 0
    pending: list[str] = []
    last_unit = 0
    for token in tokens:
        unit = _UNITS.get(token)
        if unit is None:
            pending.append(token)
            continue
        if last_unit and pending and pending[0] in _JOINERS:
            pending = pending[1:]
        count = _count(pending, token)
        if count is None:
            return None
        total += count * unit
        last_unit = unit
        pending = []
    if not last_unit:
        return None
    if pending:
        if pending[0] in _JOINERS:
            pending = pending[1:]
        count = parse_words(pending)
        if count is None or count < 0:
            return None
        if count < 1:  # "an hour and a half"
            total += count * last_unit
        elif last_unit in _NEXT_SMALLER:  # "1 hour 30"
            total += count * _NEXT_SMALLER[last_unit]
        else:
            return None
    return tidy(round(total, 6))


def _count(tokens: list[str], unit_word: str) -> Number | None:
    """How many of the unit: "an" -> 1, "half an" -> 0.5, "a couple of" -> 2.

    No count at all is one of a singular unit ("hour") and none of a plural ("minutes").
    """
    if not tokens:
        return None if unit_word in _PLURALS else 1
    if len(tokens) == 1 and tokens[0] in _COUNT_FILLERS:
        return None if tokens[0] == "of" else 1
    end = len(tokens)
    while end > 1 and tokens[end - 1] in _COUNT_FILLERS:
        end -= 1
    count = parse_words(tokens[:end])
    if count is None or count < 0:
        return None
    return count


def _clock_seconds(match: re.Match[str]) -> Number | None:
    """ "1:30" is 1 min 30 s; "1:30 h" is 1 h 30 min; "1:30:00" is h:mm:ss."""
    first, second, third, unit = match.groups()
    if third is not None:
        if unit and unit not in _CLOCK_HOURS:
            return None
        return int(first) * _HOUR + int(second) * _MINUTE + int(third)
    if unit in _CLOCK_HOURS:
        return int(first) * _HOUR + int(second) * _MINUTE
    if unit in _CLOCK_MINUTES:
        return int(first) * _MINUTE + int(second)
    return None
