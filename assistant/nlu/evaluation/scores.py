"""Precision, recall and F1 from counts, and the averages of classification_report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.nlu.data.types import Example
from assistant.types import ParseResult


def check_aligned(gold: Sequence[Example], pred: Sequence[ParseResult]) -> None:
    """Raise ValueError unless there is exactly one prediction per gold example."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold examples but {len(pred)} predictions")


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1; 0.0 where a denominator is zero (zero_division=0)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def row(tp: int, fp: int, fn: int) -> dict[str, Any]:
    """One report row: precision, recall, f1-score and support (= tp + fn, the gold count)."""
    precision, recall, f1 = prf(tp, fp, fn)
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": tp + fn}


def averages(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``macro avg`` (unweighted mean over rows) and ``weighted avg`` (weighted by support)."""
    metrics = ("precision", "recall", "f1-score")
    total = sum(int(r["support"]) for r in rows.values())
    macro: dict[str, Any] = {
        m: (sum(float(r[m]) for r in rows.values()) / len(rows) if rows else 0.0) for m in metrics
    }
    weighted: dict[str, Any] = {
        m: (sum(float(r[m]) * int(r["support"]) for r in rows.values()) / total if total else 0.0)
        for m in metrics
    }
    macro["support"] = total
    weighted["support"] = total
    return {"macro avg": macro, "weighted avg": weighted}
