"""Shared fixtures: a tiny random-initialised model trained in seconds on a small dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TINY_DATA = '''version: "3.1"
nlu:
- intent: turn_on
  examples: |
    - turn on the [[kitchen](room) light](device)
    - switch on the [[bedroom](room) lamp](device)
    - turn on the [[office](room) fan](device)
    - please turn on the [[hallway](room) light](device)
    - switch on the [[kitchen](room) lamp](device)
    - turn on the [[bedroom](room) fan](device)
    - turn the [[office](room) light](device) on
    - can you switch on the [[hallway](room) lamp](device)
- intent: turn_off
  examples: |
    - turn off the [[kitchen](room) light](device)
    - switch off the [[bedroom](room) lamp](device)
    - turn off the [[office](room) fan](device)
    - please turn off the [[hallway](room) light](device)
    - switch off the [[kitchen](room) lamp](device)
    - turn off the [[bedroom](room) fan](device)
    - turn the [[office](room) light](device) off
    - can you switch off the [[hallway](room) lamp](device)
- intent: set_temperature
  examples: |
    - set the [thermostat](device) to [[21](number) degrees](temperature)
    - make it [[19](number) degrees](temperature)
    - set the heating to [[22](number) degrees](temperature)
    - change the [thermostat](device) to [[18](number) degrees](temperature)
    - warm it up to [[23](number) degrees](temperature)
    - set temperature to [[20](number) degrees](temperature)
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hey
    - hello assistant
    - hiya
- intent: greet
  metadata: {match: phrase, address: [house]}
  examples: |
    - bonjour
    - buenos días
- synonym: kitchen
  examples: |
    - cookhouse
'''

TINY_CONFIG = """encoder: tiny
epochs: 40
batch_size: 8
head_learning_rate: 0.003
intent_threshold: 0.3
"""


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny_data")
    (path / "nlu.yml").write_text(TINY_DATA, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny_config") / "config.yml"
    path.write_text(TINY_CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, tiny_data_dir: Path, tiny_config_file: Path) -> Path:
    """A model folder (ONNX FP32/INT8/FP16 + tokenizer + labels) trained with a tiny encoder."""
    from assistant.nlu.config import load_config
    from assistant.nlu.training.pipeline import train_model

    out = tmp_path_factory.mktemp("tiny_model") / "nlu"
    train_model(tiny_data_dir, out, load_config(tiny_config_file))
    return out
