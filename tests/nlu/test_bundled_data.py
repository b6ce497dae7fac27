"""The bundled training data: loads cleanly and covers every capability the product has."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.nlu.data.loader import load_training_data
from assistant.nlu.data.types import TrainingData
from tests.conftest import ROOT

INTENTS = {
    "turn_on", "turn_off", "set_brightness", "change_brightness", "set_color", "set_temperature",
    "get_temperature", "set_hvac_mode", "set_fan_speed", "open_cover", "close_cover",
    "set_cover_position", "lock", "unlock", "media_play", "media_pause", "set_volume",
    "activate_scene", "set_timer", "cancel_timer", "timer_status", "get_state", "greet", "goodbye",
    "affirm", "deny", "cancel", "help", "thanks", "out_of_scope",
}


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return load_training_data(ROOT / "nlu_data")


def test_every_intent_has_forty_distinct_examples(data: TrainingData) -> None:
    counts = Counter(e.intent for e in data.examples)
    assert set(counts) == INTENTS
    thin = {i: n for i, n in counts.items() if n < 40}
    assert not thin, f"intents with fewer than 40 examples: {thin}"


@pytest.mark.parametrize(
    ("outer", "inner"),
    [("device", "room"), ("temperature", "number"), ("percentage", "number"), ("duration", "number")],
)
def test_nested_entities_where_real(data: TrainingData, outer: str, inner: str) -> None:
    nested = [
        e for e in data.examples
        for a in e.entities if a.entity == outer
        for b in e.entities if b.entity == inner and a.start <= b.start and b.end <= a.end and a != b
    ]
    assert len(nested) >= 20, f"only {len(nested)} examples nest {inner} in {outer}"


def test_no_crossing_annotations(data: TrainingData) -> None:
    for ex in data.examples:
        for a in ex.entities:
            for b in ex.entities:
                crossing = a.start < b.start < a.end < b.end
                assert not crossing, f"{ex.source}: {ex.text!r} has crossing spans {a} and {b}"


def test_synonyms_present(data: TrainingData) -> None:
    assert data.synonyms.get("lounge") == "living room"
    assert len(data.synonyms) >= 30


def test_other_languages_are_phrases(data: TrainingData) -> None:
    """Greetings, goodbyes, thanks, yes and no in other languages are matched, not learned."""
    from assistant.nlu.phrases import PhraseTable

    assert len(data.phrases) >= 100
    assert {p.source.rsplit(":", 1)[0].rsplit("/", 1)[-1] for p in data.phrases} == {"other_languages.yml"}
    assert {p.intent for p in data.phrases} == {"greet", "goodbye", "thanks", "affirm", "deny"}
    table = PhraseTable(data.phrases)
    for p in data.phrases:
        assert table.match(f"{p.text}, house") == p.intent, p
    learned = {e.text.lower() for e in data.examples}
    assert not learned & {p.text.lower() for p in data.phrases}
