"""normalize_value: the public API, synonyms, free-text entities and robustness.

Per-type rules live in test_normalize_numbers.py, test_normalize_measures.py,
test_normalize_color.py and test_normalize_vocabularies.py.
"""

from __future__ import annotations

import ast
import random
import sys
from pathlib import Path
from typing import Any

import pytest

import assistant.nlu.normalize as normalize_pkg
from assistant.nlu.normalize import normalize_value
from tests.nlu.normalize_support import check as _check

# --- public API -------------------------------------------------------------------------


def test_package_exports_only_normalize_value() -> None:
    assert normalize_pkg.__all__ == ["normalize_value"]
    assert normalize_pkg.normalize_value is normalize_value


def test_package_imports_only_the_standard_library() -> None:
    package_dir = Path(normalize_pkg.__file__).parent
    offenders: list[str] = []
    for source in sorted(package_dir.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and not name.startswith(
                    "assistant.nlu.normalize"
                ):
                    offenders.append(f"{source.name}: import {name}")
    assert not offenders, f"non-stdlib imports: {offenders}"


# --- rule 1: synonyms -------------------------------------------------------------------

SYNONYMS = {
    "living room lamp": "light.living_room",
    "toasty": "heat",
    "crimson red": "red",
    "a few": "3",
    "21": "twenty-one",
    "room temperature": "21",
    "a jiffy": "1",
    "full blast": "high",
    "ajar": "open",
}

SYNONYM_CASES: list[tuple[str, str, Any]] = [
    ("device", "living room lamp", "light.living_room"),
    ("device", "Living Room Lamp", "light.living_room"),
    ("device", "  living room lamp  ", "light.living_room"),
    ("device", "living   room\tlamp", "light.living_room"),
    ("device", "living room lamp.", "light.living_room"),
    ("device", "the living room lamp", "light.living_room"),
    ("hvac_mode", "Toasty", "heat"),
    ("fan_speed", "full blast", "high"),
    ("state", "ajar", "open"),
    # a synonym returns the canonical string for any entity type, colour included
    ("color", "crimson red", "red"),
    # measures: the numeric parse wins; the synonym only when the parse fails
    ("number", "21", 21),
    ("number", "a few", "3"),
    ("temperature", "room temperature", "21"),
    ("duration", "a jiffy", "1"),
    ("percentage", "a few", "3"),
    # no synonym: the normal rule
    ("device", "kitchen lamp", "kitchen lamp"),
    ("hvac_mode", "cooling", "cool"),
]


@pytest.mark.parametrize(("entity", "text", "expected"), SYNONYM_CASES)
def test_synonyms(entity: str, text: str, expected: Any) -> None:
    _check(entity, text, expected, SYNONYMS)


@pytest.mark.parametrize("synonyms", [None, {}], ids=["none", "empty"])
def test_no_synonyms_given(synonyms: dict[str, str] | None) -> None:
    _check("device", "The Lamp", "lamp", synonyms)
    _check("number", "twenty one", 21, synonyms)


# --- entity names -----------------------------------------------------------------------

ENTITY_NAME_CASES: list[tuple[str, str, Any]] = [
    ("NUMBER", "twenty one", 21),
    (" number ", "twenty one", 21),
    ("temperature@target", "21°C", {"value": 21, "unit": "celsius"}),
    ("temperature@target#g1", "21°C", {"value": 21, "unit": "celsius"}),
    ("duration#g2", "5 minutes", 300),
    ("colour", "grey", {"name": "gray", "rgb": [128, 128, 128]}),
]


@pytest.mark.parametrize(("entity", "text", "expected"), ENTITY_NAME_CASES)
def test_entity_name_forms(entity: str, text: str, expected: Any) -> None:
    _check(entity, text, expected)


# --- rule 10: any other entity ----------------------------------------------------------

FREE_TEXT_CASES: list[tuple[str, str, str]] = [
    ("device", "The Kitchen Lamp", "kitchen lamp"),
    ("device", "  The   Kitchen \n Lamp ", "kitchen lamp"),
    ("room", "my bedroom", "bedroom"),
    ("device", "a lamp", "lamp"),
    ("room", "an office", "office"),
    ("device", "the the lamp", "the lamp"),  # one article only
    ("room", "the", "the"),  # an article alone is the value
    ("room", "Theatre Room", "theatre room"),
    ("room", "Another Room", "another room"),
    ("room", "Kitchen.", "kitchen"),
    ("room", "kitchen?!", "kitchen"),
    ("media", "\u201cJazz FM\u201d", "jazz fm"),
    ("media", "'80s hits", "'80s hits"),
    ("scene", "Movie Night", "movie night"),
    ("timer_name", "Pasta Timer", "pasta timer"),
    ("device", "kitchen\x00lamp", "kitchen lamp"),
    ("device", "kit\u200bchen", "kitchen"),
    ("device", "\ufeffKitchen\u200e", "kitchen"),
    ("media", "\U0001f468\u200d\U0001f469 Family", "\U0001f468\u200d\U0001f469 family"),
    ("media", "\U0001f3b5 Party Mix", "\U0001f3b5 party mix"),
    ("room", "\u5ba2\u5385", "\u5ba2\u5385"),
    ("room", "\u00c4rbeitszimmer", "\u00e4rbeitszimmer"),
    ("device", "", ""),
    ("unknown_type", "Some Thing", "some thing"),
]


@pytest.mark.parametrize(("entity", "text", "expected"), FREE_TEXT_CASES)
def test_free_text_entities(entity: str, text: str, expected: str) -> None:
    _check(entity, text, expected)


# --- robustness -------------------------------------------------------------------------

ENTITIES = [
    "number",
    "percentage",
    "temperature",
    "duration",
    "color",
    "hvac_mode",
    "fan_speed",
    "state",
    "device",
    "room",
]

HOSTILE: list[tuple[str, str]] = [
    ("empty", ""),
    ("spaces", "   "),
    ("newlines", "\n\r\t"),
    ("nul", "\x00"),
    ("control-chars", "\x01\x02\x1b[31m21\x7f"),
    ("zero-width", "\u200b\ufeff"),
    ("emoji", "\U0001f600\U0001f525"),
    ("chinese", "\u4e8c\u5341\u4e00\u5ea6"),
    ("arabic-indic-digit", "\u0663"),
    ("fullwidth-digits", "\uff11\uff12"),
    ("superscript", "\u00b2"),
    ("roman-numeral", "\u216b"),
    ("10k-digits", "1" * 10_000),
    ("10k-letters", "a" * 10_000),
    ("10k-words", "twenty one " * 1_000),
    ("10k-dots", "." * 10_000 + "x"),
    ("10k-dashes", "-" * 10_000),
    ("10k-mixed", "1h" * 5_000),
    ("lone-surrogate", "\ud800"),
    ("percent-only", "%"),
    ("degree-only", "\u00b0"),
    ("hash-only", "#"),
    ("colon-only", ":"),
    ("half-clock", "1:"),
    ("sign-only", "-"),
    ("point", "point"),
    ("and", "and"),
    ("of", "of"),
    ("exponent", "1e400"),
    ("nan", "nan"),
    ("inf", "inf"),
    ("divide-by-zero", "1/0"),
    ("long-number", "9" * 199),
    ("long-float", "9" * 195 + ".5"),
]


def _well_typed(entity: str, value: Any) -> bool:
    """The value has one of the shapes its entity type can produce."""
    number = (int, float)
    if entity in ("number", "percentage", "duration"):
        return isinstance(value, (*number, str)) and not isinstance(value, bool)
    if entity == "temperature":
        return isinstance(value, str) or (
            isinstance(value, dict)
            and set(value) == {"value", "unit"}
            and isinstance(value["value"], number)
            and value["unit"] in ("celsius", "fahrenheit", None)
        )
    if entity == "color":
        return (
            isinstance(value, dict)
            and set(value) == {"name", "rgb"}
            and isinstance(value["name"], str)
            and (value["rgb"] is None or len(value["rgb"]) == 3)
        )
    if entity == "fan_speed":
        return isinstance(value, (str, int))
    return isinstance(value, str)


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("text", [text for _, text in HOSTILE], ids=[i for i, _ in HOSTILE])
def test_hostile_input_never_raises(entity: str, text: str) -> None:
    got = normalize_value(entity, text, {"kitchen": "room.kitchen"})
    assert _well_typed(entity, got), (
        f"normalize_value({entity!r}, {text[:40]!r}...): badly typed result {got!r:.80}"
    )


_FUZZ_WORDS = [
    "one",
    "two",
    "twenty",
    "hundred",
    "thousand",
    "million",
    "and",
    "a",
    "an",
    "half",
    "quarter",
    "quarters",
    "thirds",
    "point",
    "minus",
    "the",
    "of",
    "dozen",
    "couple",
    "third",
    "21st",
    "1.5",
    "1,000",
    "-",
    "5",
    "%",
    "percent",
    "per",
    "cent",
    "degrees",
    "°",
    "°c",
    "c",
    "f",
    "celsius",
    "hour",
    "hours",
    "min",
    "s",
    "h",
    "1:30",
    ":",
    "#",
    "ff8800",
    "grey",
    "light",
    "blue",
    "mode",
    "speed",
    "off",
    "on",
    "a/c",
    "below",
    "zero",
    "0x",
    "\U0001f600",
    "\x00",
    ".",
    ",",
    "?",
    "(",
    ")",
    "/",
    "\u2212",
    "\u2103",
    "1e9",
    "9999999999",
]


def test_fuzz_never_raises_and_never_prints(capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20240611)
    alphabet = "".join(chr(c) for c in range(32, 127)) + "\u00b0\u2212\u00e9\u4e2d\U0001f600\x00"
    for _ in range(3_000):
        if rng.random() < 0.7:
            joiner = rng.choice([" ", "", "-", "  "])
            text = joiner.join(rng.choice(_FUZZ_WORDS) for _ in range(rng.randint(0, 8)))
        else:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for entity in ENTITIES:
            got = normalize_value(entity, text)
            assert _well_typed(entity, got), (
                f"normalize_value({entity!r}, {text!r}): badly typed result {got!r}"
            )
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "", "library code printed"
