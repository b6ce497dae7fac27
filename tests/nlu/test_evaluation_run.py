"""evaluate() end to end with a keyword-rule test double instead of a model, and the plot."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.errors import DataValidationError
from assistant.nlu.data.types import EntityAnnotation, Example, Phrase, TrainingData
from assistant.nlu.evaluation import EvaluationSummary, evaluate, plot_confusion_matrix
from assistant.types import Entity, IntentScore, ParseResult

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

DATA = TrainingData(examples=(
    Example("turn on the kitchen light", "lights_on", (EntityAnnotation(12, 19, "room"),)),
    Example("switch the light on", "lights_on"),
    Example("turn off the light", "lights_off"),
    Example("kitchen light off please", "lights_off", (EntityAnnotation(0, 7, "room"),)),
    Example("lights out in the bedroom", "lights_off", (EntityAnnotation(18, 25, "room"),)),
))


class KeywordParser:
    """TEST DOUBLE for the NLU model: a fixed keyword rule, so results are known in advance.

    Intent: "off" anywhere -> lights_off, else lights_on. Entity: the word "kitchen" -> room.
    It gets "lights out in the bedroom" wrong (intent and entity). Records batch sizes.
    """

    def __init__(self) -> None:
        self.batches: list[int] = []

    def __call__(self, texts: Sequence[str]) -> list[ParseResult]:
        self.batches.append(len(texts))
        return [self.parse(t) for t in texts]

    @staticmethod
    def parse(text: str) -> ParseResult:
        name = "lights_off" if "off" in text.split() else "lights_on"
        score = IntentScore(name, 0.8)
        entities: tuple[Entity, ...] = ()
        if "kitchen" in text:
            start = text.index("kitchen")
            entities = (Entity(start, start + 7, "kitchen", "room", "kitchen", 0.9),)
        return ParseResult(text=text, intent=score, ranking=(score,), entities=entities)


def test_evaluate_writes_reports_and_summary(tmp_path: Path) -> None:
    parser = KeywordParser()
    out = tmp_path / "reports" / "run1"
    summary = evaluate(parser, DATA, out, batch_size=2)

    assert parser.batches == [2, 2, 1], f"expected batches [2, 2, 1], got {parser.batches}"
    assert isinstance(summary, EvaluationSummary)
    paths = [summary.intent_report_path, summary.entity_report_path, summary.errors_path,
             summary.confusion_matrix_path]
    names = [p.name for p in paths]
    want_names = [
        "intent_report.json", "entity_report.json", "errors.json", "intent_confusion_matrix.png",
    ]
    assert names == want_names, f"expected {want_names}, got {names}"
    missing = [p for p in paths if p.parent != out or not p.is_file()]
    assert not missing, f"expected all four files in {out}, missing {missing}"
    assert summary.confusion_matrix_path.read_bytes()[:8] == PNG_SIGNATURE

    got = (summary.intent_accuracy, summary.entity_micro_f1, summary.n_examples,
           summary.n_intent_errors, summary.n_entity_errors)
    want = (pytest.approx(0.8), pytest.approx(0.8), 5, 1, 1)  # entities: tp 2, fp 0, fn 1
    assert got == want, f"expected {want}, got {got}"

    intents = json.loads(summary.intent_report_path.read_text(encoding="utf-8"))
    assert intents["accuracy"] == pytest.approx(0.8)
    assert intents["lights_off"]["confused_with"] == {"lights_on": 1}
    entities = json.loads(summary.entity_report_path.read_text(encoding="utf-8"))
    assert entities["room"]["support"] == 3 and entities["room"]["recall"] == pytest.approx(2 / 3)
    mistakes = json.loads(summary.errors_path.read_text(encoding="utf-8"))
    assert [m["text"] for m in mistakes] == ["lights out in the bedroom"] * 2, mistakes
    assert json.loads(json.dumps(summary.to_dict()))["n_examples"] == 5


def test_phrases_are_test_sentences_too(tmp_path: Path) -> None:
    """`assistant test nlu` on data with phrases checks that the model folder matches them."""
    data = TrainingData(examples=DATA.examples[:2],
                        phrases=(Phrase("allume", "lights_on"), Phrase("off, off", "lights_on")))
    summary = evaluate(KeywordParser(), data, tmp_path)
    assert (summary.n_examples, summary.n_intent_errors) == (4, 1)
    mistakes = json.loads(summary.errors_path.read_text(encoding="utf-8"))
    assert [m["text"] for m in mistakes] == ["off, off"]


def test_evaluate_rejects_empty_data_and_bad_parsers(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError):
        evaluate(KeywordParser(), TrainingData(examples=()), tmp_path)
    with pytest.raises(ValueError, match="batch_size"):
        evaluate(KeywordParser(), DATA, tmp_path, batch_size=0)
    with pytest.raises(ValueError, match="returned 0 results for 5 texts"):
        evaluate(lambda texts: [], DATA, tmp_path, batch_size=8)


def test_confusion_matrix_with_64_labels(tmp_path: Path) -> None:
    labels = [f"scenario_{i // 8}_intent_{i}" for i in range(64)]
    gold = labels * 3
    pred = labels * 2 + labels[1:] + labels[:1]  # the third round is shifted by one
    path = plot_confusion_matrix(gold, pred, tmp_path / "cm.png")
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"expected a PNG, got {data[:8]!r}"
    assert len(data) > 10_000, f"expected a sizeable image, got {len(data)} bytes"


def test_importing_evaluation_does_not_import_matplotlib() -> None:
    code = (
        "import sys, assistant.nlu.evaluation; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'torch')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "[]", f"expected no matplotlib/torch imported, got {done.stdout}"
