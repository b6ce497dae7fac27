"""normalize_value for "temperature" and "duration" spans."""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu.normalize_support import check as _check


def _t(value: float, unit: str | None) -> dict[str, Any]:
    return {"value": value, "unit": unit}


C, F = "celsius", "fahrenheit"

TEMPERATURES: list[tuple[str, Any]] = [
    ("21 degrees", _t(21, None)),
    ("21", _t(21, None)),
    ("twenty one", _t(21, None)),
    ("21°C", _t(21, C)),
    ("21 °c", _t(21, C)),
    ("21 ° C", _t(21, C)),
    ("21c", _t(21, C)),
    ("21 C", _t(21, C)),
    ("21 \u2103", _t(21, C)),
    ("21 degrees celsius", _t(21, C)),
    ("21 deg c", _t(21, C)),
    ("21.5 celsius", _t(21.5, C)),
    ("21 centigrade", _t(21, C)),
    ("70 F", _t(70, F)),
    ("70f", _t(70, F)),
    ("72°F", _t(72, F)),
    ("seventy degrees fahrenheit", _t(70, F)),
    ("21º", _t(21, None)),
    ("minus 5 degrees", _t(-5, None)),
    ("-5°C", _t(-5, C)),
    ("- 5 degrees", _t(-5, None)),
    ("negative 3 c", _t(-3, C)),
    ("5 below zero", _t(-5, None)),
    ("5 degrees below zero", _t(-5, None)),
    ("zero degrees", _t(0, None)),
    ("twenty one and a half degrees", _t(21.5, None)),
    ("21 degrees.", _t(21, None)),
    ("21 Degrees Celsius!", _t(21, C)),
]

TEMPERATURES_UNPARSEABLE: list[tuple[str, str]] = [
    ("hot", "hot"),
    ("300 kelvin", "300 kelvin"),
    ("degrees", "degrees"),
    ("c", "c"),
    (" cosy ", "cosy"),
]

DURATIONS: list[tuple[str, Any]] = [
    ("5 minutes", 300),
    ("5 min", 300),
    ("5 mins.", 300),
    ("5min", 300),
    ("twenty-five minutes", 1500),
    ("5-minute", 300),
    ("a minute", 60),
    ("an hour", 3600),
    ("hour", 3600),
    ("one hour and thirty minutes", 5400),
    ("1 hour 30 minutes", 5400),
    ("1 hour, 30 minutes", 5400),
    ("an hour and a half", 5400),
    ("an hour and a quarter", 4500),
    ("minute and a half", 90),
    ("two and a half hours", 9000),
    ("one and a half minutes", 90),
    ("90 seconds", 90),
    ("90 Seconds.", 90),
    ("10 secs", 10),
    ("30 s", 30),
    ("3 hrs", 10800),
    ("1h30m", 5400),
    ("1h30", 5400),
    ("2 minutes 30", 150),
    ("1:30", 90),
    ("1:30 hours", 5400),
    ("1:30:00", 5400),
    ("half an hour", 1800),
    ("a half hour", 1800),
    ("1/2 hour", 1800),
    ("quarter of an hour", 900),
    ("three quarters of an hour", 2700),
    ("a couple of minutes", 120),
    ("0.5 h", 1800),
    ("1.5 seconds", 1.5),
    ("2 days", 172800),
    ("a week", 604800),
    ("1 day 2 hours", 93600),
    ("2 hours 30 minutes and 15 seconds", 9015),
]

DURATIONS_UNPARSEABLE: list[tuple[str, str]] = [
    ("5", "5"),  # no unit: seconds or minutes? the dialogue asks
    ("minutes", "minutes"),
    ("-5 minutes", "-5 minutes"),
    ("minus five minutes", "minus five minutes"),
    ("a few minutes", "a few minutes"),
    ("1:75", "1:75"),
    ("5 seconds 3", "5 seconds 3"),
    (" for a while ", "for a while"),
]


@pytest.mark.parametrize(("text", "expected"), TEMPERATURES)
def test_temperature(text: str, expected: Any) -> None:
    _check("temperature", text, expected)


@pytest.mark.parametrize(("text", "expected"), TEMPERATURES_UNPARSEABLE)
def test_temperature_unparseable_returns_stripped_text(text: str, expected: str) -> None:
    _check("temperature", text, expected)


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_duration_in_seconds(text: str, expected: Any) -> None:
    _check("duration", text, expected)


@pytest.mark.parametrize(("text", "expected"), DURATIONS_UNPARSEABLE)
def test_duration_unparseable_returns_stripped_text(text: str, expected: str) -> None:
    _check("duration", text, expected)
