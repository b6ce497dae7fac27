"""Intent classification report in the shape of ``rasa test nlu`` / sklearn."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from assistant.nlu.data.types import Example
from assistant.nlu.evaluation.scores import averages, check_aligned, row
from assistant.types import ParseResult

CONFUSED_WITH_TOP = 3


def intent_report(gold: Sequence[Example], pred: Sequence[ParseResult]) -> dict[str, Any]:
    """Per-intent precision, recall, f1-score, support and confused_with, plus averages.

    Rows cover the union of gold and predicted intents, sorted by name, as sklearn does:
    an intent that is only predicted (e.g. ``out_of_scope``) gets support 0 and recall 0,
    and it counts in ``macro avg`` but not in ``weighted avg``. ``confused_with`` maps the
    (at most three) most frequent wrong predictions for that gold intent to their counts.
    The top level also has ``accuracy`` (0.0 for no examples).
    """
    check_aligned(gold, pred)
    gold_names = [g.intent for g in gold]
    pred_names = [p.intent.name for p in pred]
    hits: Counter[str] = Counter()
    confused: dict[str, Counter[str]] = {}
    for expected, got in zip(gold_names, pred_names):
        if expected == got:
            hits[expected] += 1
        else:
            confused.setdefault(expected, Counter())[got] += 1
    gold_counts, pred_counts = Counter(gold_names), Counter(pred_names)
    rows: dict[str, dict[str, Any]] = {}
    for label in sorted(set(gold_counts) | set(pred_counts)):
        tp = hits[label]
        rows[label] = row(tp, pred_counts[label] - tp, gold_counts[label] - tp)
        wrong = sorted(confused.get(label, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))
        rows[label]["confused_with"] = dict(wrong[:CONFUSED_WITH_TOP])
    report: dict[str, Any] = dict(rows)
    report["accuracy"] = sum(hits.values()) / len(gold_names) if gold_names else 0.0
    report.update(averages(rows))
    return report
