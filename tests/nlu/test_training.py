"""Training and export with a tiny random-initialised encoder: the whole pipeline in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.nlu.config import load_config
from assistant.nlu.runtime import NLUModel
from assistant.nlu.training.pipeline import train_model


def test_model_folder_contents(tiny_model: Path) -> None:
    for name in ("model.onnx", "model.int8.onnx", "model.fp16.onnx", "tokenizer.json", "labels.json",
                 "synonyms.json", "phrases.json", "config.json", "meta.json", "metrics.json"):
        assert (tiny_model / name).is_file(), f"{name} missing from the model folder"
    labels = json.loads((tiny_model / "labels.json").read_text())
    assert labels["intents"] == ["greet", "out_of_scope", "set_temperature", "turn_off", "turn_on"]
    assert labels["entities"] == ["O", "device", "number", "room", "temperature"]
    config = json.loads((tiny_model / "config.json").read_text())
    assert config["encoder"] == "tiny" and config["epochs"] == 40  # the resolved config is saved
    meta = json.loads((tiny_model / "meta.json").read_text())
    assert len(meta["data_hash"]) == 64 and len(meta["config_hash"]) == 64
    assert meta["device"].startswith(("cpu: ", "cuda: "))
    assert 0 < meta["fit_seconds"] <= meta["train_seconds"]
    assert json.loads((tiny_model / "synonyms.json").read_text()) == {"cookhouse": "kitchen"}
    assert json.loads((tiny_model / "phrases.json").read_text(encoding="utf-8")) == {"phrases": [
        {"key": "bonjour", "intent": "greet", "address": ["house"]},
        {"key": "buenos dias", "intent": "greet", "address": ["house"]},
    ]}
    # the INT8 graph really is quantised: smaller than FP32 and FP16 smaller too
    fp32 = (tiny_model / "model.onnx").stat().st_size
    assert (tiny_model / "model.int8.onnx").stat().st_size < fp32
    assert (tiny_model / "model.fp16.onnx").stat().st_size < fp32


def test_int8_weights_are_per_channel_and_seven_bit(tiny_model: Path) -> None:
    """7-bit weights keep u8 x s8 pair sums inside int16 on CPUs without VNNI."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(tiny_model / "model.int8.onnx")).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    quantised = [w for n, w in weights.items() if w.dtype.name == "int8" and w.ndim == 2]
    assert len(quantised) >= 6, "the encoder and head matrices are quantised"
    assert all(int(abs(w.astype(int)).max()) <= 64 for w in quantised)
    assert max(int(abs(w.astype(int)).max()) for w in quantised) >= 60  # the 7-bit range is used
    scales = [w for n, w in weights.items() if n.endswith("_scale") and w.ndim == 1 and w.size > 1]
    assert scales, "one scale per output channel"


def test_tiny_model_learns_its_training_data(tiny_model: Path) -> None:
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    # 28 learned examples and the 2 phrases, which are matched rather than learned
    assert metrics["split"] == "train" and metrics["examples"] == 30 and metrics["phrases"] == 2
    assert json.loads((tiny_model / "meta.json").read_text())["train_examples"] == 28
    assert metrics["intent_accuracy"] >= 0.9, metrics
    assert metrics["entity_f1"] >= 0.8, metrics


def test_phrases_are_matched_ahead_of_the_model(tiny_model: Path) -> None:
    model = NLUModel.load(tiny_model)
    result = model.parse("¡Buenos dias, house!")
    assert result.to_dict() == {
        "text": "¡Buenos dias, house!", "intent": {"name": "greet", "confidence": 1.0},
        "entities": [], "intent_ranking": [{"name": "greet", "confidence": 1.0}],
    }
    texts = ["turn on the kitchen light", "House, bonjour", "set the thermostat to 21 degrees", "BONJOUR"]
    batch = model.parse_batch(texts)
    assert [r.text for r in batch] == texts  # phrases and model parses keep their places
    assert [r.intent.name for r in batch] == ["turn_on", "greet", "set_temperature", "greet"]
    assert batch[0].to_dict() == model.parse(texts[0]).to_dict()
    assert model.parse("bonjour kitchen").intent.confidence < 1.0  # not an address word: the model's


def test_parse_returns_nested_entities(tiny_model: Path) -> None:
    result = NLUModel.load(tiny_model).parse("turn on the kitchen light")
    assert result.intent.name == "turn_on", result.to_dict()
    by_text = {(e.text, e.entity): e for e in result.entities}
    device, room = by_text[("kitchen light", "device")], by_text[("kitchen", "room")]
    assert room.parent == result.entities.index(device)
    assert result.entities.index(room) in device.children
    temp = NLUModel.load(tiny_model).parse("set the thermostat to 21 degrees")
    values = {e.entity: e.value for e in temp.entities}
    assert values.get("temperature") == {"value": 21, "unit": None}, temp.to_dict()
    assert values.get("number") == 21


def test_unchanged_data_and_config_reuse_the_model(tiny_model: Path, tiny_data_dir: Path,
                                                   tiny_config_file: Path) -> None:
    before = (tiny_model / "model.onnx").stat().st_mtime_ns
    outcome = train_model(tiny_data_dir, tiny_model, load_config(tiny_config_file))
    assert outcome.reused and (tiny_model / "model.onnx").stat().st_mtime_ns == before


def test_the_training_device_is_not_part_of_the_model(tiny_model: Path, tiny_data_dir: Path,
                                                      tiny_config_file: Path) -> None:
    """A model trained on a GPU is reused on a CPU-only machine, like one trained with 1 thread."""
    for device in ("cpu", "cuda"):
        outcome = train_model(tiny_data_dir, tiny_model, load_config(tiny_config_file, device=device))
        assert outcome.reused


def test_device_auto_is_the_cpu_without_a_gpu() -> None:
    import torch

    from assistant.errors import TrainingDependencyError
    from assistant.nlu.training.train import resolve_device

    assert resolve_device("cpu").type == "cpu"
    if torch.cuda.is_available():
        assert resolve_device("auto").type == "cuda"
    else:
        assert resolve_device("auto").type == "cpu"
        with pytest.raises(TrainingDependencyError):
            resolve_device("cuda")


def test_changed_config_retrains(tmp_path: Path, tiny_data_dir: Path, tiny_config_file: Path) -> None:
    out = tmp_path / "m"
    first = train_model(tiny_data_dir, out, load_config(tiny_config_file, epochs=1))
    again = train_model(tiny_data_dir, out, load_config(tiny_config_file, epochs=2))
    assert not first.reused and not again.reused
    assert json.loads((out / "config.json").read_text())["epochs"] == 2


def test_training_is_deterministic(tmp_path: Path, tiny_data_dir: Path, tiny_config_file: Path) -> None:
    cfg = load_config(tiny_config_file, epochs=2)
    a = train_model(tiny_data_dir, tmp_path / "a", cfg)
    b = train_model(tiny_data_dir, tmp_path / "b", cfg)
    pa = NLUModel.load(a.model_dir, precision="fp32").parse("switch on the office fan")
    pb = NLUModel.load(b.model_dir, precision="fp32").parse("switch on the office fan")
    assert pa.ranking == pb.ranking


def test_broken_data_trains_nothing(tmp_path: Path, tiny_config_file: Path) -> None:
    from assistant.errors import DataValidationError

    data = tmp_path / "data"
    data.mkdir()
    (data / "nlu.yml").write_text('version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - [x](\n    - [y\n')
    with pytest.raises(DataValidationError) as info:
        train_model(data, tmp_path / "model", load_config(tiny_config_file))
    assert len(info.value.problems) == 2
    assert not (tmp_path / "model").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".training-")]


def test_is_current_without_config_checks_data_only(tiny_model: Path, tiny_data_dir: Path) -> None:
    from assistant.nlu.data.loader import data_fingerprint
    from assistant.nlu.training.meta import is_current

    assert is_current(tiny_model, data_fingerprint(tiny_data_dir))  # tiny config kept as trained
    assert not is_current(tiny_model, data_fingerprint(tiny_data_dir), load_config(None))
    assert not is_current(tiny_model, "0" * 64)


def test_a_held_out_model_split_another_way_is_not_reused(
    tiny_model: Path, tiny_data_dir: Path, tiny_config_file: Path, tmp_path: Path
) -> None:
    import shutil

    from assistant.nlu.data.loader import data_fingerprint
    from assistant.nlu.training.meta import SPLIT_METHOD, is_current

    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    config = load_config(tiny_config_file, holdout_fraction=0.2)
    data_hash = data_fingerprint(tiny_data_dir)
    meta = json.loads((model / "meta.json").read_text())
    meta.update(config_hash=config.fingerprint(), split=None)  # as before the split was recorded
    (model / "meta.json").write_text(json.dumps(meta))
    assert not is_current(model, data_hash, config), "its metrics come from other sentences"
    meta["split"] = SPLIT_METHOD
    (model / "meta.json").write_text(json.dumps(meta))
    assert is_current(model, data_hash, config)
    assert json.loads((tiny_model / "meta.json").read_text())["split"] is None  # trained on all


def test_every_training_config_key_is_documented_with_its_default() -> None:
    import re

    from assistant.nlu.config import TrainingConfig

    doc = (Path(__file__).resolve().parents[2] / "docs" / "nlu.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", doc, flags=re.MULTILINE))
    defaults = TrainingConfig()
    for name in TrainingConfig.model_fields:
        assert name in rows, f"docs/nlu.md has no row for the training config key {name!r}"
        value = getattr(defaults, name)
        shown = rows[name].strip().strip("`")
        if isinstance(value, str):
            assert shown == value, f"docs/nlu.md gives {name} = {shown}, the code {value!r}"
        elif isinstance(value, (int, float)):
            assert float(shown) == value, f"docs/nlu.md gives {name} = {shown}, the code {value!r}"


def test_word_pieces_the_data_never_uses_keep_their_initial_vectors(
    tiny_data_dir: Path, tmp_path: Path
) -> None:
    """The word-piece table trains sparsely: only rows a batch used move (no weight decay,
    no momentum drift on the rest), so words never seen in training stay where the encoder
    had them, and a step skips the optimiser work over 30,522 rows."""
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper

    from assistant.nlu.data.loader import load_training_data
    from assistant.nlu.training.train import build_encoder, load_tokenizer, pretrained_dir, train

    config = load_config(None, encoder="tiny", epochs=2, typo_rate=0.0)  # no misspelt copies
    torch.manual_seed(config.seed)
    before = build_encoder(config).embeddings.word_embeddings.weight.detach().numpy()
    data = load_training_data(tiny_data_dir)
    train(data, tmp_path / "model", config)
    graph = onnx.load(str(tmp_path / "model" / "model.onnx")).graph
    after = next(numpy_helper.to_array(i) for i in graph.initializer
                 if i.name == "encoder.embeddings.word_embeddings.weight")

    tok = load_tokenizer(pretrained_dir() / "tokenizer.json", config.max_tokens)
    used = {i for enc in tok.encode_batch([e.text for e in data.examples]) for i in enc.ids}
    moved = {int(i) for i in np.flatnonzero(np.abs(after - before).max(axis=1) > 0)}
    assert moved, "the table trains"
    assert moved <= used, f"rows of unused word pieces changed: {sorted(moved - used)[:5]}"


def test_clip_grad_norm_counts_sparse_gradients_like_dense_ones() -> None:
    import torch

    from assistant.nlu.training.train import clip_grad_norm

    def grads(sparse: bool) -> tuple[list[torch.Tensor], float]:
        torch.manual_seed(0)
        table = torch.nn.Embedding(50, 4, sparse=sparse)
        linear = torch.nn.Linear(4, 3)
        ids = torch.tensor([[3, 7, 3, 9]])  # 3 twice: its two entries are one row's gradient
        linear(table(ids)).pow(2).sum().backward()
        norm = clip_grad_norm([table.weight, linear.weight, linear.bias], 0.5)
        assert norm > 0.5  # so the gradients really are scaled down
        return [table.weight.grad.to_dense(), linear.weight.grad, linear.bias.grad], norm

    sparse, sparse_norm = grads(True)
    dense, dense_norm = grads(False)
    assert abs(sparse_norm - dense_norm) < 1e-5
    for s, d in zip(sparse, dense):
        assert torch.allclose(s, d, atol=1e-6)
    clipped = torch.linalg.vector_norm(torch.cat([g.flatten() for g in dense]))
    assert abs(float(clipped) - 0.5) < 1e-4


def test_weight_average_follows_the_weights_with_its_decay() -> None:
    import torch

    from assistant.nlu.training.train import WeightAverage

    w = torch.nn.Parameter(torch.zeros(3))
    average = WeightAverage([w], decay=0.5, every=2)
    with torch.no_grad():
        w.fill_(1.0)
    average.update(1)  # not a sampling step: nothing is folded in
    assert torch.equal(average.shadow[0], torch.zeros(3))
    average.update(200)  # 0.5 ** 2 of the old average stays
    assert torch.allclose(average.shadow[0], torch.full((3,), 0.75))
    average.copy_to_model()
    assert torch.allclose(w.detach(), torch.full((3,), 0.75))


def test_the_first_steps_do_not_dominate_the_average() -> None:
    import torch

    from assistant.nlu.training.train import WeightAverage

    w = torch.nn.Parameter(torch.zeros(2))
    average = WeightAverage([w], decay=0.999, every=1)
    with torch.no_grad():
        w.fill_(1.0)
    average.update(0)  # the cap (1 + 0) / 10: nine tenths of the new weights come in at once
    assert torch.allclose(average.shadow[0], torch.full((2,), 0.9))


def test_an_averaged_model_is_exported_and_learns(tmp_path: Path, tiny_data_dir: Path,
                                                  tiny_config_file: Path, tiny_model: Path) -> None:
    config = load_config(tiny_config_file, ema_decay=0.9)
    outcome = train_model(tiny_data_dir, tmp_path / "ema", config)
    assert outcome.metrics["intent_accuracy"] >= 0.9, outcome.metrics
    # the same config without the average is the tiny_model fixture: other weights
    assert (outcome.model_dir / "model.onnx").read_bytes() != (tiny_model / "model.onnx").read_bytes()
    assert json.loads((outcome.model_dir / "config.json").read_text())["ema_decay"] == 0.9
