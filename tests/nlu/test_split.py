"""The held-out split: stratified by intent, deterministic, and stable as the data grows."""

from __future__ import annotations

from collections import Counter

from assistant.nlu.data.types import Example
from assistant.nlu.training.train import split_holdout


def _data(n_per_intent: dict[str, int]) -> list[Example]:
    return [Example(f"{intent} example {i}", intent) for intent, n in n_per_intent.items()
            for i in range(n)]


def test_stratified_and_deterministic() -> None:
    data = _data({"greet": 50, "turn_on": 20, "rare": 1})
    train, held = split_holdout(data, 0.2, seed=42)
    assert Counter(e.intent for e in held) == {"greet": 10, "turn_on": 4}
    assert {e.intent for e in train} == {"greet", "turn_on", "rare"}  # each keeps one
    assert sorted(map(id, train + held)) == sorted(map(id, data))
    assert split_holdout(list(reversed(data)), 0.2, seed=42)[1] == held  # order does not matter
    assert split_holdout(data, 0.2, seed=43)[1] != held


def test_adding_examples_keeps_the_other_intents_split() -> None:
    data = _data({"greet": 50, "turn_on": 40, "turn_off": 30})
    _, before = split_holdout(data, 0.2, seed=42)
    grown = data + [Example(f"greet new {i}", "greet") for i in range(10)]
    _, after = split_holdout(grown, 0.2, seed=42)
    for intent in ("turn_on", "turn_off"):
        assert [e for e in after if e.intent == intent] == [e for e in before if e.intent == intent]
    old_held = {e.text for e in before if e.intent == "greet"}
    new_held = {e.text for e in after if e.intent == "greet"}
    assert len(new_held) == 12
    # the old examples keep their order: those held out now are a prefix of those before
    # (or all of those and a few more), never a redrawn set
    old_now = {t for t in new_held if not t.startswith("greet new")}
    assert old_now <= old_held or old_held <= old_now


def test_zero_fraction_holds_nothing_out() -> None:
    data = _data({"greet": 5})
    assert split_holdout(data, 0.0, seed=1) == (data, [])
