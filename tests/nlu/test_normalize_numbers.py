"""normalize_value for "number" and "percentage" spans."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.nlu.normalize import normalize_value
from tests.nlu.normalize_support import check as _check

NUMBERS: list[tuple[str, Any]] = [
    # digits
    ("21", 21),
    ("21.5", 21.5),
    ("1,000", 1000),
    ("1,000,000", 1000000),
    ("-3", -3),
    ("+5", 5),
    ("\u2212 4", -4),
    (".5", 0.5),
    ("21.0", 21),
    ("0", 0),
    # words
    ("twenty one", 21),
    ("twenty-one", 21),
    ("Twenty One", 21),
    ("a hundred", 100),
    ("hundred", 100),
    ("one hundred and five", 105),
    ("seven hundred fifty", 750),
    ("two thousand", 2000),
    ("one thousand and one", 1001),
    ("eleven hundred", 1100),
    ("a million", 1000000),
    ("one million two hundred thousand", 1200000),
    ("zero", 0),
    ("minus three", -3),
    ("negative twelve", -12),
    # fractions and counts
    ("one and a half", 1.5),
    ("two and a half", 2.5),
    ("1 and a half", 1.5),
    ("half", 0.5),
    ("a half", 0.5),
    ("a quarter", 0.25),
    ("three quarters", 0.75),
    ("one hundred and a half", 100.5),
    ("half a dozen", 6),
    ("a dozen", 12),
    ("two dozen", 24),
    ("couple", 2),
    ("a couple", 2),
    ("3/4", 0.75),
    # decimals in words
    ("twenty one point five", 21.5),
    ("point five", 0.5),
    ("zero point zero five", 0.05),
    # ordinals
    ("third", 3),
    ("the third", 3),
    ("first", 1),
    ("twenty first", 21),
    ("hundredth", 100),
    ("21st", 21),
    ("2nd", 2),
    ("3rd", 3),
    ("4th", 4),
    # mixed digits and words
    ("2 hundred", 200),
    ("2.5 thousand", 2500),
    # stray punctuation, spacing, case
    ("21.", 21),
    ("21?", 21),
    ("  21  ", 21),
    ("(21)", 21),
    ("TWENTY-ONE!", 21),
    ("twenty\tone", 21),
]

NUMBERS_UNPARSEABLE: list[tuple[str, str]] = [
    ("banana", "banana"),
    ("  Banana  ", "Banana"),
    ("five five", "five five"),
    ("nineteen ninety", "nineteen ninety"),
    ("1,5", "1,5"),
    ("1,00", "1,00"),
    ("a", "a"),
    ("and", "and"),
    ("one hundred and", "one hundred and"),
    ("a third", "a third"),
    ("1/0", "1/0"),
    ("thousand thousand", "thousand thousand"),
    ("", ""),
]

PERCENTAGES: list[tuple[str, Any]] = [
    ("50 percent", 50),
    ("50%", 50),
    ("50 %", 50),
    ("50percent", 50),
    ("50 pct", 50),
    ("fifty per cent", 50),
    ("fifty percent", 50),
    ("a hundred percent", 100),
    ("12.5%", 12.5),
    ("half a percent", 0.5),
    ("500 percent", 500),
    ("-10%", -10),
    ("half", 50),
    ("a half", 50),
    ("a quarter", 25),
    ("three quarters", 75),
    ("halfway", 50),
    ("full", 100),
    ("max", 100),
    ("maximum", 100),
    ("min", 1),
    ("minimum", 1),
    ("off", 0),
    ("fifty", 50),
    ("0.5", 0.5),
    ("50%?", 50),
    ("100 per cent.", 100),
    ("Fifty Percent", 50),
]

PERCENTAGES_UNPARSEABLE: list[tuple[str, str]] = [
    ("percent", "percent"),
    ("lots", "lots"),
    (" very bright ", "very bright"),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_number(text: str, expected: Any) -> None:
    _check("number", text, expected)


@pytest.mark.parametrize(("text", "expected"), NUMBERS_UNPARSEABLE)
def test_number_unparseable_returns_stripped_text(text: str, expected: str) -> None:
    _check("number", text, expected)


@pytest.mark.parametrize(("text", "expected"), PERCENTAGES)
def test_percentage(text: str, expected: Any) -> None:
    _check("percentage", text, expected)


@pytest.mark.parametrize(("text", "expected"), PERCENTAGES_UNPARSEABLE)
def test_percentage_unparseable_returns_stripped_text(text: str, expected: str) -> None:
    _check("percentage", text, expected)


@pytest.mark.parametrize(
    ("text", "at_least"),
    [("9" * 180 + " and a half", 10**179), ("9" * 150 + " billion", 10**158)],
    ids=["180-digits-and-a-half", "150-digits-billion"],
)
def test_number_huge_but_short_span_parses(text: str, at_least: int) -> None:
    got = normalize_value("number", text)
    assert isinstance(got, (int, float)) and got >= at_least, (
        f"normalize_value('number', {text!r}): expected a number >= {at_least}, got {got!r}"
    )


def test_number_span_over_200_chars_is_not_parsed() -> None:
    text = "1" * 201
    got = normalize_value("number", text)
    assert got == text, f"normalize_value('number', '1' * 201): expected the text, got {got!r}"
