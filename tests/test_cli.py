"""The `assistant` console script, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch


def assistant(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from assistant.cli.main import main; main()", *args],
        input=stdin, capture_output=True, text=True, cwd=cwd, timeout=300, check=False,
    )


def test_broken_data_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - turn on [the lamp(device)\n'
        "    - ok\n- intent: b\n  exampels: |\n    - x\n"
    )
    proc = assistant("train", "--data", str(data), "--out", str(tmp_path / "m"))
    assert proc.returncode == 2, proc.stderr
    assert "E100" in proc.stderr and "nothing was trained" in proc.stderr
    assert "nlu.yml:5" in proc.stderr and "nlu.yml:8" in proc.stderr
    assert not (tmp_path / "m").exists()


def test_train_reuses_an_unchanged_model(tiny_model: Path, tiny_data_dir: Path, tiny_config_file: Path) -> None:
    proc = assistant("train", "--data", str(tiny_data_dir), "--out", str(tiny_model),
                     "--config", str(tiny_config_file))
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout


def test_unknown_config_key_is_rejected(tmp_path: Path, tiny_data_dir: Path) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text("encoder: tiny\nepochz: 3\n")
    proc = assistant("train", "--data", str(tiny_data_dir), "--out", str(tmp_path / "m"), "--config", str(cfg))
    assert proc.returncode == 2 and "epochz" in proc.stderr
    assert "E103" in proc.stderr and "the training config" in proc.stderr
    assert "training data" not in proc.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_coded_error(tmp_path: Path, tiny_data_dir: Path,
                                             tiny_config_file: Path) -> None:
    proc = assistant("train", "--data", str(tiny_data_dir), "--out", str(tmp_path / "m"),
                     "--config", str(tiny_config_file), "--device", "cuda")
    assert proc.returncode == 2 and "E202" in proc.stderr and "--device auto" in proc.stderr
    assert not (tmp_path / "m").exists()


def test_test_nlu_writes_reports(tiny_model: Path, tiny_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    proc = assistant("test", "nlu", "--model", str(tiny_model), "--data", str(tiny_data_dir), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "intent_report.json").read_text())
    assert 0.9 <= report["accuracy"] <= 1.0
    assert "micro avg" in json.loads((out / "entity_report.json").read_text())
    assert isinstance(json.loads((out / "errors.json").read_text()), list)
    assert (out / "intent_confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_shell_prints_a_parse_per_line(tiny_model: Path) -> None:
    proc = assistant("shell", "--nlu", "--model", str(tiny_model), stdin="turn on the kitchen light\n\n/exit\n")
    assert proc.returncode == 0, proc.stderr
    assert '"name": "turn_on"' in proc.stdout
    assert '"E302"' in proc.stdout  # the empty line gets a coded error, and the shell goes on


@pytest.mark.parametrize("args", [["test", "nlu", "--model", "/nonexistent"]])
def test_missing_model_is_a_clear_error(args: list[str]) -> None:
    proc = assistant(*args)
    assert proc.returncode == 2 and "E200" in proc.stderr and "assistant train" in proc.stderr


def test_training_into_a_file_prints_a_line_per_epoch(tmp_path: Path, tiny_data_dir: Path) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text("encoder: tiny\nepochs: 3\nthreads: 1\n")
    proc = assistant("train", "--data", str(tiny_data_dir), "--out", str(tmp_path / "m"),
                     "--config", str(cfg))
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"], \
        proc.stdout
    assert all("loss" in line and "elapsed" in line and "left" in line for line in lines)


def test_epoch_lines_estimate_the_time_left() -> None:
    from assistant.cli.train import EpochLines

    shown: list[str] = []
    now = iter([0.0, 30.0, 60.0, 90.0, 120.0])
    lines = EpochLines(2, shown.append, clock=lambda: next(now))
    for step in (1, 2, 3, 4, 5):  # steps 2, 4, ..., 10 of 10: an epoch ends at 5 and 10
        lines(step * 2, 10, {"loss": 1.0 / step})
    assert shown[0] == "training: 10 steps, 2 epochs"
    assert shown[1] == "epoch 1/2: loss 0.333, 1 min 00 s elapsed, about 40 s left"
    assert shown[2] == "epoch 2/2: loss 0.200, 2 min 00 s elapsed, about 0 s left"
    assert len(shown) == 3
