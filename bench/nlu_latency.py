"""CPU latency, throughput, INT8/FP32 agreement, cold load and memory of a trained model.

    python bench/nlu_latency.py --model models/nlu [--threads 2] [--precision int8|fp32]
        [--out bench/results/latency.json]

Sentences are the bundled training data's example texts (16 tokens or fewer, as the target
says), each parsed in full: tokenisation, ONNX Runtime, span decoding, value normalisation.
Cold load and RSS are measured in a fresh subprocess so nothing else is in memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.nlu.data.loader import load_training_data
from assistant.nlu.runtime import NLUModel

COLD = """
import json, sys, time
t0 = time.perf_counter()
from assistant.nlu.runtime import NLUModel
m = NLUModel.load(sys.argv[1], threads=int(sys.argv[2]))
t1 = time.perf_counter()
m.parse("turn on the kitchen light")
t2 = time.perf_counter()
status = open("/proc/self/status").read()
kb = lambda key: int(status.split(key + ":")[1].split()[0]) // 1024
print(json.dumps({"import_and_load_s": t1 - t0, "first_parse_s": t2 - t1, "rss_mb": kb("VmRSS"),
                  "peak_rss_mb": kb("VmHWM"),
                  "torch_loaded": "torch" in sys.modules}))
"""


def percentiles(samples: list[float]) -> dict[str, float]:
    a = np.asarray(samples) * 1000
    return {"p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
            "p99_ms": float(np.percentile(a, 99)), "mean_ms": float(a.mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "nlu")
    ap.add_argument("--data", type=Path, default=ROOT / "nlu_data")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", choices=["int8", "fp32"], default="int8",
                    help="the graph timed (the agreement always compares INT8 with FP32)")
    ap.add_argument("--rounds", type=int, default=3, help="passes over the sentences")
    ap.add_argument("--batch", type=int, default=256, help="sentences per parse_batch call")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latency.json")
    args = ap.parse_args()

    model = NLUModel.load(args.model, precision=args.precision, threads=args.threads)
    texts = [e.text for e in load_training_data(args.data).examples]
    short = [t for t in texts if len(model.tokenizer.encode(t).ids) <= 16]
    tokens = [len(model.tokenizer.encode(t).ids) for t in short]

    for t in short[:200]:  # warm-up
        model.parse(t)
    samples = []
    for _ in range(args.rounds):
        for t in short:
            start = time.perf_counter()
            model.parse(t)
            samples.append(time.perf_counter() - start)

    batch = args.batch
    start = time.perf_counter()
    n = 0
    for _ in range(args.rounds):
        for i in range(0, len(short), batch):
            n += len(model.parse_batch(short[i : i + batch]))
    throughput = n / (time.perf_counter() - start)

    other = NLUModel.load(args.model, precision="fp32" if args.precision == "int8" else "int8",
                          threads=args.threads)
    int8, fp32 = (model, other) if args.precision == "int8" else (other, model)
    agree = sum(a.intent.name == b.intent.name
                for a, b in zip(int8.parse_batch(texts), fp32.parse_batch(texts)))

    cold = json.loads(subprocess.run(
        [sys.executable, "-c", COLD, str(args.model), str(args.threads)], capture_output=True,
        text=True, check=True, cwd=ROOT).stdout.strip().splitlines()[-1])

    result = {
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": args.threads,
                    "precision": args.precision,
                    "python": platform.python_version()},
        "sentences": len(short), "tokens_mean": float(np.mean(tokens)), "tokens_max": int(max(tokens)),
        "single": percentiles(samples),
        "batched_sentences_per_s": throughput, "batch_size": batch,
        "int8_fp32_intent_agreement": agree / len(texts), "agreement_sentences": len(texts),
        "cold": cold,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
