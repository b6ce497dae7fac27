"""bench/nlu_latency.py as a user runs it, on the tiny model: every measure is reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LATENCY = Path(__file__).resolve().parents[2] / "bench" / "nlu_latency.py"


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_latency_bench_times_the_graph_asked_for(tiny_model: Path, tiny_data_dir: Path,
                                                 tmp_path: Path, precision: str) -> None:
    out = tmp_path / "latency.json"
    proc = subprocess.run([sys.executable, str(LATENCY), "--model", str(tiny_model),
                           "--data", str(tiny_data_dir), "--rounds", "1", "--batch", "8",
                           "--precision", precision, "--threads", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["machine"]["precision"] == precision
    assert result["sentences"] == result["agreement_sentences"] == 28  # all short sentences
    single = result["single"]
    assert 0 < single["p50_ms"] <= single["p95_ms"] <= single["p99_ms"]
    assert result["batched_sentences_per_s"] > 0
    assert 0.9 <= result["int8_fp32_intent_agreement"] <= 1.0  # INT8 against FP32 either way
    assert result["cold"]["torch_loaded"] is False and result["cold"]["rss_mb"] > 0
