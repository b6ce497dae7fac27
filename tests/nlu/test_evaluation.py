"""Intent and entity metrics and the error list, on hand-made gold data and predictions.

Building ParseResult / Entity objects by hand is deliberate: these are pure functions of
(gold, predictions), so no model is involved.
"""

from __future__ import annotations

from typing import Any

import pytest

from assistant.nlu.data.types import EntityAnnotation, Example
from assistant.nlu.evaluation import entity_report, errors, intent_report
from assistant.types import Entity, IntentScore, ParseResult


def result(
    text: str, intent: str, confidence: float = 0.9, entities: tuple[Entity, ...] = ()
) -> ParseResult:
    score = IntentScore(intent, confidence)
    return ParseResult(text=text, intent=score, ranking=(score,), entities=entities)


def ent(
    text: str,
    start: int,
    end: int,
    entity: str,
    *,
    role: str | None = None,
    group: str | None = None,
    parent: int | None = None,
    children: tuple[int, ...] = (),
) -> Entity:
    surface = text[start:end]
    return Entity(start, end, surface, entity, surface, 0.9, role, group, parent, children)


def check_row(report: dict[str, Any], label: str, want: dict[str, float]) -> None:
    got = {k: report[label][k] for k in want}
    assert got == pytest.approx(want), f"{label}: expected {want}, got {got}"


# --- intents -----------------------------------------------------------------------------------

INTENT_GOLD = [Example(f"t{i}", g) for i, g in enumerate(["a", "a", "a", "b", "b", "c"])]
INTENT_PRED = [
    result(f"t{i}", p, c)
    for i, (p, c) in enumerate(
        [("a", 0.9), ("a", 0.8), ("b", 0.6), ("b", 0.7), ("out_of_scope", 0.3), ("a", 0.95)]
    )
]


@pytest.mark.parametrize(
    ("label", "want"),
    [
        ("a", {"precision": 2 / 3, "recall": 2 / 3, "f1-score": 2 / 3, "support": 3}),
        ("b", {"precision": 1 / 2, "recall": 1 / 2, "f1-score": 1 / 2, "support": 2}),
        # never predicted
        ("c", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 1}),
        # predicted, never gold
        ("out_of_scope", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0}),
        ("macro avg", {"precision": 7 / 24, "recall": 7 / 24, "support": 6}),  # (2/3+1/2)/4
        ("weighted avg", {"precision": 0.5, "recall": 0.5, "f1-score": 0.5, "support": 6}),
    ],
)
def test_intent_report_rows(label: str, want: dict[str, float]) -> None:
    check_row(intent_report(INTENT_GOLD, INTENT_PRED), label, want)


def test_intent_report_accuracy_and_confusions() -> None:
    report = intent_report(INTENT_GOLD, INTENT_PRED)
    assert report["accuracy"] == pytest.approx(0.5), f"expected 0.5, got {report['accuracy']}"
    got = {label: report[label]["confused_with"] for label in ("a", "b", "c", "out_of_scope")}
    want = {"a": {"b": 1}, "b": {"out_of_scope": 1}, "c": {"a": 1}, "out_of_scope": {}}
    assert got == want, f"expected {want}, got {got}"


def test_confused_with_keeps_top_three_by_count_then_name() -> None:
    wrong = ["y", "z", "z", "w", "y", "v"]
    gold = [Example(f"t{i}", "x") for i in range(len(wrong))]
    pred = [result(f"t{i}", p) for i, p in enumerate(wrong)]
    got = intent_report(gold, pred)["x"]["confused_with"]
    assert list(got.items()) == [("y", 2), ("z", 2), ("v", 1)], f"got {got}"


def test_reports_reject_unaligned_inputs() -> None:
    with pytest.raises(ValueError, match="2 gold examples but 1 predictions"):
        intent_report(INTENT_GOLD[:2], INTENT_PRED[:1])


def test_reports_on_no_examples() -> None:
    assert intent_report([], [])["accuracy"] == 0.0
    want = {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0}
    got = entity_report([], [])["micro avg"]
    assert got == want, f"expected {want}, got {got}"


# --- entities ----------------------------------------------------------------------------------

T1 = "turn on the kitchen light"
T2 = "set bedroom lamp to warm white"
T3 = "move it from 8 to 9"

ENTITY_GOLD = [
    Example(T1, "on", (EntityAnnotation(12, 25, "device"), EntityAnnotation(12, 19, "room"))),
    Example(T2, "set", (EntityAnnotation(4, 16, "device"), EntityAnnotation(4, 11, "room"),
                        EntityAnnotation(20, 30, "color"))),
    Example(T3, "move", (EntityAnnotation(13, 14, "time", role="from", group="1"),
                         EntityAnnotation(18, 19, "time", role="to"))),
]
ENTITY_PRED = [
    # both nested spans right
    result(T1, "on", entities=(
        ent(T1, 12, 25, "device", children=(1,)), ent(T1, 12, 19, "room", parent=0),
    )),
    # device right; room one character too long; color missed; a spurious temperature
    result(T2, "set", entities=(
        ent(T2, 4, 16, "device", children=(1,)), ent(T2, 4, 12, "room", parent=0),
        ent(T2, 20, 24, "temperature"),
    )),
    # role and group right on the first; role missing on the second
    result(T3, "move", entities=(
        ent(T3, 13, 14, "time", role="from", group="1"), ent(T3, 18, 19, "time"),
    )),
]


@pytest.mark.parametrize(
    ("label", "want"),
    [
        ("device", {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 2}),
        ("room", {"precision": 0.5, "recall": 0.5, "f1-score": 0.5, "support": 2}),
        ("color", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 1}),
        ("temperature", {"precision": 0.0, "recall": 0.0, "support": 0}),
        ("time@from#1", {"precision": 1.0, "recall": 1.0, "support": 1}),
        ("time@to", {"precision": 0.0, "recall": 0.0, "support": 1}),
        ("time", {"precision": 0.0, "support": 0}),
        ("micro avg", {"precision": 4 / 7, "recall": 4 / 7, "f1-score": 4 / 7, "support": 7}),
        ("macro avg", {"f1-score": 2.5 / 7, "support": 7}),
    ],
)
def test_entity_report_rows(label: str, want: dict[str, float]) -> None:
    check_row(entity_report(ENTITY_GOLD, ENTITY_PRED), label, want)


def test_entity_report_perfect_nested_prediction() -> None:
    report = entity_report(ENTITY_GOLD[:1], ENTITY_PRED[:1])
    want = {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 2}
    assert report["micro avg"] == pytest.approx(want), f"expected {want}, got {report['micro avg']}"


# --- errors ------------------------------------------------------------------------------------


def test_intent_errors_sorted_by_confidence() -> None:
    got = errors(INTENT_GOLD, INTENT_PRED)
    want = [
        {"text": "t5", "intent": "c", "intent_prediction": {"name": "a", "confidence": 0.95}},
        {"text": "t2", "intent": "a", "intent_prediction": {"name": "b", "confidence": 0.6}},
        {"text": "t4", "intent": "b",
         "intent_prediction": {"name": "out_of_scope", "confidence": 0.3}},
    ]
    assert got == want, f"expected {want}, got {got}"


def test_entity_errors_list_missing_and_spurious() -> None:
    got = errors(ENTITY_GOLD, ENTITY_PRED)
    want = [
        {
            "text": T2,
            "missing": [{"start": 4, "end": 11, "label": "room", "text": "bedroom"},
                        {"start": 20, "end": 30, "label": "color", "text": "warm white"}],
            "spurious": [{"start": 4, "end": 12, "label": "room", "text": "bedroom "},
                         {"start": 20, "end": 24, "label": "temperature", "text": "warm"}],
        },
        {
            "text": T3,
            "missing": [{"start": 18, "end": 19, "label": "time@to", "text": "9"}],
            "spurious": [{"start": 18, "end": 19, "label": "time", "text": "9"}],
        },
    ]
    assert got == want, f"expected {want}, got {got}"
