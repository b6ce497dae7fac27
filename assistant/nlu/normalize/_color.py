"""Colours: named ("light blue", "warm white", "grey"), or hex ("#ff8800")."""

from __future__ import annotations

import re
from typing import Any

from assistant.nlu.normalize._color_names import ALIASES, CSS_COLORS, LIGHTING_WHITES, RGB

_FILLERS = frozenset(
    {"the", "a", "an", "colour", "color", "colours", "colors", "coloured", "colored"}
)
_WORD_SPLIT = re.compile(r"[\s\-_]+")
_HEX6 = re.compile(r"(?:#|0x)?([0-9a-f]{6})")
_HEX3 = re.compile(r"#([0-9a-f]{3})")


def _key(name: str) -> str:
    """Lookup key: words run together, "grey" spelled "gray" ("Light-Grey" -> "lightgray")."""
    return name.replace(" ", "").replace("grey", "gray")


def _build_index() -> dict[str, tuple[str, RGB]]:
    named = {**CSS_COLORS, **LIGHTING_WHITES}
    index = {_key(name): (name, rgb) for name, rgb in named.items()}
    for alias, canonical in ALIASES.items():
        index[_key(alias)] = (canonical, named[canonical])
    return index


_INDEX: dict[str, tuple[str, RGB]] = _build_index()


def parse_color(cleaned: str | None, text: str) -> dict[str, Any]:
    """{"name": canonical name, "rgb": [r, g, b]}; unknown: {"name": text, "rgb": None}."""
    if cleaned:
        words = [word for word in _WORD_SPLIT.split(cleaned) if word and word not in _FILLERS]
        joined = "".join(words)
        found = _INDEX.get(_key(joined))
        if found is not None:
            name, rgb = found
            return {"name": name, "rgb": list(rgb)}
        hex_match = _HEX6.fullmatch(joined) or _HEX3.fullmatch(joined)
        if hex_match:
            digits = hex_match.group(1)
            if len(digits) == 3:
                digits = "".join(ch * 2 for ch in digits)
            rgb_hex = [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
            return {"name": f"#{digits}", "rgb": rgb_hex}
    return {"name": text.lower().strip(), "rgb": None}
