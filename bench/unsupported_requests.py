"""Requests the assistant cannot do must not move a device; supported commands still must.

    python bench/unsupported_requests.py [--model models/nlu]
        [--requests bench/data/unsupported_requests.yml] [--limit N]
        [--out bench/results/unsupported_requests.json] [--check]

The real app runs in this process (the model, the bundled flows and devices.yaml, the
in-process device simulator, SQLite in a temp folder, no rate limit) on 127.0.0.1 and an
ephemeral port, and every request goes over HTTP to POST /api/v1/messages in a fresh
conversation, from the simulator's initial device states. An actuation is a command that
reached a simulated device (the simulator's own count, not the assistant's word for it).

Reported, for the `unsupported` set: the requests that moved a device (target 0), the ones
answered with a question, and the ones refused; for the `control` set: the share that
reached every device it names. ``--limit`` takes the first N of each category and of the
controls (a quick smoke run); ``--check`` exits 1 when an unsupported request acted or a
control failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.actions.simulator import DeviceSimulator
from assistant.config import load_settings
from assistant.server.app import create_app
from assistant.server.keys import SERVICES

HOST = "127.0.0.1"
MESSAGES = "/api/v1/messages"


@dataclass(frozen=True)
class Control:
    turns: tuple[str, ...]
    devices: tuple[str, ...]


@dataclass(frozen=True)
class RequestSet:
    unsupported: dict[str, tuple[str, ...]]
    control: tuple[Control, ...]


@dataclass
class Outcome:
    text: str
    category: str
    kind: str  # acted | asked | refused (unsupported); ok | failed (control)
    commands: dict[str, list[str]] = field(default_factory=dict)  # device -> actions
    intents: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


def load_requests(path: Path, limit: int | None = None) -> RequestSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1:
        raise SystemExit(f"{path}: expected a mapping with version: 1")
    unsupported = {name: tuple(str(t) for t in texts[:limit])
                   for name, texts in data["unsupported"].items()}
    control = tuple(Control(tuple(str(t) for t in c["turns"]), tuple(c["devices"]))
                    for c in data["control"][:limit])
    return RequestSet(unsupported, control)


def _commands(sim: DeviceSimulator, before: dict[str, Counter[str]]) -> dict[str, list[str]]:
    """Device -> the actions it received since ``before`` (the simulator's counts)."""
    moved: dict[str, list[str]] = {}
    for device_id, counts in before.items():
        new = sim.stats(device_id).actions - counts
        if new:
            moved[device_id] = sorted(new.elements())
    return moved


async def _conversation(session: aiohttp.ClientSession, url: str, sim: DeviceSimulator,
                        turns: tuple[str, ...]) -> tuple[dict[str, list[str]], list[str],
                                                         list[str], str]:
    """Send ``turns`` in a fresh conversation from the initial states: the commands that
    reached devices, the intents, the replies and the conversation's state afterwards."""
    sim.reset_states()
    device_ids = [d.id for d in sim.registry]
    before = {d: sim.stats(d).actions for d in device_ids}
    cid = f"unsupported-{uuid.uuid4().hex[:12]}"
    intents: list[str] = []
    replies: list[str] = []
    for text in turns:
        async with session.post(url + MESSAGES,
                                json={"text": text, "conversation_id": cid}) as resp:
            body = await resp.json()
            if resp.status != 200:
                raise SystemExit(f"{text!r}: POST {MESSAGES} answered {resp.status}: {body}")
        intents += [p["intent"]["name"] for p in body["nlu"]]
        replies += body["replies"]
    async with session.get(f"{url}/api/v1/conversations/{cid}") as resp:
        state = (await resp.json()).get("state", "") if resp.status == 200 else ""
    return _commands(sim, before), intents, replies, str(state)


async def run(model: Path, requests: RequestSet) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="unsupported-") as tmp:
        settings = load_settings(
            None, host=HOST, port=0, model_dir=model,
            database_url=f"sqlite:///{Path(tmp) / 'assistant.db'}", data_root=Path(tmp),
            data_dir=ROOT / "nlu_data", flows_dir=ROOT / "flows",
            devices_file=ROOT / "devices.yaml", simulate=True, simulator_base_port=0,
            rate_limit_per_minute=0)
        app = create_app(settings)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            site = web.TCPSite(runner, HOST, 0)
            await site.start()
            url = f"http://{HOST}:{runner.addresses[0][1]}"
            services = app[SERVICES]
            for part in services.components():
                await part.wait()
            sim = services.simulator
            if sim is None:
                raise SystemExit("the app runs without the simulator")
            started = time.perf_counter()
            async with aiohttp.ClientSession() as session:
                unsupported = []
                for category, texts in requests.unsupported.items():
                    for text in texts:
                        moved, intents, replies, state = await _conversation(
                            session, url, sim, (text,))
                        kind = "acted" if moved else ("refused" if state == "idle" else "asked")
                        unsupported.append(Outcome(text, category, kind, moved, intents,
                                                   replies))
                control = []
                for item in requests.control:
                    moved, intents, replies, _ = await _conversation(session, url, sim,
                                                                     item.turns)
                    kind = "ok" if set(item.devices) <= set(moved) else "failed"
                    control.append(Outcome(" / ".join(item.turns), "control", kind, moved,
                                           intents, replies))
            elapsed = time.perf_counter() - started
        finally:
            await runner.cleanup()
    return report(model, unsupported, control, elapsed)


def report(model: Path, unsupported: list[Outcome], control: list[Outcome],
           elapsed: float) -> dict[str, Any]:
    kinds = Counter(o.kind for o in unsupported)
    by_category: dict[str, dict[str, int]] = {}
    for o in unsupported:
        by_category.setdefault(o.category, Counter())[o.kind] += 1  # type: ignore[index]
    ok = sum(o.kind == "ok" for o in control)
    return {
        "model": str(model),
        "unsupported": {
            "requests": len(unsupported),
            "actuations": kinds.get("acted", 0),
            "asked": kinds.get("asked", 0),
            "refused": kinds.get("refused", 0),
            "by_category": {k: dict(v) for k, v in by_category.items()},
            "acted": [asdict(o) for o in unsupported if o.kind == "acted"],
            "questions": [asdict(o) for o in unsupported if o.kind == "asked"],
        },
        "control": {
            "requests": len(control),
            "ok": ok,
            "success_rate": round(ok / len(control), 4) if control else None,
            "failed": [asdict(o) for o in control if o.kind != "ok"],
        },
        "elapsed_s": round(elapsed, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "nlu")
    ap.add_argument("--requests", type=Path,
                    default=ROOT / "bench" / "data" / "unsupported_requests.yml")
    ap.add_argument("--limit", type=int, default=None,
                    help="the first N requests of each category and of the controls")
    ap.add_argument("--out", type=Path,
                    default=ROOT / "bench" / "results" / "unsupported_requests.json")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when an unsupported request acted or a control failed")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(run(args.model, load_requests(args.requests, args.limit)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    u, c = result["unsupported"], result["control"]
    print(f"{result['model']}: unsupported {u['requests']}: {u['actuations']} moved a device, "
          f"{u['asked']} asked, {u['refused']} refused; control {c['ok']}/{c['requests']} "
          f"acted ({result['elapsed_s']} s)")
    for o in u["acted"]:
        print(f"  acted: {o['text']!r} -> {o['intents']} {o['commands']} {o['replies']}")
    for o in c["failed"]:
        print(f"  control failed: {o['text']!r} -> {o['intents']} {o['commands']} "
              f"{o['replies']}")
    if args.check and (u["actuations"] or c["failed"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
