"""Train and evaluate the NLU model on a benchmark; write the numbers to bench/results/.

    python bench/nlu_accuracy.py hwu64    # HWU64 KFold_1: train.jsonl -> test.jsonl
    python bench/nlu_accuracy.py snips    # SNIPS: train/ -> test/ (intent accuracy, slot F1)
    python bench/nlu_accuracy.py bundled  # nlu_data/ with a stratified 20% held out
    python bench/nlu_accuracy.py bundled --seed 43 --out bench/results/seed43  # another split

Public datasets are read in place from ../shared/datasets (or --datasets DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.nlu.backend import load_local
from assistant.nlu.config import load_config
from assistant.nlu.data.importers import load_dataset
from assistant.nlu.evaluation import evaluate
from assistant.nlu.training.pipeline import train_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=["hwu64", "snips", "bundled"])
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--config", type=Path, default=None, help="training config YAML")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None, help="training seed; for bundled also the split")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--force", action="store_true", help="retrain even if a current model exists")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None,
                    help="where to train (default: the config's, auto)")
    args = ap.parse_args()

    model_dir = args.out / f"model-{args.dataset}"
    overrides: dict[str, object] = {"epochs": args.epochs, "seed": args.seed, "device": args.device}
    if args.dataset == "hwu64":
        train, test = args.datasets / "hwu64" / "train.jsonl", args.datasets / "hwu64" / "test.jsonl"
    elif args.dataset == "snips":
        train, test = args.datasets / "snips" / "train", args.datasets / "snips" / "test"
    else:
        train, test = ROOT / "nlu_data", None
        overrides["holdout_fraction"] = 0.2
    config = load_config(args.config, **overrides)

    started = time.perf_counter()
    outcome = train_model(train, model_dir, config, force=args.force)
    wall = time.perf_counter() - started
    meta = json.loads((model_dir / "meta.json").read_text())
    result: dict[str, object] = {
        "dataset": args.dataset,
        "train_seconds": outcome.seconds if not outcome.reused else None,
        "fit_seconds": meta.get("fit_seconds"),  # the training loop alone, export not included
        "device": meta.get("device"),
        "wall_seconds_including_export_and_eval": wall,
        "reused_model": outcome.reused,
        "config": config.model_dump(),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
    }
    if test is None:
        result.update({"split": "stratified 20% holdout", **outcome.metrics})
    else:
        int8, fp32 = (load_local(model_dir, precision=p) for p in ("int8", "fp32"))
        with asyncio.Runner() as loop:  # one event loop for every parse
            summary = evaluate(lambda texts: loop.run(int8.parse_batch(texts)),
                               load_dataset(test), args.out / f"reports-{args.dataset}")
            summary32 = evaluate(lambda texts: loop.run(fp32.parse_batch(texts)),
                                 load_dataset(test), args.out / f"reports-{args.dataset}-fp32")
        result.update({
            "split": str(test.relative_to(args.datasets)),
            "examples": summary.n_examples,
            "intent_accuracy": summary.intent_accuracy,
            "entity_f1": summary.entity_micro_f1,
            "fp32_intent_accuracy": summary32.intent_accuracy,
            "fp32_entity_f1": summary32.entity_micro_f1,
        })
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.dataset}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "config"}, indent=2))


if __name__ == "__main__":
    main()
