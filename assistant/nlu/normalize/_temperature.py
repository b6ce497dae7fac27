"""Temperatures: "21 degrees", "21°C", "70 F", "seventy degrees fahrenheit", "minus 5"."""

from __future__ import annotations

import re
from typing import Any

from assistant.nlu.normalize._number import parse_number

_SYMBOLS = str.maketrans({"\u2103": "°c", "\u2109": "°f", "º": "°", "˚": "°"})
# "21°c" -> "21 ° c", "70f" -> "70 f".
_UNIT_GAP = re.compile(r"(?<=\d)(?=[°a-z])|(?<=°)(?=\S)")

_CELSIUS = frozenset({"c", "celsius", "centigrade", "celcius"})
_FAHRENHEIT = frozenset({"f", "fahrenheit", "farenheit"})
_DEGREES = frozenset({"°", "degree", "degrees", "deg", "degs"})


def parse_temperature(cleaned: str) -> dict[str, Any] | None:
    """{"value": number, "unit": "celsius" | "fahrenheit" | None}, or None if unparseable."""
    text = _UNIT_GAP.sub(" ", cleaned.translate(_SYMBOLS))
    tokens = text.split()
    below_zero = tokens[-2:] == ["below", "zero"]
    if below_zero:
        tokens = tokens[:-2]
    unit: str | None = None
    if tokens and tokens[-1] in _CELSIUS:
        unit = "celsius"
        tokens.pop()
    elif tokens and tokens[-1] in _FAHRENHEIT:
        unit = "fahrenheit"
        tokens.pop()
    if tokens and tokens[-1] in _DEGREES:
        tokens.pop()
    if not tokens:
        return None
    value = parse_number(" ".join(tokens))
    if value is None:
        return None
    if below_zero:
        value = -abs(value)
    return {"value": value, "unit": unit}
