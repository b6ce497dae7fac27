"""The individual mistakes behind the reports, for errors.json."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.nlu.data.types import Example
from assistant.nlu.evaluation.scores import check_aligned
from assistant.nlu.evaluation.span_sets import gold_spans, predicted_spans
from assistant.types import ParseResult


def intent_errors(gold: Sequence[Example], pred: Sequence[ParseResult]) -> list[dict[str, Any]]:
    """Misclassified intents, most confident mistakes first (ties keep data order)."""
    check_aligned(gold, pred)
    wrong = [(g, p) for g, p in zip(gold, pred) if g.intent != p.intent.name]
    wrong.sort(key=lambda gp: -gp[1].intent.confidence)
    return [
        {
            "text": g.text,
            "intent": g.intent,
            "intent_prediction": {
                "name": p.intent.name, "confidence": round(p.intent.confidence, 4),
            },
        }
        for g, p in wrong
    ]


def entity_errors(gold: Sequence[Example], pred: Sequence[ParseResult]) -> list[dict[str, Any]]:
    """Examples whose spans differ, in data order: gold spans ``missing``, extra ``spurious``.

    Each span is ``{start, end, label, text}``; a span with the right offsets but the wrong
    label appears in both lists.
    """
    check_aligned(gold, pred)
    out: list[dict[str, Any]] = []
    for example, result in zip(gold, pred):
        expected, got = gold_spans(example), predicted_spans(result)
        if expected == got:
            continue
        out.append({
            "text": example.text,
            "missing": [s.to_dict() for s in sorted(expected - got)],
            "spurious": [s.to_dict() for s in sorted(got - expected)],
        })
    return out


def errors(gold: Sequence[Example], pred: Sequence[ParseResult]) -> list[dict[str, Any]]:
    """Intent errors (by confidence, highest first), then entity errors (in data order)."""
    return intent_errors(gold, pred) + entity_errors(gold, pred)
