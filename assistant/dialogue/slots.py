"""Slot values from an utterance: pick the entity, convert the unit, validate the range,
and read relative changes ("warmer", "a bit dimmer", "by 2 degrees") from the words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.dialogue._schema import NUMERIC, SlotSpec
from assistant.dialogue._text import find_phrases, join, normalise, render, say
from assistant.types import Entity, ParseResult

# a value right after these words is absolute even when a direction word is said
# ("cool it down to 20 degrees", "turn the lights up to 90%")
_ABSOLUTE_BEFORE = ("to", "at", "on")
# "one" after these (or right after a device or room) names a device again, not the number 1:
# "the bedroom one", "that one", "the other one"
_BEFORE_PRONOUN = frozenset({"the", "this", "that", "other", "which", "first", "last",
                             "second", "same", "new", "old", "big", "small", "upstairs",
                             "downstairs"})


@dataclass(frozen=True)
class Filled:
    value: Any
    note: str = ""  # something to say anyway (a device that was not found)


@dataclass(frozen=True)
class Invalid:
    message: str


Reading = Filled | Invalid | None  # None: the utterance says nothing about this slot


def read_value(slot: SlotSpec, parse: ParseResult, text: str) -> Reading:
    """The value of a non-device slot in this utterance."""
    ent = entity_for(slot, parse)
    if slot.relative is not None:
        change = _relative(slot, ent, text)
        if change is not None:
            return change
        if slot.relative.only:
            return None
    if ent is None:
        hits = find_phrases(text, list(slot.words))
        return Filled(slot.words[hits[0]]) if hits else None
    if slot.type in NUMERIC:
        return _measure(slot, ent)
    if slot.type == "choice":
        word = normalise(say(ent.value)).replace(" ", "_")
        word = slot.aliases.get(word, slot.aliases.get(word.replace("_", " "), word))
        if word not in slot.choices:
            return Invalid(_message(slot, say(ent.value) or ent.text))
        return Filled(word)
    if slot.type == "color":
        value = ent.value if isinstance(ent.value, Mapping) else {"name": str(ent.value)}
        rgb = value.get("rgb")
        return Filled({"name": value.get("name") or ent.text.lower(),
                       "rgb": list(rgb) if rgb else None})
    return Filled(str(ent.value if ent.value is not None else ent.text).strip().lower())


def entity_for(slot: SlotSpec, parse: ParseResult) -> Entity | None:
    """The first entity of the slot's kinds, in the slot's order of preference. A nested one
    whose parent is of another kind ("10" inside "10 minutes") does not count."""
    for kind in slot.entities:
        for ent in parse.entities:
            if ent.entity != kind or _pronoun(ent, parse):
                continue
            parent = parse.entities[ent.parent] if ent.parent is not None and (
                0 <= ent.parent < len(parse.entities)) else None
            if parent is None or parent.entity in slot.entities:
                return ent
    return None


def _pronoun(ent: Entity, parse: ParseResult) -> bool:
    """A number entity "one" that stands for a device ("the bedroom one", "that one")."""
    if ent.entity != "number" or ent.parent is not None or normalise(ent.text) != "one":
        return False
    before = normalise(parse.text[: ent.start]).split()
    if before and before[-1] in _BEFORE_PRONOUN:
        return True
    return any(e.entity in ("device", "room") and 0 <= ent.start - e.end <= 1
               for e in parse.entities)


def param_value(slot: SlotSpec, value: Any) -> Any:
    """A filled value as a device parameter."""
    if slot.type == "color" and isinstance(value, Mapping):
        return value.get("rgb") or value.get("name")
    return value


def _number(ent: Entity) -> tuple[float | None, str | None]:
    value, unit = ent.value, None
    if isinstance(value, Mapping):
        value, unit = value.get("value"), value.get("unit")
    try:
        return float(value), unit  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, unit


def _measure(slot: SlotSpec, ent: Entity) -> Reading:
    number, unit = _number(ent)
    said = ent.text or say(ent.value)
    if number is None:
        return Invalid(_message(slot, said))
    value = _to_unit(slot, number, unit)
    if (slot.min is not None and value < slot.min) or (slot.max is not None and value > slot.max):
        return Invalid(_message(slot, said if slot.type == "duration" else f"{number:g}"))
    return Filled(_rounded(slot, value))


def _to_unit(slot: SlotSpec, value: float, unit: str | None, *, delta: bool = False) -> float:
    if slot.type != "temperature" or slot.unit is None:
        return value
    if unit is None and not delta and slot.fahrenheit_above is not None:
        unit = "fahrenheit" if value > slot.fahrenheit_above else slot.unit
    if unit is None or unit == slot.unit:
        return value
    if slot.unit == "celsius":
        return value * 5 / 9 if delta else (value - 32) * 5 / 9
    return value * 9 / 5 if delta else value * 9 / 5 + 32


def _rounded(slot: SlotSpec, value: float) -> float | int:
    if slot.integer or slot.type in ("percentage", "duration"):
        return round(value)
    if slot.type == "temperature":
        return round(value * 2) / 2
    return value


def clamp(slot: SlotSpec, value: float) -> float | int:
    if slot.min is not None:
        value = max(slot.min, value)
    if slot.max is not None:
        value = min(slot.max, value)
    return _rounded(slot, value)


def _relative(slot: SlotSpec, ent: Entity | None, text: str) -> Reading:
    assert slot.relative is not None
    up = find_phrases(text, slot.relative.up)
    down = find_phrases(text, slot.relative.down)
    if not up and not down:
        return None
    sign = 1 if up and len(up[0]) >= len(down[0] if down else "") else -1  # longest wins
    if ent is not None:
        before = normalise(text[: ent.start]).split()[-1:] if ent.start > 0 else []
        if before and before[0] in _ABSOLUTE_BEFORE:
            return None  # "down to 20 degrees" sets 20
        number, unit = _number(ent)
        if number is None:
            return None
        amount = _to_unit(slot, abs(number), unit, delta=True)
    else:
        amount = slot.relative.step
    return Filled({"relative": sign * amount})


def _message(slot: SlotSpec, said: str) -> str:
    default = ("{value} is not one of: {options}." if slot.type == "choice"
               else "{value} is out of range ({min} to {max}).")
    return render(slot.invalid or default, {
        "value": said, "options": join([say(c) for c in slot.choices], "or"),
        "min": slot.min, "max": slot.max, "unit": slot.unit,
    })
