"""Train-or-reuse: the library function behind ``assistant train``."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assistant.nlu.config import TrainingConfig
from assistant.nlu.data.loader import data_fingerprint
from assistant.nlu.data.types import Example, TrainingData
from assistant.nlu.training.meta import is_current
from assistant.nlu.training.train import Progress, train


@dataclass(frozen=True)
class TrainOutcome:
    model_dir: Path
    reused: bool
    seconds: float
    metrics: dict[str, object]


def train_model(
    data_path: Path,
    model_dir: Path,
    config: TrainingConfig,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> TrainOutcome:
    """Validate the data, train, export, evaluate; reuse the model when nothing changed.

    The new model is built in a temporary folder and moved into place only when complete, so
    a failed or interrupted run never leaves a half-written model behind.
    """
    from assistant.nlu.data.importers import load_dataset

    data_hash = data_fingerprint(data_path)
    if not force and is_current(model_dir, data_hash, config):
        metrics = json.loads((model_dir / "metrics.json").read_text()) if (model_dir / "metrics.json").is_file() else {}
        return TrainOutcome(model_dir, True, 0.0, metrics)
    data = load_dataset(data_path)  # raises DataValidationError listing every problem
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".training-", dir=model_dir.parent))
    try:
        result = train(data, tmp, config, data_hash=data_hash, progress=progress)
        metrics = _evaluate(tmp, data, result.holdout)
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        if model_dir.exists():
            shutil.rmtree(model_dir)
        tmp.rename(model_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return TrainOutcome(model_dir, False, result.seconds, metrics)


def _evaluate(model_dir: Path, data: TrainingData, holdout: tuple[Example, ...]) -> dict[str, object]:
    """Intent accuracy and entity F1 of the exported INT8 model, on the held-out split if any
    (learned examples only: phrases are never held out), else on all the data."""
    from assistant.nlu.evaluation import evaluate
    from assistant.nlu.runtime import NLUModel

    split = "holdout" if holdout else "train"
    model = NLUModel.load(model_dir)
    report_dir = model_dir / "evaluation"
    summary = evaluate(model.parse_batch, TrainingData(examples=holdout) if holdout else data, report_dir)
    return {
        "split": split,
        "examples": summary.n_examples,
        "phrases": len(data.phrases),  # matched by wording; in the "train" numbers, never held out
        "intent_accuracy": summary.intent_accuracy,
        "entity_f1": summary.entity_micro_f1,
    }
