"""The bundled flows and the NLU domain they are checked against."""

from __future__ import annotations

from pathlib import Path

import yaml

from assistant.actions.catalogue import ACTIONS, CAPABILITIES  # stdlib-only module
from assistant.dialogue import DialogueEngine

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
DOMAIN = yaml.safe_load((ROOT / "nlu_data" / "domain.yml").read_text(encoding="utf-8"))


def load_engine(flows_dir: Path = FLOWS) -> DialogueEngine:
    return DialogueEngine.load(flows_dir, intents=DOMAIN["intents"], actions=ACTIONS,
                               entities=DOMAIN["entities"], capabilities=CAPABILITIES)
