"""Pick the importer for a dataset path: HWU64 jsonl, a SNIPS split, or project YAML."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import DataNotFoundError, UnknownDatasetFormatError
from assistant.nlu.data.importers.hwu64 import load_hwu64
from assistant.nlu.data.importers.snips import load_snips
from assistant.nlu.data.types import TrainingData

_YAML_SUFFIXES = (".yml", ".yaml")


def _has_yaml(folder: Path) -> bool:
    return any(p.suffix in _YAML_SUFFIXES for p in folder.rglob("*") if p.is_file())


def load_dataset(path: str | Path) -> TrainingData:
    """Load training or test data from ``path``, whatever its format.

    A ``.jsonl`` file is HWU64; a folder holding ``seq.in`` is a SNIPS split; a ``.yml`` /
    ``.yaml`` file or a folder of them is project data (assistant.nlu.data.loader).
    """
    target = Path(path)
    if not target.exists():
        raise DataNotFoundError(
            f"dataset not found: {target}",
            hint="pass a .jsonl file (HWU64), a SNIPS split folder, or a YAML file or folder",
        )
    if target.is_file() and target.suffix == ".jsonl":
        return load_hwu64(target)
    if target.is_dir() and (target / "seq.in").is_file():
        return load_snips(target)
    is_yaml_file = target.is_file() and target.suffix in _YAML_SUFFIXES
    if is_yaml_file or (target.is_dir() and _has_yaml(target)):
        from assistant.nlu.data.loader import load_training_data  # lazy: optional module

        return load_training_data(path)
    raise UnknownDatasetFormatError(
        f"cannot tell the format of {target}",
        hint="use a .jsonl file (HWU64), a folder with seq.in/seq.out/label (SNIPS), "
        "or .yml/.yaml training data",
    )
