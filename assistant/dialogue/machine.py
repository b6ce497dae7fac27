"""Flow -> ``transitions`` machine, built once from a dict config and shared by every
conversation: each turn attaches a ``Run`` as a model, fires triggers, and detaches it.

States: ``start`` -> ``choose_<slot>`` (which of several devices) / ``collect_<slot>`` (ask
for a missing value) -> ``confirm`` -> ``act`` -> ``done``. The ``advance`` trigger takes the
first transition whose condition holds, in slot order, so one trigger walks the whole flow.
"""

from __future__ import annotations

from typing import Any

from transitions.extensions.asyncio import AsyncMachine

from assistant.dialogue._act import on_enter_act
from assistant.dialogue.flow import Flow


def machine_config(flow: Flow) -> dict[str, Any]:
    waiting = list(flow.waiting_steps)
    sources = ["start", *waiting]
    states: list[dict[str, Any]] = [{"name": "start"}]
    states += [{"name": step, "on_enter": "announce"} for step in waiting]
    states += [{"name": "act", "on_enter": on_enter_act}, {"name": "done", "final": True}]
    transitions: list[dict[str, Any]] = []
    for slot in flow.spec.slots:
        if slot.type == "device":
            transitions.append({"trigger": "advance", "source": sources,
                                "dest": f"choose_{slot.name}", "conditions": "slot_unsettled"})
        if slot.required:
            transitions.append({"trigger": "advance", "source": sources,
                                "dest": f"collect_{slot.name}", "conditions": "slot_missing"})
    if flow.spec.confirm is not None:
        transitions.append({"trigger": "advance", "source": sources, "dest": "confirm",
                            "conditions": "needs_confirmation"})
        transitions.append({"trigger": "decline", "source": "confirm", "dest": "done",
                            "after": "say_declined"})
    transitions.append({"trigger": "advance", "source": sources, "dest": "act"})
    transitions.append({"trigger": "finish", "source": "act", "dest": "done"})
    if waiting:
        transitions.append({"trigger": "give_up", "source": waiting, "dest": "done",
                            "after": "say_give_up"})
    transitions.append({"trigger": "abort", "source": "*", "dest": "done"})
    return {
        "name": flow.name,
        "states": states,
        "transitions": transitions,
        "initial": "start",
        "auto_transitions": False,
        "send_event": True,
        "model_attribute": "step",
    }


def build_machine(flow: Flow) -> AsyncMachine:
    return AsyncMachine(model=None, **machine_config(flow))
