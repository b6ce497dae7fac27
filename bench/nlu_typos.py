"""Typo robustness: intent accuracy on held-out sentences with one misspelt word.

    python bench/nlu_typos.py MODEL_DIR [MODEL_DIR ...] [--seed 42] [--copies 3]
        [--out bench/results/typos.json]

Each model folder must have been trained with ``holdout_fraction: 0.2`` and the given seed
(as `bench/nlu_accuracy.py bundled` does), so the held-out sentences are the same ones it
never saw. Each held-out sentence gets ``--copies`` misspelt versions (one word: a swap, a
dropped, doubled or neighbouring-key letter; fixed seed), and every sentence is parsed one
at a time with the INT8 model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.nlu.backend import NLUBackend, load_local
from assistant.nlu.data.loader import load_training_data
from assistant.nlu.data.types import Example
from assistant.nlu.training.train import split_holdout
from assistant.nlu.training.typos import with_typo
from assistant.types import ParseResult


async def parse_each(backend: NLUBackend, examples: list[Example]) -> list[ParseResult]:
    """One sentence per call, as the server parses."""
    return [await backend.parse(e.text) for e in examples]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, default=ROOT / "nlu_data")
    ap.add_argument("--seed", type=int, default=42, help="the models' training seed")
    ap.add_argument("--copies", type=int, default=3, help="misspelt versions per sentence")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "typos.json")
    args = ap.parse_args()

    _, held = split_holdout(load_training_data(args.data).examples, 0.2, args.seed)
    rng = random.Random(2026)
    typos = [c for e in held for c in (with_typo(e, rng) for _ in range(args.copies))
             if c is not None]
    results = []
    for folder in args.models:
        backend = load_local(folder, precision="int8")
        config = backend.model.config  # the training config the folder records
        if (config.get("holdout_fraction"), config.get("seed")) != (0.2, args.seed):
            raise SystemExit(f"{folder} was not trained with holdout 0.2 and seed {args.seed}")
        clean = sum(r.intent.name == e.intent
                    for r, e in zip(asyncio.run(parse_each(backend, held)), held, strict=True))
        typo = sum(r.intent.name == e.intent
                   for r, e in zip(asyncio.run(parse_each(backend, typos)), typos, strict=True))
        results.append({"model": str(folder), "epochs": config.get("epochs"),
                        "typo_rate": config.get("typo_rate", 0.0),
                        "held_out": len(held), "intent_accuracy": clean / len(held),
                        "with_typo": len(typos), "intent_accuracy_with_typo": typo / len(typos)})
        print(f"{folder}: held out {clean / len(held):.2%} of {len(held)}, "
              f"with one typo {typo / len(typos):.2%} of {len(typos)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"benchmark": "typos", "seed": args.seed,
                                    "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
