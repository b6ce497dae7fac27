"""normalize_value for the closed vocabularies: "hvac_mode", "fan_speed", "state"."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.nlu.normalize import normalize_value


def _check(entity: str, text: str, expected: Any) -> None:
    got = normalize_value(entity, text)
    assert type(got) is type(expected) and got == expected, (
        f"normalize_value({entity!r}, {text!r}): expected {expected!r}, got {got!r}"
    )


HVAC_MODES: list[tuple[str, str]] = [
    ("heat", "heat"),
    ("heating", "heat"),
    ("warm", "heat"),
    ("Heat mode", "heat"),
    ("cool", "cool"),
    ("cooling", "cool"),
    ("ac", "cool"),
    ("AC", "cool"),
    ("a/c", "cool"),
    ("A/C", "cool"),
    ("a.c.", "cool"),
    ("the a/c", "cool"),
    ("air conditioning", "cool"),
    ("air con", "cool"),
    ("aircon", "cool"),
    ("heat_cool", "heat_cool"),
    ("heat/cool", "heat_cool"),
    ("heat and cool", "heat_cool"),
    ("auto", "auto"),
    ("automatic", "auto"),
    ("off", "off"),
    ("dry", "dry"),
    ("dehumidify", "dry"),
    ("fan", "fan_only"),
    ("fan only", "fan_only"),
    ("fan-only", "fan_only"),
    ("fan_only", "fan_only"),
    ("eco", "eco"),
    ("economy", "eco"),
    ("energy saving", "eco"),
    ("energy saving mode", "eco"),
    ("away", "eco"),
    ("cooling.", "cool"),
    # unknown: lower-cased text
    ("Turbo Blast", "turbo blast"),
    ("mode", "mode"),
    ("", ""),
]

FAN_SPEEDS: list[tuple[str, str | int]] = [
    ("low", "low"),
    ("medium", "medium"),
    ("high", "high"),
    ("High", "high"),
    ("max", "high"),
    ("maximum", "high"),
    ("full", "high"),
    ("highest", "high"),
    ("turbo", "high"),
    ("boost", "high"),
    ("full speed", "high"),
    ("on high", "high"),
    ("min", "low"),
    ("minimum", "low"),
    ("lowest", "low"),
    ("slow", "low"),
    ("mid", "medium"),
    ("middle", "medium"),
    ("normal", "medium"),
    ("50%", 50),
    ("50 percent", 50),
    ("fifty percent", 50),
    ("30", 30),
    ("speed 50", 50),
    ("50% power", 50),
    ("half speed", 50),
    ("12.7%", 13),
    # unknown: lower-cased text
    ("Auto", "auto"),
    ("Breeze", "breeze"),
]

STATES: list[tuple[str, str]] = [
    ("open", "open"),
    ("opened", "open"),
    ("closed", "closed"),
    ("shut", "closed"),
    ("close", "closed"),
    ("on", "on"),
    ("running", "on"),
    ("switched on", "on"),
    ("off", "off"),
    ("turned off", "off"),
    ("locked", "locked"),
    ("unlocked", "unlocked"),
    ("playing", "playing"),
    ("paused", "paused"),
    ("Paused.", "paused"),
    ("OPEN", "open"),
    # unknown: lower-cased text
    ("Half Open", "half open"),
    ("idle", "idle"),
]


@pytest.mark.parametrize(("text", "expected"), HVAC_MODES)
def test_hvac_mode(text: str, expected: str) -> None:
    _check("hvac_mode", text, expected)


@pytest.mark.parametrize(("text", "expected"), FAN_SPEEDS)
def test_fan_speed(text: str, expected: str | int) -> None:
    _check("fan_speed", text, expected)


@pytest.mark.parametrize(("text", "expected"), STATES)
def test_state(text: str, expected: str) -> None:
    _check("state", text, expected)
