"""The real all-MiniLM-L6-v2 model fine-tuned on the bundled data (minutes on 2 cores).

Marked ``slow``: `make test` runs it after the fast suite. Thresholds here are floors that
catch a broken model; the benchmark numbers are in docs/benchmarks.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.nlu.config import load_config
from assistant.nlu.data.loader import load_training_data
from assistant.nlu.runtime import NLUModel
from assistant.nlu.training.pipeline import train_model
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real") / "nlu"
    train_model(ROOT / "nlu_data", out, load_config(None, holdout_fraction=0.2))
    return out


def test_holdout_quality(real_model: Path) -> None:
    metrics = json.loads((real_model / "metrics.json").read_text())
    assert metrics["split"] == "holdout" and metrics["examples"] > 300
    assert metrics["intent_accuracy"] >= 0.93, metrics
    assert metrics["entity_f1"] >= 0.90, metrics


@pytest.mark.parametrize(
    ("text", "intent", "entities"),
    [
        ("turn on the kitchen light", "turn_on",
         [("kitchen light", "device", "kitchen light"), ("kitchen", "room", "kitchen")]),
        ("set the bedroom thermostat to twenty one degrees", "set_temperature",
         [("bedroom thermostat", "device", "bedroom thermostat"), ("bedroom", "room", "bedroom"),
          ("twenty one degrees", "temperature", {"value": 21, "unit": None}),
          ("twenty one", "number", 21)]),
        ("dim the living room lamp to 30%", "set_brightness",
         [("living room lamp", "device", "living room lamp"), ("living room", "room", "living room"),
          ("30%", "percentage", 30), ("30", "number", 30)]),
        ("set a timer for 5 minutes", "set_timer", [("5 minutes", "duration", 300), ("5", "number", 5)]),
        ("lock the front door", "lock", [("front door", "device", "front door")]),
        ("what's the capital of peru", "out_of_scope", []),
        ("Merci beaucoup, house!", "thanks", []),  # a phrase of nlu_data/other_languages.yml
    ],
)
def test_parses(real_model: Path, text: str, intent: str, entities: list[tuple[str, str, object]]) -> None:
    result = NLUModel.load(real_model).parse(text)
    got = {(e.text, e.entity, json.dumps(e.value, sort_keys=True)) for e in result.entities}
    want = {(t, n, json.dumps(v, sort_keys=True)) for t, n, v in entities}
    assert result.intent.name == intent, f"{text!r}: expected {intent}, got {result.to_dict()['intent']}"
    assert got == want, f"{text!r}: expected {sorted(want)}, got {sorted(got)}"


def test_nesting_links(real_model: Path) -> None:
    result = NLUModel.load(real_model).parse("switch off the bathroom fan")
    device = next(i for i, e in enumerate(result.entities) if e.entity == "device")
    room = next(i for i, e in enumerate(result.entities) if e.entity == "room")
    assert result.entities[room].parent == device and room in result.entities[device].children


def test_int8_agrees_with_fp32(real_model: Path) -> None:
    texts = [e.text for e in load_training_data(ROOT / "nlu_data").examples]
    int8 = NLUModel.load(real_model, precision="int8").parse_batch(texts)
    fp32 = NLUModel.load(real_model, precision="fp32").parse_batch(texts)
    agree = sum(a.intent.name == b.intent.name for a, b in zip(int8, fp32)) / len(texts)
    assert agree >= 0.99, f"INT8 and FP32 agree on {agree:.4f} of {len(texts)} sentences"


def test_the_smoke_stories_pass_through_the_whole_stack(real_model: Path) -> None:
    """`assistant test dialogue` with the real model: NLU, dialogue, simulated devices, SQLite."""
    from assistant.server.conversation_tests import format_result, run_dialogue_tests

    report = run_dialogue_tests(ROOT / "stories", model_dir=real_model)
    failed = [line for r in report.conversations if not r.passed for line in format_result(r)]
    assert report.ok and report.passed == report.total >= 10, "\n".join(failed)
