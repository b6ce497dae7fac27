"""Requests the assistant cannot do must not move a device; supported commands still must.

    python bench/unsupported_requests.py [--model models/nlu]
        [--requests bench/data/unsupported_requests.yml] [--limit N]
        [--out bench/results/unsupported_requests.json] [--check]

The real app runs in this process (the model, the bundled flows and devices.yaml, the
in-process device simulator, SQLite in a temp folder, no rate limit) on 127.0.0.1 and an
ephemeral port, and every request goes over HTTP to POST /api/v1/messages in a fresh
conversation, from the simulator's initial device states. An actuation is a command that
reached a simulated device (the simulator's own count, not the assistant's word for it).

Each unsupported request is sent twice: first thing in a fresh conversation, and after a
`primers` command in the same conversation (its devices are then the context that "turn it
off" would use: the way a misread request reaches the TV that just played). Reported, for
both: the requests that moved a device (target 0), the ones answered with a question, and
the ones refused; for the `control` set: the share that reached every device it names. ``--limit`` takes the first N of each category and of the
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
    primers: tuple[str, ...]  # commands that give a conversation devices as its context


@dataclass
class Outcome:
    text: str
    category: str
    kind: str  # acted | asked | refused (unsupported); ok | failed (control)
    commands: dict[str, list[str]] = field(default_factory=dict)  # device -> actions
    intents: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    primer: str | None = None  # the command sent first in the same conversation


def load_requests(path: Path, limit: int | None = None) -> RequestSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1:
        raise SystemExit(f"{path}: expected a mapping with version: 1")
    unsupported = {name: tuple(str(t) for t in texts[:limit])
                   for name, texts in data["unsupported"].items()}
    control = tuple(Control(tuple(str(t) for t in c["turns"]), tuple(c["devices"]))
                    for c in data["control"][:limit])
    return RequestSet(unsupported, control, tuple(str(p) for p in data["primers"]))


def _commands(sim: DeviceSimulator, before: dict[str, Counter[str]]) -> dict[str, list[str]]:
    """Device -> the actions it received since ``before`` (the simulator's counts)."""
    moved: dict[str, list[str]] = {}
    for device_id, counts in before.items():
        new = sim.stats(device_id).actions - counts
        if new:
            moved[device_id] = sorted(new.elements())
    return moved


async def _send(session: aiohttp.ClientSession, url: str, cid: str, text: str
                ) -> dict[str, Any]:
    async with session.post(url + MESSAGES, json={"text": text, "conversation_id": cid}) as resp:
        body = await resp.json()
        if resp.status != 200:
            raise SystemExit(f"{text!r}: POST {MESSAGES} answered {resp.status}: {body}")
    return body


async def _conversation(session: aiohttp.ClientSession, url: str, sim: DeviceSimulator,
                        turns: tuple[str, ...], primer: str | None = None
                        ) -> tuple[dict[str, list[str]], list[str], list[str], str]:
    """Send ``turns`` in a fresh conversation from the initial states (after ``primer``, a
    command whose devices become the conversation's context): the commands that reached
    devices during ``turns``, the intents, the replies and the conversation's state after."""
    sim.reset_states()
    cid = f"unsupported-{uuid.uuid4().hex[:12]}"
    if primer is not None:
        await _send(session, url, cid, primer)
    before = {d.id: sim.stats(d.id).actions for d in sim.registry}
    intents: list[str] = []
    replies: list[str] = []
    for text in turns:
        body = await _send(session, url, cid, text)
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
                fresh: list[Outcome] = []
                after: list[Outcome] = []
                for i, (category, text) in enumerate(
                        (c, t) for c, texts in requests.unsupported.items() for t in texts):
                    for primer, out in ((None, fresh),
                                        (requests.primers[i % len(requests.primers)], after)):
                        moved, intents, replies, state = await _conversation(
                            session, url, sim, (text,), primer)
                        kind = "acted" if moved else ("refused" if state == "idle" else "asked")
                        out.append(Outcome(text, category, kind, moved, intents, replies,
                                           primer))
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
    return {"model": str(model), "unsupported": summary(fresh),
            "unsupported_after_context": summary(after), "control": control_summary(control),
            "elapsed_s": round(elapsed, 1)}


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    kinds = Counter(o.kind for o in outcomes)
    by_category: dict[str, Counter[str]] = {}
    for o in outcomes:
        by_category.setdefault(o.category, Counter())[o.kind] += 1
    return {
        "requests": len(outcomes),
        "actuations": kinds.get("acted", 0),
        "asked": kinds.get("asked", 0),
        "refused": kinds.get("refused", 0),
        "by_category": {k: dict(v) for k, v in by_category.items()},
        "acted": [asdict(o) for o in outcomes if o.kind == "acted"],
        "questions": [asdict(o) for o in outcomes if o.kind == "asked"],
    }


def control_summary(control: list[Outcome]) -> dict[str, Any]:
    ok = sum(o.kind == "ok" for o in control)
    return {
        "requests": len(control),
        "ok": ok,
        "success_rate": round(ok / len(control), 4) if control else None,
        "failed": [asdict(o) for o in control if o.kind != "ok"],
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
    u, a, c = (result["unsupported"], result["unsupported_after_context"], result["control"])
    print(f"{result['model']}: unsupported {u['requests']}: {u['actuations']} moved a device "
          f"({a['actuations']} after a command), {u['asked']} asked ({a['asked']}), "
          f"{u['refused']} refused ({a['refused']}); control {c['ok']}/{c['requests']} acted "
          f"({result['elapsed_s']} s)")
    for o in u["acted"] + a["acted"]:
        print(f"  acted: {o['text']!r} (after {o['primer']!r}) -> {o['intents']} "
              f"{o['commands']} {o['replies']}")
    for o in c["failed"]:
        print(f"  control failed: {o['text']!r} -> {o['intents']} {o['commands']} "
              f"{o['replies']}")
    if args.check and (u["actuations"] or a["actuations"] or c["failed"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
