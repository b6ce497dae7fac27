"""Compare training configs on the bundled data over several held-out splits, in parallel.

    python bench/nlu_sweep.py bench/configs/sweep.yml --seeds 92 93 94 95
    python bench/nlu_sweep.py bench/configs/sweep.yml --seeds 92 93 --parallel 6 --device cuda \
        --budget 420 --out bench/results/sweep

The variants file maps a name to the training config keys it changes; `{}` is the defaults.
Every (variant, seed) pair is one `bench/nlu_accuracy.py bundled` run in its own process,
writing OUT/NAME-sSEED/. Each finished run appends a JSON line to OUT/sweep.jsonl; at the end
a table gives, per variant, the intent accuracy and entity F1 over its seeds and the mean
difference from the first variant on the seeds both finished (the splits are the same, so
the difference is paired). A pair whose result is already in OUT is not run again, so a
sweep cut short resumes where it stopped. With --budget no run starts after that many
seconds (a borrowed GPU's time is short).

One split's number moves by a point or more from seed to seed; compare variants on the
same seeds, and on seeds whose errors were never used to choose training data.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load_variants(path: Path) -> dict[str, dict[str, object]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) or v is None for v in raw.values()):
        raise SystemExit(f"{path}: expected a mapping of variant name -> config keys")
    return {str(name): dict(keys or {}) for name, keys in raw.items()}


def run_one(name: str, keys: dict[str, object], seed: int, out: Path, threads: int,
            device: str | None) -> dict[str, Any]:
    run_dir = out / f"{name}-s{seed}"
    result_file = run_dir / "bundled.json"
    record: dict[str, Any] = {"variant": name, "seed": seed, "changes": keys}
    if not result_file.is_file():
        run_dir.mkdir(parents=True, exist_ok=True)
        config = run_dir / "config.yml"
        config.write_text(yaml.safe_dump({"threads": threads, **keys}, sort_keys=True))
        cmd = [sys.executable, str(ROOT / "bench" / "nlu_accuracy.py"), "bundled",
               "--config", str(config), "--seed", str(seed), "--out", str(run_dir), "--force"]
        if device:
            cmd += ["--device", device]
        log = run_dir / "run.log"
        with log.open("w") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
        if proc.returncode != 0 or not result_file.is_file():
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
            return {**record, "error": f"exit {proc.returncode}: {tail[0]}"}
    result = json.loads(result_file.read_text())
    return {**record, **{k: result.get(k) for k in
                         ("intent_accuracy", "entity_f1", "fit_seconds", "device", "examples")}}


def summarise(records: list[dict[str, Any]], order: list[str]) -> list[dict[str, Any]]:
    """One row per variant, in ``order``; ``delta`` is paired against the first variant."""
    by: dict[str, dict[int, dict[str, Any]]] = {}
    for r in records:
        if "error" not in r:
            by.setdefault(r["variant"], {})[r["seed"]] = r
    base = by.get(order[0], {}) if order else {}
    rows = []
    for name in order:
        runs = by.get(name, {})
        intents = [r["intent_accuracy"] * 100 for r in runs.values()]
        entities = [r["entity_f1"] * 100 for r in runs.values()]
        shared = sorted(set(runs) & set(base))
        deltas = [(runs[s]["intent_accuracy"] - base[s]["intent_accuracy"]) * 100 for s in shared]
        rows.append({
            "variant": name,
            "runs": len(runs),
            "failed": sum(1 for r in records if r["variant"] == name and "error" in r),
            "intent_mean": statistics.fmean(intents) if intents else None,
            "intent_min": min(intents, default=None),
            "intent_max": max(intents, default=None),
            "entity_mean": statistics.fmean(entities) if entities else None,
            "intent_delta": statistics.fmean(deltas) if deltas and name != order[0] else None,
            "paired_seeds": len(shared),
        })
    return rows


def _fmt(column: str, v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:+.2f}" if column == "intent_delta" else f"{v:.2f}"
    return str(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", type=Path, help="YAML: variant name -> config keys it changes")
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--parallel", type=int, default=1, help="runs at a time")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads per run (default: the cores divided among the runs)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    ap.add_argument("--budget", type=float, default=None, help="start no run after this many seconds")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "sweep")
    args = ap.parse_args()

    variants = load_variants(args.variants)
    threads = args.threads or max(1, (os.cpu_count() or 1) // max(1, args.parallel))
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(name, seed) for seed in args.seeds for name in variants]  # every variant per seed first
    started = time.monotonic()
    records: list[dict[str, Any]] = []
    skipped = 0
    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool, \
            (args.out / "sweep.jsonl").open("a") as log:
        pending: set[Future[dict[str, Any]]] = set()
        while jobs or pending:
            while jobs and len(pending) < args.parallel:
                if args.budget is not None and time.monotonic() - started > args.budget:
                    skipped, jobs = len(jobs), []
                    break
                name, seed = jobs.pop(0)
                pending.add(pool.submit(run_one, name, variants[name], seed, args.out, threads,
                                        args.device))
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                record = {**fut.result(), "elapsed_s": round(time.monotonic() - started, 1)}
                records.append(record)
                log.write(json.dumps(record) + "\n")
                log.flush()
                print(json.dumps(record), flush=True)

    rows = summarise(records, list(variants))
    (args.out / "summary.json").write_text(json.dumps(rows, indent=2) + "\n")
    cols = ["variant", "runs", "failed", "intent_mean", "intent_min", "intent_max", "entity_mean",
            "intent_delta", "paired_seeds"]
    print("\t".join(cols))
    for row in rows:
        print("\t".join(_fmt(c, row[c]) for c in cols))
    if skipped:
        print(f"budget reached: {skipped} run(s) not started", file=sys.stderr)
    if any(r.get("error") for r in records):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
