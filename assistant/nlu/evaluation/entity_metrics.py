"""Entity report: exact span match on (start, end, label), nested spans counted separately."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from assistant.nlu.data.types import Example
from assistant.nlu.evaluation.scores import averages, check_aligned, row
from assistant.nlu.evaluation.span_sets import gold_spans, predicted_spans
from assistant.types import ParseResult


def entity_report(gold: Sequence[Example], pred: Sequence[ParseResult]) -> dict[str, Any]:
    """Per-label precision, recall, f1-score and support, plus micro, macro and weighted avg.

    A predicted span is correct only when start, end and label (entity, ``@role``,
    ``#group``) all equal a gold span of the same example. Every span of a nested
    structure counts on its own. Rows cover the union of gold and predicted labels.
    ``micro avg`` pools the counts of all labels (the conlleval / seqeval slot F1).
    """
    check_aligned(gold, pred)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for example, result in zip(gold, pred):
        expected, got = gold_spans(example), predicted_spans(result)
        tp.update(s.label for s in expected & got)
        fp.update(s.label for s in got - expected)
        fn.update(s.label for s in expected - got)
    rows = {
        label: row(tp[label], fp[label], fn[label])
        for label in sorted(set(tp) | set(fp) | set(fn))
    }
    report: dict[str, Any] = dict(rows)
    report["micro avg"] = row(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    report.update(averages(rows))
    return report
