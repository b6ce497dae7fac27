"""Requests the assistant has no intent, device or capability for move no device (issue 15,
defect 9), through the real app on the tiny model; bench/unsupported_requests.py measures
the whole set on the real model (docs/reliability.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.actions.registry import load_registry
from assistant.config import Settings
from assistant.server.executor import _by_words
from tests.server._support import ROOT, running

BENCH = ROOT / "bench" / "unsupported_requests.py"

# Words no intent is used with, or things the home does not have: the outcome does not
# depend on the model's quality (an out_of_scope parse, an unknown word, an unknown device).
SAMPLE = [
    "skip this song", "hoover the lounge", "add milk to the list", "start the roomba",
    "send the robot vacuum home", "close the shed door", "turn on the christmas tree",
    "text my wife that i'm running late", "preheat the oven to 200 degrees",
]
PRIMERS = ["turn on the tv", "play music on the speaker", "open the living room blinds"]


@pytest.mark.asyncio
async def test_unsupported_requests_move_no_device_even_after_a_command(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings(rate_limit_per_minute=0)) as srv:
        sim = srv.simulator
        moved: dict[str, dict[str, list[str]]] = {}
        for i, text in enumerate(SAMPLE):
            for primer in (None, PRIMERS[i % len(PRIMERS)]):
                cid = f"unsupported-{i}-{primer is not None}"
                if primer is not None:
                    await srv.say(primer, cid)
                before = {d.id: sim.stats(d.id).actions for d in sim.registry}
                out = await srv.say(text, cid)
                got = {d: sorted((sim.stats(d).actions - c).elements())
                       for d, c in before.items() if sim.stats(d).actions - c}
                if got or out["actions"]:
                    moved[f"{text} (after {primer})"] = got or out["actions"]
        assert not moved, f"expected no device command, got {moved}"


def test_the_bench_runs_on_the_tiny_model(bundled_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "unsupported.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--model", str(bundled_model),
                           "--limit", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    for part in ("unsupported", "unsupported_after_context"):
        got = report[part]
        assert got["requests"] == len(got["by_category"]) >= 10, f"{part}: {got['by_category']}"
        assert got["actuations"] + got["asked"] + got["refused"] == got["requests"], got
        assert len(got["acted"]) == got["actuations"], got["acted"]
    assert report["control"]["requests"] == 1, report["control"]
    assert "moved a device" in proc.stdout, proc.stdout


@pytest.mark.parametrize("answer, ids", [
    ("the tv", ["living_room_tv"]), ("the kitchen lights", ["kitchen_light"]),
    ("no, the one in the hallway", ["hallway_light", "hallway_thermostat"]),
    ("the song in the kitchen", []), ("skip this one", []), ("the big one", []),
])
def test_an_answer_by_words_names_devices_only_with_their_words(answer: str,
                                                                ids: list[str]) -> None:
    """The answer to "What should I turn on?" picks devices only when every word of it is
    one of theirs ("the song in the kitchen" is not the kitchen light)."""
    registry = load_registry(ROOT / "devices.yaml")
    got = _by_words(answer, list(registry), "on_off")
    assert list(got.ids) == ids, f"{answer!r}: expected {ids}, got {got}"
