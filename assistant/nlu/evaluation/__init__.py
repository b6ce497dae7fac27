"""NLU evaluation: intent and entity reports, error lists, confusion matrix, a runner."""

from __future__ import annotations

from assistant.nlu.evaluation.confusion_plot import plot_confusion_matrix
from assistant.nlu.evaluation.entity_metrics import entity_report
from assistant.nlu.evaluation.error_list import errors
from assistant.nlu.evaluation.intent_metrics import intent_report
from assistant.nlu.evaluation.runner import EvaluationSummary, evaluate

__all__ = [
    "EvaluationSummary",
    "entity_report",
    "errors",
    "evaluate",
    "intent_report",
    "plot_confusion_matrix",
]
