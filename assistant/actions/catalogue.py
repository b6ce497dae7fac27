"""What each device type can do: its capabilities, and the actions each capability offers.

This is the one place that says which actions are idempotent (safe to retry): setting an
absolute value is, toggling or stepping a value is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

DeviceType = Literal[
    "light", "switch", "plug", "fan", "climate", "cover", "lock", "media_player", "sensor"
]
Capability = Literal[
    "on_off",
    "brightness",
    "color",
    "temperature",
    "hvac_mode",
    "fan_speed",
    "open_close",
    "position",
    "lock",
    "volume",
    "playback",
    "humidity",
    "motion",
    "contact",
]

DEVICE_TYPES: tuple[str, ...] = get_args(DeviceType)
CAPABILITIES: tuple[str, ...] = get_args(Capability)

TYPE_CAPABILITIES: dict[str, frozenset[str]] = {
    "light": frozenset({"on_off", "brightness", "color"}),
    "switch": frozenset({"on_off"}),
    "plug": frozenset({"on_off"}),
    "fan": frozenset({"on_off", "fan_speed"}),
    "climate": frozenset({"on_off", "temperature", "hvac_mode", "fan_speed"}),
    "cover": frozenset({"open_close", "position"}),
    "lock": frozenset({"lock"}),
    "media_player": frozenset({"on_off", "volume", "playback"}),
    # a sensor only reports: its capabilities name what it measures
    "sensor": frozenset({"temperature", "humidity", "motion", "contact"}),
}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    capability: str
    idempotent: bool


def _specs(
    capability: str, idempotent: tuple[str, ...], other: tuple[str, ...] = ()
) -> list[ActionSpec]:
    return [ActionSpec(n, capability, True) for n in idempotent] + [
        ActionSpec(n, capability, False) for n in other
    ]


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        *_specs("on_off", ("turn_on", "turn_off"), ("toggle",)),
        *_specs("brightness", ("set_brightness",), ("brightness_up", "brightness_down")),
        *_specs("color", ("set_color",)),
        *_specs("temperature", ("set_temperature",)),
        *_specs("hvac_mode", ("set_hvac_mode",)),
        *_specs("fan_speed", ("set_fan_speed",)),
        *_specs("open_close", ("open", "close", "stop")),
        *_specs("position", ("set_position",)),
        *_specs("lock", ("lock", "unlock")),
        *_specs("volume", ("set_volume",), ("volume_up", "volume_down")),
        *_specs("playback", ("play", "pause"), ("next_track", "previous_track")),
    )
}

# What a capability lets a device do, as said after "can't" ("can't switch on or off").
CAPABILITY_VERBS: dict[str, str] = {
    "on_off": "switch on or off", "brightness": "dim", "color": "change colour",
    "temperature": "set a temperature", "hvac_mode": "change its mode",
    "fan_speed": "change its fan speed", "open_close": "open or close",
    "position": "move to a position", "lock": "lock or unlock", "volume": "change volume",
    "playback": "play or pause", "humidity": "measure humidity", "motion": "detect motion",
    "contact": "tell open from closed",
}


def cannot_phrase(what: str | None) -> str:
    """ "switch on or off" for a capability, "turn on" for an action, else "do that"."""
    if what in CAPABILITY_VERBS:
        return CAPABILITY_VERBS[what]
    if what in ACTIONS:
        return what.replace("_", " ")
    return f"do {what.replace('_', ' ')}" if what else "do that"


# Sensors measure "temperature"; climate devices set it. Only these types get actions from it.
_READ_ONLY_TYPES = frozenset({"sensor"})

HVAC_MODES: tuple[str, ...] = ("heat", "cool", "heat_cool", "auto", "off", "dry", "fan_only", "eco")
FAN_SPEEDS: tuple[str, ...] = ("low", "medium", "high")


def is_idempotent(action: str) -> bool:
    """True for actions declared safe to repeat; unknown actions are never retried."""
    spec = ACTIONS.get(action)
    return spec is not None and spec.idempotent


def actions_for(
    device_type: str, capabilities: frozenset[str] | tuple[str, ...]
) -> tuple[str, ...]:
    """The actions a device of this type with these capabilities accepts, in catalogue order."""
    if device_type in _READ_ONLY_TYPES:
        return ()
    caps = set(capabilities)
    return tuple(name for name, spec in ACTIONS.items() if spec.capability in caps)
