"""What a model folder holds and whether it is current; torch-free, so `assistant run` can
check a model without importing the training stack."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.nlu.config import TrainingConfig

FORMAT_VERSION = 2  # 2: phrases.json (phrases are matched, no longer learned)
#: how ``split_holdout`` draws the held-out set; recorded when a model holds examples out, so
#: a model split another way is not reused with metrics from other sentences
SPLIT_METHOD = "blake2b-per-intent"
MODEL_FILES = ("model.onnx", "model.int8.onnx", "model.fp16.onnx", "tokenizer.json", "labels.json",
               "phrases.json")


def split_method(config: TrainingConfig) -> str | None:
    """What ``meta.json`` records as ``split`` for a model trained with ``config``."""
    return SPLIT_METHOD if config.holdout_fraction > 0 else None


def is_current(model_dir: Path, data_hash: str, config: TrainingConfig | None = None) -> bool:
    """True when the folder is complete and was trained on this data (and with this config,
    when one is given; without one, whatever config the folder was trained with is kept)."""
    meta_file = model_dir / "meta.json"
    if not meta_file.is_file() or not all((model_dir / f).is_file() for f in MODEL_FILES):
        return False
    meta = json.loads(meta_file.read_text())
    if meta.get("format") != FORMAT_VERSION or meta.get("data_hash") != data_hash:
        return False
    if config is None:
        return True
    return (meta.get("config_hash") == config.fingerprint()
            and meta.get("split") == split_method(config))
