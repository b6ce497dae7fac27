"""Entity markup: every Rasa 3.x form, our nested extension, and errors with hints."""

from __future__ import annotations

import pytest

from assistant.nlu.data._markup import MarkupError, parse_example


def spans(src: str) -> tuple[str, list[tuple[str, str, str | None, str | None, str | None]]]:
    text, ents = parse_example(src)
    return text, [(text[e.start : e.end], e.entity, e.role, e.group, e.value) for e in ents]


@pytest.mark.parametrize(
    ("src", "text", "expected"),
    [
        ("hello there", "hello there", []),
        ("show me [chinese](cuisine) food", "show me chinese food", [("chinese", "cuisine", None, None, None)]),
        ("[NYC](city:New York City) please", "NYC please", [("NYC", "city", None, None, "New York City")]),
        (
            'fly from [Berlin]{"entity": "city", "role": "departure"} to [London]{"entity": "city", "role": "destination"}',
            "fly from Berlin to London",
            [("Berlin", "city", "departure", None, None), ("London", "city", "destination", None, None)],
        ),
        (
            'a [large]{"entity": "size", "group": "1"} [pepperoni]{"entity": "topping", "group": "1"} pizza',
            "a large pepperoni pizza",
            [("large", "size", None, "1", None), ("pepperoni", "topping", None, "1", None)],
        ),
        (
            '[ny]{"entity": "city", "value": "New York"}',
            "ny",
            [("ny", "city", None, None, "New York")],
        ),
        (
            '[bank][{"entity": "org"}, {"entity": "place"}]',
            "bank",
            [("bank", "org", None, None, None), ("bank", "place", None, None, None)],
        ),
        ("literal [brackets] stay", "literal [brackets] stay", []),
        (
            "turn on the [[kitchen](room) light](device)",
            "turn on the kitchen light",
            [("kitchen light", "device", None, None, None), ("kitchen", "room", None, None, None)],
        ),
        (
            "set it to [[21](number) degrees](temperature)",
            "set it to 21 degrees",
            [("21 degrees", "temperature", None, None, None), ("21", "number", None, None, None)],
        ),
        (
            "for [[1](number) hour and [30](number) minutes](duration)",
            "for 1 hour and 30 minutes",
            [("1 hour and 30 minutes", "duration", None, None, None), ("1", "number", None, None, None),
             ("30", "number", None, None, None)],
        ),
        (
            "[[[upstairs](room) hall](room) lamp](device)",
            "upstairs hall lamp",
            [("upstairs hall lamp", "device", None, None, None), ("upstairs hall", "room", None, None, None),
             ("upstairs", "room", None, None, None)],
        ),
    ],
)
def test_parses(src: str, text: str, expected: list[tuple[str, ...]]) -> None:
    got_text, got = spans(src)
    assert got_text == text, f"{src!r}: expected text {text!r}, got {got_text!r}"
    assert got == expected, f"{src!r}: expected {expected}, got {got}"


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("turn on [the light(device)", "never closed"),
        ("turn the light](device) on", "never opened"),
        ("[x](", "never closed"),
        ('[x]{"entity": "a", "colour": "red"}', "unknown key(s) 'colour'"),
        ("[x]{entity: a}", "not valid JSON"),
        ('[x]{"role": "a"}', "no 'entity'"),
        ("[x]()", "empty entity name"),
    ],
)
def test_errors(src: str, message: str) -> None:
    with pytest.raises(MarkupError) as info:
        parse_example(src)
    assert message in info.value.message, f"{src!r}: expected {message!r} in {info.value.message!r}"
