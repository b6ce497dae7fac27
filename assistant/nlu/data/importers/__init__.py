"""Importers for public NLU benchmarks (HWU64, SNIPS) into TrainingData."""

from __future__ import annotations

from assistant.nlu.data.importers.dispatch import load_dataset
from assistant.nlu.data.importers.hwu64 import load_hwu64
from assistant.nlu.data.importers.snips import load_snips

__all__ = ["load_dataset", "load_hwu64", "load_snips"]
