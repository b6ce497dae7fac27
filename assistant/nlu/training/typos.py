"""Typo augmentation: copies of training examples with one misspelt word each.

Users type "trun of the kitchn light"; word pieces of a misspelt word differ completely
from the right ones, so the model only learns to read them from examples. Each epoch a
fraction of the examples gets a fresh copy with one typo (an adjacent swap, a dropped, a
doubled or a neighbouring key) in one word of at least three letters; entity offsets move
with the text, so the copy keeps its annotation.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.nlu.data.types import EntityAnnotation, Example

_WORD = re.compile(r"[A-Za-z]{3,}")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    ch: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    for row in _ROWS for i, ch in enumerate(row)
}


def misspell(word: str, rng: random.Random) -> str:
    """``word`` with one typical typo; never the word itself."""
    i = rng.randrange(len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    if kind == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "neighbour":
        options = _NEIGHBOURS.get(word[i].lower(), "")
        if options:
            return word[:i] + rng.choice(options) + word[i + 1:]
    return word[:i] + word[i] + word[i:]  # double


def with_typo(example: Example, rng: random.Random) -> Example | None:
    """A copy of ``example`` with one misspelt word, or None when no word is long enough."""
    words = list(_WORD.finditer(example.text))
    if not words:
        return None
    m = rng.choice(words)
    start, end = m.span()
    typo = misspell(m.group(), rng)
    delta = len(typo) - (end - start)
    entities = tuple(_shift(a, start, end, delta) for a in example.entities)
    return replace(example, text=example.text[:start] + typo + example.text[end:],
                   entities=entities, source=f"{example.source} (typo)")


def typo_copies(examples: Sequence[Example], rate: float, rng: random.Random) -> list[Example]:
    """About ``rate`` x len(examples) misspelt copies, each of a different example."""
    if rate <= 0:
        return []
    copies = (with_typo(e, rng) for e in examples if rng.random() < rate)
    return [c for c in copies if c is not None]


def _shift(a: EntityAnnotation, start: int, end: int, delta: int) -> EntityAnnotation:
    if a.start >= end:  # after the word
        return replace(a, start=a.start + delta, end=a.end + delta)
    if a.start <= start and a.end >= end:  # the word is inside the entity
        return replace(a, end=a.end + delta)
    return a  # before the word (entities lie on word boundaries: nothing else)
