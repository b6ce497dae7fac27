"""Device state as a sentence, and whether it answers a yes/no question ("is it open?")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.dialogue._text import capital, say

# the NLU's canonical state words, as (state key, predicate)
_ASKED: dict[str, tuple[str, Any]] = {
    "on": ("on", lambda v: v is True),
    "off": ("on", lambda v: v is False),
    "running": ("on", lambda v: v is True),
    "open": ("position", lambda v: isinstance(v, int | float) and v > 0),
    "closed": ("position", lambda v: v == 0),
    "locked": ("locked", lambda v: v is True),
    "unlocked": ("locked", lambda v: v is False),
    "playing": ("playback", lambda v: v == "playing"),
    "paused": ("playback", lambda v: v == "paused"),
}


def answers(asked: str | None, state: Mapping[str, Any] | None) -> bool | None:
    """True/False when ``state`` settles the question ``asked``; None when it can't."""
    if not asked or state is None:
        return None
    rule = _ASKED.get(asked.strip().lower())
    if rule is None or rule[0] not in state:
        return None
    return bool(rule[1](state[rule[0]]))


def describe_device(name: str, state: Mapping[str, Any] | None, *, asked: str | None = None,
                    show: str | None = None) -> str:
    """ "Yes, the kitchen light is on at 80% brightness." / "The bedroom thermostat reads
    20.5 °C (set to 21 °C)." """
    the = f"the {name}"
    if state is None:
        return f"I couldn't reach {the} to check."
    if show == "temperature":
        return capital(_temperature(the, state))
    sentence = f"{the} {_be(name)} {_phrase(state)}"
    verdict = answers(asked, state)
    if verdict is None:
        return capital(sentence) + "."
    return f"{'Yes' if verdict else 'No'}, {sentence}."


def _temperature(the: str, state: Mapping[str, Any]) -> str:
    current = state.get("current_temperature", state.get("temperature"))
    target = state.get("target_temperature")
    if current is None and target is None:
        return f"{the} doesn't report a temperature."
    if current is None:
        return f"{the} is set to {say(float(target))} °C."
    extra = f" (set to {say(float(target))} °C)" if target is not None else ""
    return f"{the} reads {say(float(current))} °C{extra}."


def _phrase(state: Mapping[str, Any]) -> str:
    if "locked" in state:
        return "locked" if state["locked"] else "unlocked"
    if "position" in state:
        pos = state["position"]
        return "closed" if pos == 0 else ("open" if pos == 100 else f"{pos}% open")
    if state.get("on") is False or state.get("hvac_mode") == "off":
        return "off"
    if "playback" in state:
        return f"{state['playback']} at volume {state.get('volume', '?')}%"
    if "target_temperature" in state:
        mode = f" in {say(state['hvac_mode'])} mode" if "hvac_mode" in state else ""
        return f"set to {say(float(state['target_temperature']))} °C{mode}"
    if state.get("on") is True:
        if "brightness" in state:
            return f"on at {state['brightness']}% brightness"
        if "fan_speed" in state:
            return f"on at {say(state['fan_speed'])} speed"
        return "on"
    if "temperature" in state:
        return f"at {say(float(state['temperature']))} °C"
    return "reachable"


def _be(name: str) -> str:
    last = name.rsplit(" ", 1)[-1]
    return "are" if last.endswith("s") and not last.endswith(("ss", "us", "is")) else "is"
