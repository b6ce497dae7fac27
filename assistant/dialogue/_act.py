"""The ``act`` state: run the flow's action (a device action or a built-in) and say what
really happened, then remember the devices for "turn it off" / "and the bedroom too"."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from transitions import EventData

from assistant.dialogue._run import Run
from assistant.dialogue._schema import SlotSpec
from assistant.dialogue._text import capital, duration, join, render
from assistant.dialogue.describe import describe_device
from assistant.dialogue.executor import ActionOutcome
from assistant.dialogue.slots import clamp, param_value
from assistant.dialogue.targets import is_device_value

_SLOT_PARAM = re.compile(r"^\{([a-z][a-z0-9_]*)\}$")


async def on_enter_act(event: EventData) -> None:
    """The machine's callback on entering ``act`` (the model is the turn's ``Run``)."""
    await perform(event.model)


async def perform(run: Run) -> None:
    if run.note:  # e.g. one of two named devices was not found: say so, then act
        run.turn.say(capital(run.note))
        run.note = ""
    values = run.values()
    handler = _BUILTINS.get(run.flow.spec.action, _device_action)
    await handler(run, values)


def params(run: Run, values: dict[str, Any]) -> dict[str, Any]:
    """The flow's ``params`` with ``"{slot}"`` replaced by the slot's value; a colour slot
    sends ``rgb`` when the colour has an RGB value, else ``color`` (its name)."""
    out: dict[str, Any] = {}
    for key, raw in run.flow.spec.params.items():
        slot = _param_slot(run, key)
        if slot is None:
            out[key] = raw
            continue
        value = values.get(slot.name)
        if value is None:
            continue
        value = param_value(slot, value)
        if slot.type == "color":
            key = "rgb" if isinstance(value, list) else "color"
        out[key] = value
    return out


def _param_slot(run: Run, key: str) -> SlotSpec | None:
    raw = run.flow.spec.params.get(key)
    match = _SLOT_PARAM.match(raw) if isinstance(raw, str) else None
    return run.flow.slots.get(match.group(1)) if match else None


def _record(run: Run, action: str, ids: list[str], sent: dict[str, Any],
            outcome: ActionOutcome) -> None:
    run.turn.actions.append({"action": action, "device_ids": list(ids), "params": sent,
                             "success": list(outcome.success), "failed": list(outcome.failed)})


async def _device_action(run: Run, values: dict[str, Any]) -> None:
    assert run.flow.device_slot is not None
    action = run.flow.spec.action
    target = values[run.flow.device_slot.name]
    ids, names = list(target["ids"]), list(target["names"])
    sent = params(run, values)
    relative = [(k, v["relative"]) for k, v in sent.items()
                if isinstance(v, dict) and "relative" in v]
    texts: list[str] = []
    success = False
    if relative:
        key, delta = relative[0]
        slot = _param_slot(run, key)
        assert slot is not None and slot.relative is not None
        groups: dict[float, list[str]] = {}
        unread: list[str] = []
        for device_id, name in zip(ids, names, strict=False):
            state = await run.turn.executor.read_state(device_id)
            current = state.get(slot.relative.read) if state else None
            if not isinstance(current, int | float) or isinstance(current, bool):
                unread.append(name)
                continue
            groups.setdefault(clamp(slot, current + delta), []).append(device_id)
        for value, group in groups.items():
            outcome = await run.turn.executor.act(action, group, {**sent, key: value})
            _record(run, action, group, {**sent, key: value}, outcome)
            texts.append(outcome.text)
            success = success or bool(outcome.success)
        if unread:
            texts.append(f"I couldn't read the current {slot.relative.read.replace('_', ' ')} "
                         f"of the {join(unread)}.")
    else:
        outcome = await run.turn.executor.act(action, ids, sent)
        _record(run, action, ids, sent, outcome)
        texts.append(outcome.text)
        success = bool(outcome.success)
    key = "done" if success else "failed"
    run.turn.say(render(run.flow.response(key), {**values, "outcome": " ".join(texts)}))
    remember(run, target)


def remember(run: Run, target: dict[str, Any]) -> None:
    """Context for the next turns: the devices ("it") and the flow's values ("... too")."""
    kept = {k: v for k, v in run.slots.items()
            if not k.startswith("_") and not is_device_value(v)}
    devices = {"ids": list(target["ids"]), "names": list(target["names"])}
    run.turn.context["last"] = {"flow": run.flow.name, **devices, "slots": kept}
    capability = run.flow.device_slot.capability if run.flow.device_slot else None
    if capability:
        run.turn.context.setdefault("by_capability", {})[capability] = devices


async def _reply(run: Run, values: dict[str, Any]) -> None:
    key = "aborted" if run.aborted and "aborted" in run.flow.spec.responses else "done"
    run.turn.say(render(run.flow.response(key), values))


async def _state_read(run: Run, values: dict[str, Any]) -> None:
    assert run.flow.device_slot is not None
    target = values[run.flow.device_slot.name]
    sent = params(run, values)
    single = len(target["ids"]) == 1
    sentences = []
    for device_id, name in zip(target["ids"], target["names"], strict=False):
        state = await run.turn.executor.read_state(device_id)
        sentences.append(describe_device(name, state, asked=sent.get("asked") if single
                                         else None, show=sent.get("show")))
    run.turn.say(render(run.flow.response("done"), {**values, "outcome": " ".join(sentences)}))
    remember(run, target)


async def _scene(run: Run, values: dict[str, Any]) -> None:
    sent = params(run, values)
    outcome = await run.turn.executor.activate_scene(str(sent["scene"]), sent.get("room"))
    _record(run, "scene.activate", list(outcome.success), sent, outcome)
    run.turn.say(render(run.flow.response("done"), {**values, "outcome": outcome.text}))


async def _timer_start(run: Run, values: dict[str, Any]) -> None:
    sent = params(run, values)
    seconds, name = int(sent["seconds"]), sent.get("name")
    timer_id = await run.turn.executor.start_timer(name, seconds)
    run.turn.actions.append({"action": "timer.start", "device_ids": [],
                             "params": {"name": name, "seconds": seconds},
                             "success": [timer_id], "failed": []})
    run.turn.say(render(run.flow.response("done_named" if name else "done"),
                        {**values, "name": name, "duration": duration(seconds)}))


async def _timer_cancel(run: Run, values: dict[str, Any]) -> None:
    name = params(run, values).get("name")
    cancelled = await run.turn.executor.cancel_timer(name)
    run.turn.actions.append({"action": "timer.cancel", "device_ids": [],
                             "params": {"name": name}, "success": [], "failed": []})
    key = ("done" if cancelled else "none") + ("_named" if name else "")
    run.turn.say(render(run.flow.response(key), {**values, "name": name}))


async def _timer_status(run: Run, values: dict[str, Any]) -> None:
    name = params(run, values).get("name")
    timers = await run.turn.executor.list_timers()
    if name:
        timers = [t for t in timers if (t.name or "").lower() == str(name).lower()]
    responses = run.flow.spec.responses
    if not timers:
        template = responses.get("none_named", responses["none"]) if name else responses["none"]
        run.turn.say(render(template, {**values, "name": name}))
        return
    items = [render(responses["item_named" if t.name else "item"],
                    {**values, "name": t.name, "remaining": duration(t.remaining_s)})
             for t in timers]
    run.turn.say(capital(join(items, "and")) + ".")


_BUILTINS: dict[str, Callable[[Run, dict[str, Any]], Awaitable[None]]] = {
    "reply": _reply,
    "state.read": _state_read,
    "scene.activate": _scene,
    "timer.start": _timer_start,
    "timer.cancel": _timer_cancel,
    "timer.status": _timer_status,
}
