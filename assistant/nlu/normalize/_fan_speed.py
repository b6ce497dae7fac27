"""Fan speeds: low, medium, high, or a percentage ("50%", "30")."""

from __future__ import annotations

from assistant.nlu.normalize._percentage import parse_percentage
from assistant.nlu.normalize._phrase import phrase_words, strip_fillers

_LEAD = frozenset({"the", "on", "at", "to", "speed"})
_TRAIL = frozenset({"speed", "setting", "mode", "power", "level"})

_SPEEDS: dict[str, str] = {
    **dict.fromkeys(("low", "lo", "min", "minimum", "lowest", "slow", "slowest"), "low"),
    **dict.fromkeys(("medium", "med", "mid", "middle", "normal", "moderate"), "medium"),
    **dict.fromkeys(
        ("high", "hi", "max", "maximum", "full", "highest", "turbo", "boost", "fast", "fastest"),
        "high",
    ),
}


def parse_fan_speed(cleaned: str) -> str | int | None:
    """ "low" / "medium" / "high", an int percentage, or None."""
    words = phrase_words(cleaned)
    key = strip_fillers(words, _LEAD, _TRAIL)
    speed = _SPEEDS.get(" ".join(words)) or _SPEEDS.get(key)
    if speed is not None:
        return speed
    percent = parse_percentage(cleaned)
    if percent is None and key != cleaned:
        percent = parse_percentage(key)  # "speed 50", "50% power"
    if percent is None:
        return None
    return round(percent)
