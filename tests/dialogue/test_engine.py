"""Engine behaviour outside single conversations: the shared machines, many conversations
at once, stale stored states, and turns with no parse."""

from __future__ import annotations

import asyncio

import pytest
from transitions.extensions.asyncio import AsyncMachine

from assistant.dialogue import DialogueEngine, DialogueState, TimerInfo
from assistant.dialogue.machine import machine_config
from tests.dialogue.fake_home import FakeExecutor
from tests.dialogue.markup import parse


def test_one_machine_per_flow_built_from_a_dict(
        engines: tuple[DialogueEngine, DialogueEngine]) -> None:
    engine = engines[0]
    flow = engine.flows["set_temperature"]
    config = machine_config(flow)
    assert [s["name"] for s in config["states"]] == [
        "start", "choose_target", "collect_target", "collect_temperature", "act", "done"]
    assert {t["trigger"] for t in config["transitions"]} == {
        "advance", "finish", "give_up", "abort"}
    machine = engine._machines["set_temperature"]
    assert isinstance(machine, AsyncMachine) and machine.models == []
    assert "confirm" in [s["name"] for s in machine_config(engine.flows["unlock"])["states"]]


@pytest.mark.asyncio
async def test_many_conversations_share_the_machines(
        engines: tuple[DialogueEngine, DialogueEngine]) -> None:
    engine = engines[0]
    home = FakeExecutor()

    async def conversation(i: int) -> str:
        state = DialogueState()
        first = await engine.handle_turn([parse("set the temperature", "set_temperature")],
                                         state, home, raw_text="set the temperature")
        second = await engine.handle_turn([parse("the [hallway](room) one", "set_temperature")],
                                          first.state, home, raw_text="")
        third = await engine.handle_turn([parse(f"[{15 + i}](number)", "set_temperature")],
                                         second.state, home, raw_text="")
        assert third.state.flow is None
        return third.text

    texts = await asyncio.gather(*(conversation(i) for i in range(10)))
    assert texts == [f"Set the hallway thermostat to {15 + i}°C." for i in range(10)]
    assert all(m.models == [] for m in engine._machines.values())


@pytest.mark.asyncio
async def test_a_state_from_changed_flows_starts_over(
        engines: tuple[DialogueEngine, DialogueEngine]) -> None:
    stale = DialogueState("no_such_flow", "collect_x", {"x": 1},
                          {"last": {"flow": "turn_on", "ids": ["kitchen_light"],
                                    "names": ["kitchen light"]}, "stack": []})
    result = await engines[0].handle_turn([parse("turn it off", "turn_off")], stale,
                                          FakeExecutor(), raw_text="turn it off")
    assert result.text == "Turned off the kitchen light."


@pytest.mark.asyncio
async def test_no_parse_gets_the_fallback(engines: tuple[DialogueEngine, DialogueEngine]) -> None:
    result = await engines[0].handle_turn([], DialogueState(), FakeExecutor(), raw_text="???")
    assert result.text.startswith("Sorry, I can't help with that.")
    unknown = await engines[0].handle_turn([parse("hm", "some_new_intent")], DialogueState(),
                                           FakeExecutor(), raw_text="hm")
    assert unknown.text == result.text


@pytest.mark.asyncio
async def test_timer_fired_keeps_the_conversation_where_it_was(
        engines: tuple[DialogueEngine, DialogueEngine]) -> None:
    waiting = DialogueState("set_timer", "collect_duration")
    fired = await engines[0].timer_fired(waiting, TimerInfo("t1", "pasta", 0))
    assert fired.text == "Your pasta timer is done."
    assert fired.state == waiting
    assert fired.actions[0]["action"] == "timer.fired"


def test_dialogue_imports_only_the_base() -> None:
    """assistant.dialogue may import assistant.types/errors, stdlib, transitions, pydantic,
    yaml; never the sibling layers (nlu, actions, storage)."""
    import ast
    import sys
    from pathlib import Path

    import assistant.dialogue

    allowed = {"assistant.types", "assistant.errors", "transitions", "pydantic", "yaml"}
    package = Path(assistant.dialogue.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                ok = (name.startswith("assistant.dialogue") or top in sys.stdlib_module_names
                      or name in allowed or top in allowed or top == "__future__")
                assert ok, f"{path.name} imports {name}"
