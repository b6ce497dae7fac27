"""bench/nlu_other_languages.py as a user runs it, on the tiny model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "nlu_other_languages.py"


def test_other_languages_bench_reports_each_model(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "other.json"
    proc = subprocess.run([sys.executable, str(BENCH), str(tiny_model), str(tiny_model), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(report) == 2 and report[0] == report[1]  # one entry per model, deterministic
    first = report[0]
    assert first["sentences"] == sum(first["intents"].values()) == 34
    assert first["out_of_scope"] == first["intents"].get("out_of_scope", 0) / 34
    assert len(first["not_out_of_scope"]) == 34 - first["intents"].get("out_of_scope", 0)
    assert "out_of_scope" in proc.stdout
