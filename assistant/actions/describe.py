"""Short English sentences that say what a device call really did.

    >>> describe(result, registry)
    'Turned off the kitchen light and the hallway light. The bedroom light didn't answer in time.'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from assistant.actions._words import singular
from assistant.actions.device import Device
from assistant.actions.result import ActionResult, Outcome

_DONE: dict[str, str] = {
    "turn_on": "Turned on {names}.",
    "turn_off": "Turned off {names}.",
    "toggle": "Toggled {names}.",
    "set_brightness": "Set {names} to {brightness}% brightness.",
    "brightness_up": "Brightened {names}.",
    "brightness_down": "Dimmed {names}.",
    "set_color": "Set {names} to {color}.",
    "set_temperature": "Set {names} to {temperature}°C.",
    "set_hvac_mode": "Set {names} to {hvac_mode} mode.",
    "set_fan_speed": "Set {names} to {fan_speed} speed.",
    "open": "Opened {names}.",
    "close": "Closed {names}.",
    "stop": "Stopped {names}.",
    "set_position": "Set {names} to {position}% open.",
    "lock": "Locked {names}.",
    "unlock": "Unlocked {names}.",
    "play": "Playing on {names}.",
    "pause": "Paused {names}.",
    "next_track": "Skipped to the next track on {names}.",
    "previous_track": "Went back a track on {names}.",
    "set_volume": "Set the volume of {names} to {volume}%.",
    "volume_up": "Turned up {names}.",
    "volume_down": "Turned down {names}.",
}

_FAILED: dict[str, str] = {
    "E501": "{names} didn't answer in time.",
    "E502": "{names} reported an error.",
    "E503": "{names} failed several times in a row, so I'm not trying again for a moment.",
    "E504": "I'm not allowed to control {names}; its access token is wrong or missing.",
    "E506": "I can't reach {names}.",
    "E507": "I didn't send that to {names}: it is busy with other requests; try again in a "
            "moment.",
}


def describe(result: ActionResult, devices: Iterable[Device] | Mapping[str, Device]) -> str:
    """One sentence per kind of outcome, successes first. ``devices`` names the ids (a
    ``Registry`` works); an id it lacks is used as is."""
    known = devices if isinstance(devices, Mapping) else {d.id: d for d in devices}
    names = {o.device_id: _name(o.device_id, known) for o in result.outcomes}
    sentences: list[str] = []
    done: dict[tuple[str, str], list[Outcome]] = {}
    for o in result.outcomes:
        if o.ok:
            done.setdefault((o.action, repr(sorted(o.params.items()))), []).append(o)
    for (action, _), group in done.items():
        sentences.append(_success(action, group, names, known))
    failed: dict[str, list[Outcome]] = {}
    for o in result.outcomes:
        if o.failure is not None:
            failed.setdefault(o.failure.code, []).append(o)
    for code, group in failed.items():
        ids = [o.device_id for o in group]
        if code in _FAILED:
            joiner = "or" if code == "E506" else "and"
            sentences.append(_FAILED[code].format(names=_join([names[i] for i in ids], joiner)))
        else:  # E505 and anything new: the device's own words, one device at a time
            for o in group:
                sentences.append(f"{names[o.device_id]} refused that: {_reason(o)}.")
    return " ".join(_capital(s) for s in sentences)


def _success(action: str, group: list[Outcome], names: dict[str, str],
             known: Mapping[str, Device]) -> str:
    if action == "get_state":
        return " ".join(
            _capital(f"{names[o.device_id]} {_be(names[o.device_id])} "
                     f"{_state_phrase(known.get(o.device_id), o.response)}.")
            for o in group
        )
    joined = _join([names[o.device_id] for o in group], "and")
    template = _DONE.get(action)
    params = {k: _value(k, v) for k, v in group[0].params.items()}
    if "rgb" in params:
        params.setdefault("color", params["rgb"])
    if template is None:
        return f"Done: {action.replace('_', ' ')} on {joined}."
    try:
        return template.format(names=joined, **params)
    except KeyError:  # a parameter the template wants is missing
        return f"Done: {action.replace('_', ' ')} on {joined}."


def _value(key: str, value: Any) -> str:
    if key == "color" and isinstance(value, dict):
        return str(value.get("name") or value.get("rgb"))
    if key == "rgb" and isinstance(value, list | tuple):
        return "rgb(" + ", ".join(str(v) for v in value) + ")"
    if key == "fan_speed" and isinstance(value, int):
        return f"{value}%"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")


def _state_phrase(device: Device | None, response: Any) -> str:
    state = response.get("state") if isinstance(response, dict) else None
    if not isinstance(state, dict):
        return "reachable"
    dtype = device.type if device is not None else ""
    if "locked" in state:
        return "locked" if state["locked"] else "unlocked"
    if dtype == "cover" or "position" in state:
        pos = int(state.get("position", 0))
        return "closed" if pos == 0 else ("open" if pos == 100 else f"{pos}% open")
    if dtype == "sensor":
        parts = []
        if "temperature" in state:
            parts.append(f"at {state['temperature']:g}°C")
        if "humidity" in state:
            parts.append(f"{state['humidity']}% humidity")
        if "motion" in state:
            parts.append("seeing motion" if state["motion"] else "seeing no motion")
        if "contact" in state:
            parts.append(str(state["contact"]))
        return _join(parts, "and") if parts else "reporting"
    if state.get("hvac_mode") == "off" or state.get("on") is False:
        return "off"
    if "target_temperature" in state:
        mode = ""
        if "hvac_mode" in state:
            mode = f" in {str(state['hvac_mode']).replace('_', ' ')} mode"
        return f"set to {state['target_temperature']:g}°C{mode}"
    extra = ""
    if "brightness" in state:
        extra = f" at {state['brightness']}% brightness"
    elif "fan_speed" in state:
        extra = f" at {_value('fan_speed', state['fan_speed'])} speed"
    if "playback" in state:
        return f"{state['playback']} at volume {state.get('volume', '?')}%"
    return "on" + extra if state.get("on") else "reachable"


def _reason(o: Outcome) -> str:
    body = o.response
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", "")).rstrip(".") or "no reason given"
    return o.failure.message.rstrip(".") if o.failure is not None else "no reason given"


def _be(name: str) -> str:
    last = name.rsplit(" ", 1)[-1]
    return "are" if singular(last) != last else "is"


def _name(device_id: str, known: Mapping[str, Device]) -> str:
    device = known.get(device_id)
    return f"the {device.name}" if device is not None else device_id


def _join(items: list[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
