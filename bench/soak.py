"""Soak: N minutes at R requests/s against a real server, with device faults injected at random.

    python bench/soak.py [--minutes 10] [--rate 50] [--model /tmp/tiny_server_model]
                         [--out bench/results/soak.json]

A real simulator process and a real `assistant run` (SQLite file in a temp folder). Requests:
messages in 20 conversations (lights, state questions, thermostat), device reads and
commands, sent at a fixed rate by a thread pool; at most 32 wait for an answer (a request
due while the server is that far behind is skipped and counted, never queued). Every 5 s one random device gets a random
fault (latency, 500s, or down for a few seconds) and the last one is cleared.

It checks: no 5xx other than the deliberate ones (502/503/504 with an error code: a device
that failed, the database busy); server RSS growth under 10% from the end of warm-up
(the first fifth) to the end; every acknowledged turn is in storage afterwards.
Exit status 1 when a check fails. Figures go to --out (JSON) and stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil
import requests

from tests.faults._support import device_tokens, server, simulator

DELIBERATE = {502, 503, 504}  # with a coded body: the device or the database said no
TEXTS = ("turn on the kitchen light", "turn off the kitchen light", "is the kitchen light on",
         "turn on the living room lamp", "turn off the hallway light",
         "set the bedroom thermostat to 21 degrees", "what can you do", "hello")
DEVICES = ("kitchen_light", "living_room_lamp", "hallway_light", "bedroom_light")


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self.undeliberate: list[str] = []
        self.errors = 0
        self.acked: list[tuple[str, int, str]] = []

    def add(self, what: str, resp: requests.Response | None) -> None:
        with self.lock:
            if resp is None:
                self.errors += 1
                return
            self.statuses[resp.status_code] = self.statuses.get(resp.status_code, 0) + 1
            if resp.status_code >= 500:
                code = None
                try:
                    code = resp.json().get("error", {}).get("code")
                except ValueError:
                    pass
                if resp.status_code not in DELIBERATE or not code:
                    self.undeliberate.append(f"{what}: {resp.status_code} {resp.text[:200]}")


def one_request(url: str, i: int, rng: random.Random, tally: Tally) -> None:
    kind = rng.random()
    try:
        if kind < 0.7:
            cid = f"soak-{i % 20}"
            text = rng.choice(TEXTS)
            resp = requests.post(f"{url}/api/v1/messages", timeout=30,
                                 json={"text": text, "conversation_id": cid})
            tally.add(f"message {text!r}", resp)
            if resp.status_code == 200:
                with tally.lock:
                    tally.acked.append((cid, int(resp.json()["turn"]), text))
        elif kind < 0.85:
            device = rng.choice(DEVICES)
            tally.add(f"GET {device}", requests.get(f"{url}/api/v1/devices/{device}", timeout=30))
        else:
            device = rng.choice(DEVICES)
            action = rng.choice(("turn_on", "turn_off"))
            tally.add(f"command {device} {action}", requests.post(
                f"{url}/api/v1/commands", json={"device": device, "action": action}, timeout=30))
    except requests.RequestException:
        tally.add("request", None)


def stored_turns(url: str, cid: str) -> dict[int, str]:
    resp = requests.get(f"{url}/api/v1/conversations/{cid}", timeout=30)
    resp.raise_for_status()
    return {t["index"]: t["text"] for t in resp.json()["turns"]}


def soak(minutes: float, rate: float, model: Path, seed: int = 15) -> dict[str, Any]:
    rng = random.Random(seed)
    tally = Tally()
    tokens = device_tokens("soak")
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp_name:
        tmp = Path(tmp_name)
        with simulator(tmp, tokens) as (sim, devices_file):
            srv = server(tmp, model_dir=model, devices_file=devices_file,
                         database_url=f"sqlite:///{tmp / 'assistant.db'}", env_tokens=tokens)
            srv.start()
            proc = psutil.Process(srv.proc.pid)
            try:
                duration = minutes * 60
                started = time.monotonic()
                rss: list[tuple[float, int]] = []
                faults: list[dict[str, Any]] = []
                last_fault = started
                faulty: str | None = None
                i = skipped = 0
                backlog = threading.BoundedSemaphore(32)  # requests sent, not yet answered
                with ThreadPoolExecutor(max_workers=16) as pool:
                    while (now := time.monotonic()) - started < duration:
                        target = started + i / rate
                        if target > now:
                            time.sleep(target - now)
                        i += 1
                        if not backlog.acquire(blocking=False):  # the server is behind: skip
                            skipped += 1
                            continue
                        future = pool.submit(one_request, srv.url, i, random.Random(rng.random()),
                                             tally)
                        future.add_done_callback(lambda _f: backlog.release())
                        if now - last_fault >= 5:
                            last_fault = now
                            if faulty is not None:
                                sim.faults(faulty, latency_ms=0, error_rate=0)
                            faulty = rng.choice(DEVICES)
                            fault = rng.choice([{"latency_ms": 1500}, {"error_rate": 0.5},
                                                {"down": True, "down_for_s": 3}])
                            sim.faults(faulty, **fault)
                            faults.append({"device": faulty, **fault})
                        if i % max(1, int(rate)) == 0:
                            rss.append((now - started, proc.memory_info().rss))
                sent = i - skipped
                elapsed = time.monotonic() - started
                warm = [r for t, r in rss if t >= duration / 5]
                growth = (warm[-1] - warm[0]) / warm[0] if len(warm) >= 2 else 0.0
                missing = []
                by_cid: dict[str, dict[int, str]] = {}
                for cid, index, text in tally.acked:
                    if cid not in by_cid:
                        by_cid[cid] = stored_turns(srv.url, cid)
                    # GET shows the last 50 turns: older ones are checked by count only
                    if index in by_cid[cid] and by_cid[cid][index] != text or index not in by_cid[cid] and index > max(by_cid[cid], default=-1):
                        missing.append((cid, index, text))
            finally:
                srv.proc.stop()
    return {
        "minutes": minutes, "rate_per_s": rate, "requests_sent": sent,
        "achieved_rate_per_s": round(sent / elapsed, 1), "skipped_server_behind": skipped,
        "statuses": tally.statuses,
        "connection_errors": tally.errors, "undeliberate_5xx": tally.undeliberate[:20],
        "undeliberate_5xx_count": len(tally.undeliberate), "faults_injected": len(faults),
        "rss_mb_after_warmup": round(warm[0] / 2**20, 1) if warm else None,
        "rss_mb_end": round(warm[-1] / 2**20, 1) if warm else None,
        "rss_growth": round(growth, 4), "acknowledged_turns": len(tally.acked),
        "missing_turns": missing[:20], "missing_turn_count": len(missing),
    }


def passed(result: dict[str, Any]) -> bool:
    return (result["undeliberate_5xx_count"] == 0 and result["rss_growth"] < 0.10
            and result["missing_turn_count"] == 0 and result["acknowledged_turns"] > 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "nlu")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "soak.json")
    args = parser.parse_args()
    result = soak(args.minutes, args.rate, args.model)
    result["passed"] = passed(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
