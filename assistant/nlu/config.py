"""Training configuration: validated, unknown keys rejected, saved resolved with the model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import Problem, TrainingConfigError


class TinyEncoder(BaseModel):
    """A random-initialised encoder (tests, smoke runs): same tokenizer, tiny sizes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    hidden_size: int = 32
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 64


class TrainingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    encoder: Literal["all-MiniLM-L6-v2", "tiny"] = "all-MiniLM-L6-v2"
    tiny: TinyEncoder = Field(default_factory=TinyEncoder)
    epochs: int = Field(15, ge=1, le=200)
    batch_size: int = Field(32, ge=1, le=1024)
    learning_rate: float = Field(3e-5, gt=0, description="encoder; lower keeps more of what "
                                 "the pretrained sentence encoder knows")
    head_learning_rate: float = Field(2e-3, gt=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    dropout: float = Field(0.1, ge=0, lt=1)
    max_tokens: int = Field(64, ge=8, le=512)
    max_width: int = Field(8, ge=1, le=32)
    span_hidden: int = Field(256, ge=8)
    width_dim: int = Field(32, ge=4)
    span_loss_weight: float = Field(2.0, ge=0, description="against the intent loss "
                                    "(docs/benchmarks.md has the comparison)")
    ema_decay: float = Field(0.0, ge=0, lt=1, description="export an exponential moving average "
                             "of the weights (0 = the last weights)")
    label_smoothing: float = Field(0.0, ge=0, lt=1, description="for the intent loss")
    typo_rate: float = Field(0.5, ge=0, le=1, description="per epoch, this fraction of the "
                             "examples is added again with one misspelt word")
    intent_threshold: float = Field(0.4, ge=0, le=1)
    span_threshold: float = Field(0.5, ge=0, le=1)
    fallback_intent: str = "out_of_scope"
    holdout_fraction: float = Field(0.0, ge=0, lt=1)
    seed: int = 42
    threads: int = Field(0, ge=0, description="torch threads; 0 = all cores")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="where to train; auto = "
                                                   "the GPU when torch sees one, else the CPU")

    def fingerprint(self) -> str:
        """Hash of every setting except ``threads`` and ``device``: they change how fast a
        model trains, not what it is meant to be (a model trained on a GPU is reused on a CPU)."""
        data = self.model_dump(exclude={"threads", "device"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def load_config(path: str | Path | None, **overrides: object) -> TrainingConfig:
    raw: dict[str, object] = {}
    if path is not None:
        p = Path(path)
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise TrainingConfigError([Problem(f"{p}:1", "the config file does not exist",
                                               "check the --config path")]) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            raise TrainingConfigError([Problem(f"{p}:{line}", f"not valid YAML: {exc}",
                                               "")]) from None
        if not isinstance(loaded, dict):
            raise TrainingConfigError([Problem(f"{p}:1", "config must be a mapping", "")])
        raw.update(loaded)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return TrainingConfig.model_validate(raw)
    except ValidationError as exc:
        where = str(path) if path is not None else "<options>"
        raise TrainingConfigError(
            [
                Problem(where, f"{'.'.join(map(str, e['loc']))}: {e['msg']}",
                        "see the training config table in docs/nlu.md")
                for e in exc.errors()
            ]
        ) from None
