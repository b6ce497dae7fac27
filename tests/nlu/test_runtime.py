"""The ONNX Runtime side: no torch, bad input, batching, threads, precisions."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.errors import EmptyTextError, InvalidTextError, ModelNotFoundError
from assistant.nlu.runtime import NLUModel


@pytest.fixture(scope="module")
def model(tiny_model: Path) -> NLUModel:
    return NLUModel.load(tiny_model)


def test_runtime_never_imports_torch(tiny_model: Path) -> None:
    code = (
        "import sys, json\n"
        "from assistant.nlu.runtime import NLUModel\n"
        f"r = NLUModel.load({str(tiny_model)!r}).parse('turn on the kitchen light')\n"
        "print(json.dumps({'intent': r.intent.name, 'torch': 'torch' in sys.modules,"
        " 'transformers': 'transformers' in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"intent": "turn_on", "torch": False, "transformers": False}


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_a_coded_error(model: NLUModel, text: str) -> None:
    with pytest.raises(EmptyTextError) as info:
        model.parse(text)
    assert info.value.code == "E302" and info.value.status == 400


def test_invalid_utf8_is_a_coded_error(model: NLUModel) -> None:
    with pytest.raises(InvalidTextError) as info:
        model.parse(b"turn on \xff\xfe the light")  # type: ignore[arg-type]
    assert info.value.code == "E300" and "UTF-8" in info.value.message


def test_non_string_is_a_coded_error(model: NLUModel) -> None:
    with pytest.raises(InvalidTextError):
        model.parse(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "turn on the light " * 600,  # about 10,000 characters
        "🙂🙂🙂 💡 turn on the 💡",
        "打开厨房的灯",
        "schalte das Licht in der Küche ein",
        "\x00\x01 control \x7f chars",
        "ℌ𝔢𝔩𝔩𝔬 ﬁ ligatures and combining é",
    ],
)
def test_odd_input_gives_a_clear_result(model: NLUModel, text: str) -> None:
    result = model.parse(text)
    assert result.text == text
    assert result.intent.name in model.intents
    assert 0.0 <= result.intent.confidence <= 1.0
    for e in result.entities:  # offsets always point into the original text
        assert text[e.start : e.end] == e.text


def test_bytes_utf8_accepted(model: NLUModel) -> None:
    assert model.parse(b"turn on the kitchen light").text == "turn on the kitchen light"  # type: ignore[arg-type]


@pytest.mark.parametrize(("precision", "tolerance"), [("fp32", 1e-4), ("int8", 0.05)])
def test_batch_equals_single(tiny_model: Path, precision: str, tolerance: float) -> None:
    # INT8 quantises activations per batch tensor, so padding moves its scores slightly
    model = NLUModel.load(tiny_model, precision=precision)  # type: ignore[arg-type]
    texts = ["turn on the kitchen light", "hello", "set the thermostat to 21 degrees", "turn off the office fan"]
    batch = model.parse_batch(texts)
    for text, got in zip(texts, batch):
        single = model.parse(text)
        assert got.intent.name == single.intent.name
        assert got.intent.confidence == pytest.approx(single.intent.confidence, abs=tolerance)
        assert [(e.start, e.end, e.entity) for e in got.entities] == [
            (e.start, e.end, e.entity) for e in single.entities]
    assert model.parse_batch([]) == []


def test_thread_safe(model: NLUModel) -> None:
    texts = ["turn on the kitchen light", "switch off the bedroom lamp", "hello"] * 20
    expected = [model.parse(t).intent.name for t in texts]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda t: model.parse(t).intent.name, texts))
    assert got == expected


def test_precisions_agree_on_cpu(tiny_model: Path) -> None:
    texts = ["turn on the kitchen light", "switch off the bedroom lamp", "set it to 19 degrees", "hi there"]
    fp32 = NLUModel.load(tiny_model, precision="fp32")
    int8 = NLUModel.load(tiny_model, precision="int8")
    assert fp32.precision == "fp32" and int8.precision == "int8"
    assert [r.intent.name for r in fp32.parse_batch(texts)] == [r.intent.name for r in int8.parse_batch(texts)]
    import onnxruntime as ort

    gpu = {"TensorrtExecutionProvider", "CUDAExecutionProvider"} & set(ort.get_available_providers())
    provider = NLUModel.load(tiny_model).provider
    assert provider in gpu if gpu else provider == "CPUExecutionProvider"


def test_low_confidence_falls_back_to_out_of_scope(tiny_model: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(tiny_model, copy)
    config = json.loads((copy / "config.json").read_text())
    config["intent_threshold"] = 0.9999
    (copy / "config.json").write_text(json.dumps(config))
    result = NLUModel.load(copy).parse("what is the capital of peru")
    assert result.intent.name == "out_of_scope"
    # the model's own best guess is kept in the ranking, under the threshold
    assert result.ranking[0].name != "out_of_scope" and result.ranking[0].confidence < 0.9999


def test_missing_model_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        NLUModel.load(tmp_path / "nothing")
    assert "assistant train" in info.value.hint


def test_synonym_resolves_value(model: NLUModel) -> None:
    from assistant.nlu.normalize import normalize_value

    assert model.synonyms.get("cookhouse") == "kitchen"  # the exported model carries them
    assert normalize_value("room", "Cookhouse", model.synonyms) == "kitchen"
