"""bench/nlu_sweep.py as a user runs it: real (tiny) trainings, records, the paired summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SWEEP = Path(__file__).resolve().parents[2] / "bench" / "nlu_sweep.py"


def sweep(variants: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SWEEP), str(variants), "--seeds", "3",
                           "--parallel", "3", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)


def test_sweep_records_each_run_summarises_and_resumes(tmp_path: Path) -> None:
    variants = tmp_path / "variants.yml"
    variants.write_text("one: {encoder: tiny, epochs: 1}\n"
                        "two: {encoder: tiny, epochs: 2}\n"
                        "broken: {encoder: tiny, epochz: 1}\n")
    out = tmp_path / "sweep"
    proc = sweep(variants, out)
    assert proc.returncode == 1, proc.stderr  # the broken variant fails the sweep ...
    records = [json.loads(line) for line in (out / "sweep.jsonl").read_text().splitlines()]
    by = {r["variant"]: r for r in records}
    assert set(by) == {"one", "two", "broken"}
    assert "error" in by["broken"] and "epochz" in (out / "broken-s3" / "run.log").read_text()
    for name in ("one", "two"):  # ... and the others still run and are recorded
        assert 0 <= by[name]["intent_accuracy"] <= 1 and by[name]["examples"] > 0
        assert by[name]["device"].startswith("cpu: ")
    rows = {r["variant"]: r for r in json.loads((out / "summary.json").read_text())}
    expected = (by["two"]["intent_accuracy"] - by["one"]["intent_accuracy"]) * 100
    assert abs(rows["two"]["intent_delta"] - expected) < 1e-9 and rows["two"]["paired_seeds"] == 1
    assert rows["broken"]["runs"] == 0 and rows["broken"]["failed"] == 1

    trained = (out / "one-s3" / "model-bundled" / "model.onnx").stat().st_mtime_ns
    sweep(variants, out)  # finished pairs are read back, not trained again
    assert (out / "one-s3" / "model-bundled" / "model.onnx").stat().st_mtime_ns == trained
    again = [json.loads(line) for line in (out / "sweep.jsonl").read_text().splitlines()][3:]
    assert {r["variant"]: r.get("intent_accuracy") for r in again if "error" not in r} == {
        "one": by["one"]["intent_accuracy"], "two": by["two"]["intent_accuracy"]}
