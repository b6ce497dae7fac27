"""Run a parser over a data set and write the evaluation reports."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import DataValidationError, Problem
from assistant.nlu.data.types import Example, TrainingData
from assistant.nlu.evaluation.confusion_plot import plot_confusion_matrix
from assistant.nlu.evaluation.entity_metrics import entity_report
from assistant.nlu.evaluation.error_list import entity_errors, intent_errors
from assistant.nlu.evaluation.intent_metrics import intent_report
from assistant.types import ParseResult

logger = logging.getLogger(__name__)

ParseBatch = Callable[[Sequence[str]], list[ParseResult]]

INTENT_REPORT = "intent_report.json"
ENTITY_REPORT = "entity_report.json"
ERRORS = "errors.json"
CONFUSION_MATRIX = "intent_confusion_matrix.png"


@dataclass(frozen=True)
class EvaluationSummary:
    """Headline numbers of one evaluation and where its reports were written."""

    intent_accuracy: float
    entity_micro_f1: float
    n_examples: int
    n_intent_errors: int
    n_entity_errors: int  # examples whose spans differ from the gold spans
    intent_report_path: Path
    entity_report_path: Path
    errors_path: Path
    confusion_matrix_path: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent_accuracy": self.intent_accuracy,
            "entity_micro_f1": self.entity_micro_f1,
            "n_examples": self.n_examples,
            "n_intent_errors": self.n_intent_errors,
            "n_entity_errors": self.n_entity_errors,
            "intent_report_path": str(self.intent_report_path),
            "entity_report_path": str(self.entity_report_path),
            "errors_path": str(self.errors_path),
            "confusion_matrix_path": str(self.confusion_matrix_path),
        }


def _parse_all(parse_batch: ParseBatch, texts: Sequence[str], batch_size: int) -> list[ParseResult]:
    results: list[ParseResult] = []
    for first in range(0, len(texts), batch_size):
        batch = texts[first : first + batch_size]
        parsed = list(parse_batch(batch))
        if len(parsed) != len(batch):
            raise ValueError(f"parse_batch returned {len(parsed)} results for {len(batch)} texts")
        results.extend(parsed)
        logger.debug("parsed %d/%d", len(results), len(texts))
    return results


def _write_json(path: Path, content: Any) -> Path:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def evaluate(
    parse_batch: ParseBatch, data: TrainingData, out_dir: Path, *, batch_size: int = 1
) -> EvaluationSummary:
    """Parse every example and phrase; write the reports, errors and confusion matrix.

    One sentence per call by default, as the server parses: with dynamic INT8 quantisation
    a sentence's result depends a little on the others in its batch (one activation scale
    per batch tensor), so batched numbers would not be the served ones.

    Writes ``intent_report.json``, ``entity_report.json``, ``errors.json`` and
    ``intent_confusion_matrix.png`` into ``out_dir`` (created if needed). Raises
    DataValidationError when ``data`` has no examples and ValueError for a batch_size
    below 1 or a parse_batch that returns the wrong number of results.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    gold = data.examples + tuple(Example(p.text, p.intent, (), p.source) for p in data.phrases)
    if not gold:
        raise DataValidationError([Problem(
            "<data>", "no examples to evaluate", "pass a test set with at least one example",
        )])
    pred = _parse_all(parse_batch, [e.text for e in gold], batch_size)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    intents = intent_report(gold, pred)
    entities = entity_report(gold, pred)
    wrong_intents, wrong_entities = intent_errors(gold, pred), entity_errors(gold, pred)
    summary = EvaluationSummary(
        intent_accuracy=float(intents["accuracy"]),
        entity_micro_f1=float(entities["micro avg"]["f1-score"]),
        n_examples=len(gold),
        n_intent_errors=len(wrong_intents),
        n_entity_errors=len(wrong_entities),
        intent_report_path=_write_json(out / INTENT_REPORT, intents),
        entity_report_path=_write_json(out / ENTITY_REPORT, entities),
        errors_path=_write_json(out / ERRORS, wrong_intents + wrong_entities),
        confusion_matrix_path=plot_confusion_matrix(
            [e.intent for e in gold], [p.intent.name for p in pred], out / CONFUSION_MATRIX
        ),
    )
    logger.info(
        "evaluated %d examples: intent accuracy %.4f, entity micro F1 %.4f",
        summary.n_examples, summary.intent_accuracy, summary.entity_micro_f1,
    )
    return summary
