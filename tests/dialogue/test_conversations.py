"""One test per conversation in tests/dialogue/conversations/<flow file>.yml.

Each turn's state goes through ``to_dict`` -> JSON -> ``from_dict`` and the next turn runs
on the other engine instance: nothing may survive in memory between turns.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.dialogue import DialogueEngine, DialogueState, TurnResult
from tests.dialogue.fake_home import FakeExecutor
from tests.dialogue.markup import parse
from tests.dialogue.support import FLOWS

HERE = Path(__file__).parent / "conversations"
_TURN_KEYS = {"user", "intent", "clauses", "timer_fires", "expect_replies", "expect_actions",
              "expect_home", "expect_flow", "note"}


def _cases() -> list[Any]:
    cases = []
    for path in sorted(HERE.glob("*.yml")):
        for conv in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(path, conv, id=f"{path.stem}: {conv['name']}"))
    return cases


def test_every_flow_file_has_a_conversation_file() -> None:
    flows = {p.stem for p in FLOWS.glob("*.yml")}
    assert flows == {p.stem for p in HERE.glob("*.yml")}


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "conversation"), _cases())
async def test_conversation(engines: tuple[DialogueEngine, DialogueEngine], path: Path,
                            conversation: dict[str, Any]) -> None:
    home = FakeExecutor(**conversation.get("setup", {}).get("executor", {}))
    for device_id, state in conversation.get("setup", {}).get("home", {}).items():
        home.devices[device_id].state.update(state)
    state = DialogueState()
    for number, turn in enumerate(conversation["turns"], 1):
        assert set(turn) <= _TURN_KEYS, f"unknown keys {set(turn) - _TURN_KEYS}"
        engine = engines[number % 2]
        said, result = await _run(engine, home, state, turn)
        where = f"{path.name}, {conversation['name']!r}, turn {number}\n  user: {said}"
        _check(where, turn, result, home)
        state = DialogueState.from_dict(json.loads(json.dumps(result.state.to_dict())))


async def _run(engine: DialogueEngine, home: FakeExecutor, state: DialogueState,
               turn: dict[str, Any]) -> tuple[str, TurnResult]:
    if "timer_fires" in turn:
        timer = home.fire(turn["timer_fires"])
        said = f"(the {timer.name or 'unnamed'} timer fires)"
        return said, await engine.timer_fired(state, timer)
    clauses = turn.get("clauses") or [turn]
    parses = [_parse(c) for c in clauses]
    said = " | ".join(f"{p.text} ({p.intent.name or 'no intent'})" for p in parses)
    raw = " and ".join(p.text for p in parses)
    return said, await engine.handle_turn(parses, state, home, raw_text=raw)


def _parse(turn: dict[str, Any]) -> Any:
    assert isinstance(turn["user"], str), f"quote the user text {turn['user']!r} (YAML 1.1)"
    if turn.get("intent") is None:  # text the NLU could not place
        return parse(turn["user"], "out_of_scope", 0.2)
    return parse(turn["user"], turn["intent"])


def _check(where: str, turn: dict[str, Any], result: TurnResult, home: FakeExecutor) -> None:
    got = result.text
    for expected in turn.get("expect_replies", []):
        assert isinstance(expected, str), f"{where}\n  quote the expected reply {expected!r}"
        if expected.startswith("/") and expected.endswith("/"):
            ok = re.search(expected[1:-1], got) is not None
        else:
            ok = expected in got
        assert ok, f"{where}\n  expected reply with: {expected!r}\n  got: {got!r}"
    if "expect_actions" in turn:
        want = [_action(a) for a in turn["expect_actions"]]
        padded = want + [{}] * len(result.actions)
        have = [{"action": a["action"], "devices": sorted(a["device_ids"]),
                 **({"params": a["params"]} if "params" in w else {})}
                for a, w in zip(result.actions, padded, strict=False)]
        assert have == want, (f"{where}\n  expected actions: {want}\n  got: "
                              f"{list(result.actions)}\n  reply: {got!r}")
    for device_id, expected_state in turn.get("expect_home", {}).items():
        actual = home.devices[device_id].state
        wrong = {k: actual.get(k) for k, v in expected_state.items() if actual.get(k) != v}
        assert not wrong, f"{where}\n  {device_id} expected {expected_state}, has {wrong}"
    if "expect_flow" in turn:
        assert result.state.flow == turn["expect_flow"], (
            f"{where}\n  expected flow {turn['expect_flow']!r}, state is {result.state.label}"
            f"\n  reply: {got!r}")


def _action(spec: dict[str, Any]) -> dict[str, Any]:
    out = {"action": spec["action"], "devices": sorted(spec.get("devices", []))}
    if "params" in spec:
        out["params"] = spec["params"]
    return out
