"""``normalize_value``: an entity's surface text to the value the dialogue acts on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from assistant.nlu.normalize._color import parse_color
from assistant.nlu.normalize._duration import parse_duration
from assistant.nlu.normalize._fan_speed import parse_fan_speed
from assistant.nlu.normalize._hvac_mode import parse_hvac_mode
from assistant.nlu.normalize._number import parse_number
from assistant.nlu.normalize._percentage import parse_percentage
from assistant.nlu.normalize._state import parse_state
from assistant.nlu.normalize._synonyms import lookup_synonym
from assistant.nlu.normalize._temperature import parse_temperature
from assistant.nlu.normalize._text import clean_for_parse, drop_article, plain

# Measured values: the parse wins over a synonym; unparseable -> synonym, else the text.
_MEASURES: dict[str, Callable[[str], Any]] = {
    "number": parse_number,
    "percentage": parse_percentage,
    "temperature": parse_temperature,
    "duration": parse_duration,
}

# Closed vocabularies: a synonym wins; unknown -> the collapsed, lower-cased text.
_VOCABULARIES: dict[str, Callable[[str], Any]] = {
    "hvac_mode": parse_hvac_mode,
    "fan_speed": parse_fan_speed,
    "state": parse_state,
}


def normalize_value(entity: str, text: str, synonyms: Mapping[str, str] | None = None) -> Any:
    """The normalised value of one entity span.

    ``entity`` is the entity type ("temperature"; a span label such as
    "temperature@target#g1" is read as its entity), ``text`` the span as it appeared
    in the utterance, ``synonyms`` lower-cased surface form -> canonical value.

    number/percentage -> int or float; temperature -> {"value", "unit"}; duration ->
    seconds; color -> {"name", "rgb"}; hvac_mode/fan_speed/state -> canonical name (a
    fan speed may be an int percentage); any other entity -> synonym, else the text
    lower-cased, whitespace collapsed, leading article removed. Never raises: what does
    not parse falls back to the (stripped) text.
    """
    kind = entity.partition("@")[0].partition("#")[0].strip().lower()

    measure = _MEASURES.get(kind)
    if measure is not None:
        cleaned = clean_for_parse(text)
        value = measure(cleaned) if cleaned else None
        if value is not None:
            return value
        synonym = lookup_synonym(text, synonyms)
        return synonym if synonym is not None else text.strip()

    synonym = lookup_synonym(text, synonyms)
    if synonym is not None:
        return synonym

    if kind in ("color", "colour"):
        return parse_color(clean_for_parse(text), text)

    vocabulary = _VOCABULARIES.get(kind)
    if vocabulary is not None:
        cleaned = clean_for_parse(text)
        value = vocabulary(cleaned) if cleaned else None
        return value if value is not None else plain(text)

    return drop_article(plain(text))
