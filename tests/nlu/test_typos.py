"""Typo augmentation: one word misspelt, the annotation still on the same words."""

from __future__ import annotations

import random
from pathlib import Path

from assistant.nlu.data._markup import parse_example
from assistant.nlu.data.loader import load_training_data
from assistant.nlu.data.types import Example
from assistant.nlu.training.typos import misspell, typo_copies, with_typo

ROOT = Path(__file__).resolve().parents[2]


def _distance_one(a: str, b: str) -> bool:
    """One swap, drop, insertion or substitution apart (Damerau-Levenshtein 1)."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return len(long_) - len(short) == 1 and any(
        long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def test_a_misspelling_is_one_edit_away() -> None:
    rng = random.Random(3)
    for _ in range(500):
        word = rng.choice(["kitchen", "thermostat", "off", "lights", "living", "tee", "aab"])
        typo = misspell(word, rng)
        assert _distance_one(word, typo), (word, typo)


def test_nested_entities_move_with_the_text() -> None:
    text, entities = parse_example("please turn off the [[kitchen](room) light](device) now")
    example = Example(text=text, intent="turn_off", entities=tuple(entities))
    seen = set()
    for seed in range(300):
        copy = with_typo(example, random.Random(seed))
        assert copy is not None and copy.intent == "turn_off"
        assert _distance_one(example.text, copy.text), copy.text
        for before, after in zip(example.entities, copy.entities, strict=True):
            want, got = example.text[before.start:before.end], copy.text[after.start:after.end]
            assert got == want or _distance_one(want, got), (want, got, copy.text)
        device, room = copy.entities  # still nested: the room inside the device
        assert device.start <= room.start and room.end <= device.end, copy
        seen.add(copy.text)
    assert len(seen) > 20, "typos vary"


def test_copies_of_the_bundled_data_keep_every_span_on_word_boundaries() -> None:
    data = load_training_data(ROOT / "nlu_data")
    copies = typo_copies(data.examples, 1.0, random.Random(7))
    assert len(copies) >= len(data.examples) * 0.95  # all but the ones without a long word
    for c in copies:
        for a in c.entities:
            assert 0 <= a.start < a.end <= len(c.text), c
            assert c.text[a.start].isalnum() or c.text[a.start] in "#-+.$'\"", c
            assert a.end == len(c.text) or not c.text[a.end - 1].isspace(), c


def test_rate_zero_adds_nothing() -> None:
    data = load_training_data(ROOT / "nlu_data")
    assert typo_copies(data.examples, 0.0, random.Random(1)) == []
