"""Shared checks for the normalisation tests: strict equality (type too) with a quoted failure."""

from __future__ import annotations

from typing import Any

from assistant.nlu.normalize import normalize_value


def same(got: Any, expected: Any) -> bool:
    """Equal and of the same type all the way down (so 21 != 21.0 here)."""
    if type(got) is not type(expected):
        return False
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same(got[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return len(got) == len(expected) and all(map(same, got, expected))
    return bool(got == expected)


def check(entity: str, text: str, expected: Any, synonyms: dict[str, str] | None = None) -> None:
    got = normalize_value(entity, text, synonyms)
    assert same(got, expected), (
        f"normalize_value({entity!r}, {text!r}, {synonyms!r}): expected {expected!r}, got {got!r}"
    )
