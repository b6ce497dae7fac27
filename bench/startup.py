"""Start to ready, and memory, of `assistant run` with a trained model.

    python bench/startup.py --model bench/results/model-bundled [--runs 5]
        [--out bench/results/startup.json]

Each run launches `assistant run --model DIR --port 0` exactly as a user would (a fresh
SQLite database in a temp folder, the in-process device simulator), and measures the wall
time from launching the process to its "assistant ready" line: interpreter start, imports,
database migration, simulator, model, device resolver and dialogue engine. The model must be
current for nlu_data/ (otherwise `run` would train first and this says so). Then it sends a
few messages, reads the process's RSS (VmRSS and the peak VmHWM), and stops it with SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ["turn on the kitchen light", "turn it off", "set the bedroom thermostat to 20",
            "is the front door locked", "hello", "what's the weather in Paris"]


def rss_mb(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()

    def kb(key: str) -> float:
        return round(int(status.split(key + ":")[1].split()[0]) / 1024, 1)

    return {"rss_mb": kb("VmRSS"), "peak_mb": kb("VmHWM")}


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def one_run(model: Path, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="assistant-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env.update(ASSISTANT_DATA_ROOT=tmp, COLUMNS="500")
        launched = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from assistant.cli.main import main; main()", "run",
             "--model", str(model), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        assert proc.stdout is not None
        url, lines = None, []
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if "assistant ready at " in line:
                    url = line.split("assistant ready at ")[1].split()[0]
                    break
            ready_s = time.perf_counter() - launched
            if url is None:
                raise SystemExit("no ready line:\n" + "".join(lines[-30:]))
            at_ready = rss_mb(proc.pid)
            cid = None
            for text in MESSAGES * 3:
                reply = post(url + "/api/v1/messages", {"text": text, "conversation_id": cid})
                cid = reply["conversation_id"]
            after = rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {"ready_s": round(ready_s, 3), "rss_at_ready_mb": at_ready["rss_mb"],
            "rss_after_messages_mb": after["rss_mb"], "peak_mb": after["peak_mb"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, default=ROOT / "models" / "nlu")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "startup.json")
    args = p.parse_args()
    from assistant.nlu.data.loader import data_fingerprint
    from assistant.nlu.training.meta import is_current

    if not is_current(args.model, data_fingerprint(ROOT / "nlu_data")):
        raise SystemExit(f"{args.model} is missing or not trained on nlu_data/: `run` would "
                         "train first; train it (python bench/nlu_accuracy.py bundled)")
    runs = [one_run(args.model.resolve(), args.timeout) for _ in range(args.runs)]
    ready = [r["ready_s"] for r in runs]
    result = {
        "benchmark": "startup",
        "model": str(args.model),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or
                    platform.machine(), "python": platform.python_version()},
        "runs": runs,
        "ready_s": {"median": round(statistics.median(ready), 3), "max": max(ready),
                    "min": min(ready)},
        "rss_after_messages_mb_max": max(r["rss_after_messages_mb"] for r in runs),
        "peak_mb_max": max(r["peak_mb"] for r in runs),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"launch to ready over {len(runs)} runs: median {result['ready_s']['median']} s, "
          f"max {result['ready_s']['max']} s; RSS after {len(MESSAGES) * 3} messages "
          f"<= {result['rss_after_messages_mb_max']} MiB (peak {result['peak_mb_max']} MiB) "
          f"-> {args.out}")


if __name__ == "__main__":
    main()
