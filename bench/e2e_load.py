"""End-to-end load: many concurrent multi-turn conversations against the whole server.

    python bench/e2e_load.py --model bench/results/model-bundled [--duration 30] [--rate 100]
        [--conversations 50] [--out bench/results/e2e_load.json] [--in-process]

The server runs as a subprocess (the real app: NLU model, dialogue engine, in-process device
simulator, SQLite in a temp folder, no rate limit) on 127.0.0.1 and an ephemeral port; it is
started through ``assistant.server.runner.serve`` directly, so it never trains a model. All
traffic goes to 127.0.0.1. ``--conversations`` workers each play scripted conversations
(commands, questions, follow-ups, confirmations, chitchat), one turn at a time; their sends
are paced together to ``--rate`` requests/s (a shared schedule; a worker still waiting for its
previous answer takes the next free slot, so the achieved rate drops when the server is
slower than conversations/rate). The run stops by itself after ``--duration`` seconds and
waits at most ``--request-timeout`` for the requests still in flight.

Reported: p50/p95/p99 of POST /api/v1/messages latency (from the send to the full answer),
how late sends were against the schedule, the achieved rate, errors (non-2xx or exceptions,
by kind) and the server process's RSS (sampled every 0.5 s: start, max, end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
MESSAGES = "/api/v1/messages"

# Multi-turn scripts over the bundled devices.yaml: each is one conversation.
SCRIPTS: list[list[str]] = [
    ["turn on the kitchen light", "turn it off"],
    ["turn on the kitchen light", "and the bedroom too", "is the bedroom light on"],
    ["set the thermostat to 21 degrees", "the bedroom one"],
    ["set the hallway thermostat to 22 degrees", "what is the temperature in the hallway"],
    ["unlock the front door", "yes"],
    ["unlock the front door", "no"],
    ["lock the back door", "is the back door locked"],
    ["open the blinds", "close them"],
    ["set the living room blinds to 50 percent", "open them"],
    ["is the kitchen light on", "turn it on", "dim it to 40 percent"],
    ["hello", "what can you do", "turn on the living room lamp", "thanks"],
    ["play some music", "the speaker", "louder", "pause"],
    ["turn on the fan in the bathroom", "turn it off", "goodbye"],
    ["set a pasta timer for 12 minutes", "how much time is left", "cancel the pasta timer"],
    ["activate movie night", "turn off the tv"],
    ["turn off the kitchen light and turn on the living room lamp", "is the lamp on"],
    ["what's the weather in Paris", "turn on the hallway light"],
    ["open the garage door", "yes", "close the garage door"],
]

SERVER = r"""
import asyncio, json, sys
from pathlib import Path
from assistant.config import load_settings
from assistant.server.runner import serve

model, tmp, root, threads = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
settings = load_settings(None, host="127.0.0.1", port=0, model_dir=model,
                         database_url=f"sqlite:///{tmp / 'assistant.db'}", data_root=tmp,
                         data_dir=root / "nlu_data", flows_dir=root / "flows",
                         devices_file=root / "devices.yaml", simulate=True,
                         simulator_base_port=0, rate_limit_per_minute=0,
                         worker_threads=threads)

def ready(url, seconds):
    print(json.dumps({"url": url, "ready_s": seconds}), flush=True)

asyncio.run(serve(settings, on_ready=ready))
"""


def rss_mb(pid: int) -> tuple[float, float] | None:
    """(VmRSS, VmHWM) of ``pid`` in MiB, or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    def kb(key: str) -> float:
        return int(status.split(key + ":")[1].split()[0]) / 1024
    return kb("VmRSS"), kb("VmHWM")


def percentiles(samples_s: list[float]) -> dict[str, float | None]:
    if not samples_s:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None,
                "max_ms": None}
    a = np.asarray(samples_s) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 2),
            "p95_ms": round(float(np.percentile(a, 95)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2),
            "mean_ms": round(float(a.mean()), 2), "max_ms": round(float(a.max()), 2)}


class Load:
    """A shared send schedule at ``rate`` requests/s from ``t0`` until ``t0 + duration``."""

    def __init__(self, rate: float, duration: float) -> None:
        self.rate = rate
        self.duration = duration
        self.t0 = 0.0
        self.slot = 0
        self.latencies: list[float] = []
        self.lateness: list[float] = []
        self.errors: Counter[str] = Counter()
        self.sent = 0
        self.ok = 0
        self.turns_by_script: Counter[int] = Counter()
        self.conversations = 0

    def next_send(self) -> float | None:
        """The scheduled time of the next free slot, or None when the run is over."""
        at = self.t0 + self.slot / self.rate
        end = self.t0 + self.duration
        if at >= end or time.perf_counter() >= end:  # late slots are dropped at the end
            return None
        self.slot += 1
        return at


async def worker(n: int, session: aiohttp.ClientSession, url: str, load: Load,
                 seed: int) -> None:
    rng = random.Random(seed * 1000 + n)
    while True:
        script_i = rng.randrange(len(SCRIPTS))
        cid = f"load-{n}-{rng.getrandbits(48):012x}"
        for turn, text in enumerate(SCRIPTS[script_i]):
            at = load.next_send()
            if at is None:
                return
            if turn == 0:
                load.conversations += 1
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.perf_counter()
            load.lateness.append(max(0.0, sent - at))
            load.sent += 1
            try:
                async with session.post(url + MESSAGES,
                                        json={"text": text, "conversation_id": cid}) as resp:
                    await resp.read()
                    status = resp.status
            except Exception as exc:  # noqa: BLE001 - counted, the load goes on
                load.errors[type(exc).__name__] += 1
                continue
            load.latencies.append(time.perf_counter() - sent)
            if 200 <= status < 300:
                load.ok += 1
                load.turns_by_script[script_i] += 1
            else:
                load.errors[f"http_{status}"] += 1


async def sample_rss(pid: int, out: list[tuple[float, float]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        got = rss_mb(pid)
        if got is not None:
            out.append(got)
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


async def drive(url: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    load = Load(args.rate, args.duration)
    rss: list[tuple[float, float]] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, rss, stop))
    connector = aiohttp.TCPConnector(limit=args.conversations)
    timeout = aiohttp.ClientTimeout(total=args.request_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async with session.get(url + "/ready") as resp:  # one warm-up probe, not measured
            if resp.status != 200:
                raise SystemExit(f"server not ready: /ready answered {resp.status}")
        load.t0 = time.perf_counter() + 0.05
        workers = [asyncio.create_task(worker(i, session, url, load, args.seed))
                   for i in range(args.conversations)]
        _, stuck = await asyncio.wait(workers, timeout=args.duration + args.request_timeout + 5)
        for task in stuck:  # cannot happen with the request timeout; never hang anyway
            task.cancel()
        if stuck:
            load.errors["worker_cancelled"] += len(stuck)
        elapsed = time.perf_counter() - load.t0
    stop.set()
    await sampler
    errors = sum(load.errors.values())
    return {
        "requests": load.sent, "ok": load.ok, "errors": errors,
        "error_kinds": dict(load.errors), "conversations_started": load.conversations,
        "elapsed_s": round(elapsed, 2),
        "achieved_rps": round(load.sent / elapsed, 2) if elapsed > 0 else 0.0,
        "ok_rps": round(load.ok / elapsed, 2) if elapsed > 0 else 0.0,
        "latency": percentiles(load.latencies),
        "send_lateness": percentiles(load.lateness),
        "server_rss_mb": {
            "start": round(rss[0][0], 1) if rss else None,
            "max": round(max(r for r, _ in rss), 1) if rss else None,
            "end": round(rss[-1][0], 1) if rss else None,
            "peak_hwm": round(rss[-1][1], 1) if rss else None,
        },
    }


def start_server(args: argparse.Namespace, tmp: Path) -> tuple[subprocess.Popen[str], str,
                                                               float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(args.model.resolve()), str(tmp), str(ROOT),
         str(args.worker_threads)],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    deadline = time.monotonic() + args.start_timeout
    line = ""
    while time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
        if line.strip().startswith("{"):
            break
    if not line.strip().startswith("{"):
        stop_server(proc)
        tail = (tmp / "server.log").read_text()[-3000:]
        raise SystemExit(f"the server did not become ready:\n{tail}")
    info = json.loads(line)
    return proc, info["url"], float(info["ready_s"])


def stop_server(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: serve() shuts down cleanly
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def in_process(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, Any], float]:
    from assistant.config import load_settings
    from assistant.server.runner import serve

    settings = load_settings(None, host=HOST, port=0, model_dir=args.model,
                             database_url=f"sqlite:///{tmp / 'assistant.db'}", data_root=tmp,
                             data_dir=ROOT / "nlu_data", flows_dir=ROOT / "flows",
                             devices_file=ROOT / "devices.yaml", simulate=True,
                             simulator_base_port=0, rate_limit_per_minute=0,
                             worker_threads=args.worker_threads)
    ready: asyncio.Future[tuple[str, float]] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop=stop,
                                       on_ready=lambda u, s: ready.set_result((u, s))))
    done, _ = await asyncio.wait({server, ready}, timeout=args.start_timeout,
                                 return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        stop.set()
        await server  # raises the start-up error
        raise SystemExit("the server did not become ready")
    url, ready_s = ready.result()
    try:
        return await drive(url, os.getpid(), args), ready_s
    finally:
        stop.set()
        await server


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=ROOT / "models" / "nlu",
                   help="a trained model folder")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    p.add_argument("--rate", type=float, default=100.0, help="target requests/s")
    p.add_argument("--conversations", type=int, default=50, help="concurrent conversations")
    p.add_argument("--request-timeout", type=float, default=10.0)
    p.add_argument("--start-timeout", type=float, default=120.0)
    p.add_argument("--worker-threads", type=int, default=2, help="server's inference threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--in-process", action="store_true",
                   help="run the server in this process (RSS then includes the client)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "e2e_load.json")
    args = p.parse_args()
    from assistant.nlu.backend import UNVERSIONED, model_version

    version = model_version(args.model)
    if version == UNVERSIONED:
        raise SystemExit(f"no trained model in {args.model} (train one with `assistant train`)")

    with tempfile.TemporaryDirectory(prefix="assistant-e2e-") as name:
        tmp = Path(name)
        if args.in_process:
            result, ready_s = asyncio.run(in_process(args, tmp))
        else:
            proc, url, ready_s = start_server(args, tmp)
            try:
                result = asyncio.run(drive(url, proc.pid, args))
            finally:
                stop_server(proc)
    report = {
        "benchmark": "e2e_load", "smoke": args.duration < 30,
        "config": {"model": str(args.model), "model_version": version, "duration_s": args.duration,
                   "target_rps": args.rate, "conversations": args.conversations,
                   "server": "in-process" if args.in_process else "subprocess",
                   "worker_threads": args.worker_threads, "seed": args.seed,
                   "scripts": len(SCRIPTS)},
        "server_ready_s": round(ready_s, 2),
        **result,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lat = result["latency"]
    print(f"{result['requests']} requests in {result['elapsed_s']} s: "
          f"{result['achieved_rps']} req/s (target {args.rate}), {result['errors']} errors; "
          f"latency p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms; "
          f"server RSS max {result['server_rss_mb']['max']} MiB -> {args.out}")


if __name__ == "__main__":
    main()
