"""A test double of the device layer: an in-memory home behind the dialogue's ``Executor``.

It is NOT the real device layer (``assistant.actions`` with its spaCy resolver, REST client
and simulator); it resolves names with a few plain rules that match the real resolver's
contract (``DeviceQuery`` docstring), applies actions to in-memory state, and answers with
short sentences shaped like ``assistant.actions.describe``. Server tests run the real one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.actions.catalogue import ACTIONS  # stdlib-only: the real action names
from assistant.dialogue import ActionOutcome, DeviceQuery, Resolved, TimerInfo

_TYPE_WORDS = {"light": "light", "bulb": "light", "thermostat": "climate", "heating": "climate",
               "heater": "climate", "lock": "lock", "door lock": "lock", "cover": "cover"}
_SKIP = {"the", "a", "my", "all", "every", "both", "one", "in", "please"}
_COLORS = {"red": [255, 0, 0], "green": [0, 255, 0], "blue": [0, 0, 255]}
_DONE = {
    "turn_on": "Turned on {names}.", "turn_off": "Turned off {names}.",
    "set_brightness": "Set {names} to {brightness}% brightness.",
    "set_color": "Set {names} to {color}.", "set_temperature": "Set {names} to {temperature}°C.",
    "set_hvac_mode": "Set {names} to {hvac_mode} mode.",
    "set_fan_speed": "Set {names} to {fan_speed} speed.", "open": "Opened {names}.",
    "close": "Closed {names}.", "set_position": "Set {names} to {position}% open.",
    "lock": "Locked {names}.", "unlock": "Unlocked {names}.", "play": "Playing on {names}.",
    "pause": "Paused {names}.", "set_volume": "Set the volume of {names} to {volume}%.",
}


@dataclass
class Device:
    id: str
    name: str
    room: str
    type: str
    capabilities: frozenset[str]
    aliases: tuple[str, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)


def _home() -> list[Device]:
    light = frozenset({"on_off", "brightness", "color"})
    lit = {"on": False, "brightness": 100, "color": {"name": "warm white", "rgb": None}}
    return [
        Device("kitchen_light", "kitchen light", "kitchen", "light", light, (), dict(lit)),
        Device("bedroom_light", "bedroom light", "bedroom", "light", light, ("bedside lamp",),
               dict(lit)),
        Device("living_room_lamp", "living room lamp", "living room", "light",
               frozenset({"on_off", "brightness"}), ("floor lamp",),
               {"on": False, "brightness": 100}),
        Device("hallway_thermostat", "hallway thermostat", "hallway", "climate",
               frozenset({"on_off", "temperature", "hvac_mode", "fan_speed"}),
               ("main thermostat",), {"on": True, "target_temperature": 21.0,
                                      "current_temperature": 20.5, "hvac_mode": "heat",
                                      "fan_speed": "low"}),
        Device("bedroom_thermostat", "bedroom thermostat", "bedroom", "climate",
               frozenset({"temperature", "hvac_mode"}), (),
               {"target_temperature": 21.0, "current_temperature": 20.5, "hvac_mode": "heat"}),
        Device("living_room_blinds", "living room blinds", "living room", "cover",
               frozenset({"open_close", "position"}), ("blinds", "shades"), {"position": 0}),
        Device("garage_door", "garage door", "garage", "cover", frozenset({"open_close"}), (),
               {"position": 0}),
        Device("front_door_lock", "front door lock", "hallway", "lock", frozenset({"lock"}),
               ("front door",), {"locked": True}),
        Device("living_room_tv", "living room tv", "living room", "media_player",
               frozenset({"on_off", "volume", "playback"}), ("tv", "television"),
               {"on": False, "volume": 30, "playback": "paused"}),
        Device("living_room_speaker", "living room speaker", "living room", "media_player",
               frozenset({"volume", "playback"}), ("speaker",),
               {"volume": 30, "playback": "paused"}),
    ]


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("?", " ").replace(",", " ").split())


def _names(devices: Sequence[Device]) -> str:
    names = [f"the {d.name}" for d in devices]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class FakeExecutor:
    """``Executor`` over an in-memory home; ``calls`` records every ``act``."""

    def __init__(self, *, broken: Sequence[str] = (), unreachable: Sequence[str] = (),
                 scenes: Sequence[str] = ("movie night", "relax")) -> None:
        self.devices = {d.id: d for d in _home()}
        self.rooms = {d.room for d in self.devices.values()}
        self.broken, self.unreachable = set(broken), set(unreachable)
        self.scenes = set(scenes)
        self.calls: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
        self.timers: dict[str, TimerInfo] = {}
        self._next_timer = 0

    # -- names ----------------------------------------------------------------------------

    async def resolve(self, query: DeviceQuery) -> Resolved:
        found, many = self._match(query)
        if isinstance(found, str):
            return Resolved(reason=found)
        if query.capability:
            able = [d for d in found if query.capability in d.capabilities]
            if not able:
                return Resolved(reason=f"{_names(found)[:1].upper()}{_names(found)[1:]} "
                                f"can't do that.")
            found = able
        return Resolved(tuple(d.id for d in found), tuple(d.name for d in found),
                        ambiguous=len(found) > 1 and not many)

    def _match(self, q: DeviceQuery) -> tuple[list[Device] | str, bool]:
        devices = [d for d in self.devices.values() if not q.within or d.id in q.within]
        if q.device_type:
            devices = [d for d in devices if d.type == q.device_type]
        if q.room:
            if _plain(q.room) not in self.rooms:
                return f"I don't know a room called {q.room!r}.", False
            devices = [d for d in devices if d.room == _plain(q.room)]
        if q.raw and not q.device:
            text = f" {_plain(q.raw)} "
            hits = [d for d in devices if any(f" {n} " in text for n in (d.name, *d.aliases))]
            return (hits or f"I don't know which device {q.raw!r} is."), False
        if not q.device:
            return devices, bool(q.room or q.within)
        phrase = _plain(q.device)
        many = any(w in ("all", "every", "both") for w in phrase.split())
        words = [w for w in phrase.split() if w not in _SKIP]
        for room in sorted(self.rooms, key=len, reverse=True):
            if " ".join(words).startswith(room + " "):
                devices = [d for d in devices if d.room == room]
                words = " ".join(words)[len(room) + 1:].split()
        head = " ".join(words)
        exact = [d for d in devices if head in (d.name, *d.aliases)]
        if exact:
            return exact, many
        single = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
        many = many or single != head
        if single in _TYPE_WORDS:
            hits = [d for d in devices if d.type == _TYPE_WORDS[single]]
        else:
            hits = [d for d in devices if single == d.name.removeprefix(d.room + " ")]
            hits = hits or [d for d in devices if set(single.split()) <= set(d.name.split())]
        where = f" in the {q.room}" if q.room else ""
        return (hits or f"I don't know a device called {q.device!r}{where}."), many

    # -- actions --------------------------------------------------------------------------

    async def act(self, action: str, device_ids: Sequence[str],
                  params: Mapping[str, Any]) -> ActionOutcome:
        self.calls.append((action, tuple(device_ids), dict(params)))
        capability = ACTIONS[action].capability
        done, failed, refused = [], [], []
        for device_id in device_ids:
            device = self.devices[device_id]
            if device_id in self.broken:
                failed.append(device)
            elif capability not in device.capabilities or not self._apply(device, action,
                                                                           params):
                refused.append(device)
            else:
                done.append(device)
        shown = {k: (v["name"] if isinstance(v, dict) else f"{v:g}" if isinstance(v, float)
                     else str(v).replace("_", " ")) for k, v in params.items()}
        if "rgb" in params:
            shown["color"] = next((n for n, c in _COLORS.items() if c == params["rgb"]), "rgb")
        sentences = [_DONE[action].format(names=_names(done), **shown)] if done else []
        if failed:
            sentences.append(f"{_names(failed)[:1].upper()}{_names(failed)[1:]} didn't answer.")
        if refused:
            sentences.append(f"{_names(refused)[:1].upper()}{_names(refused)[1:]} refused that.")
        return ActionOutcome(tuple(d.id for d in done), tuple(d.id for d in failed + refused),
                             " ".join(sentences))

    @staticmethod
    def _apply(device: Device, action: str, p: Mapping[str, Any]) -> bool:
        s = device.state
        if action in ("turn_on", "turn_off"):
            s["on"] = action == "turn_on"
        elif action == "set_brightness":
            s["brightness"], s["on"] = p["brightness"], p["brightness"] > 0
        elif action == "set_color":
            s["color"], s["on"] = dict(p), True
        elif action == "set_temperature":
            if not 5 <= p["temperature"] <= 35:
                return False
            s["target_temperature"] = float(p["temperature"])
        elif action in ("set_hvac_mode", "set_fan_speed", "set_volume", "set_position"):
            key = action.removeprefix("set_")
            s[key] = p[key]
        elif action in ("open", "close"):
            s["position"] = 100 if action == "open" else 0
        elif action in ("lock", "unlock"):
            s["locked"] = action == "lock"
        elif action in ("play", "pause"):
            s["playback"] = "playing" if action == "play" else "paused"
        return True

    async def read_state(self, device_id: str) -> Mapping[str, Any] | None:
        if device_id in self.unreachable:
            return None
        return copy.deepcopy(self.devices[device_id].state)

    async def activate_scene(self, name: str, room: str | None) -> ActionOutcome:
        self.calls.append(("scene.activate", (), {"scene": name, "room": room}))
        if name not in self.scenes:
            return ActionOutcome(failed=(name,), text=f"I don't know a scene called {name!r}.")
        return ActionOutcome(success=(name,), text=f"Activated the {name} scene.")

    # -- timers ---------------------------------------------------------------------------

    async def start_timer(self, name: str | None, seconds: int) -> str:
        self._next_timer += 1
        timer_id = f"timer-{self._next_timer}"
        self.timers[timer_id] = TimerInfo(timer_id, name, float(seconds))
        return timer_id

    async def cancel_timer(self, name: str | None) -> bool:
        gone = [t.id for t in self.timers.values() if name is None or t.name == name]
        for timer_id in gone:
            del self.timers[timer_id]
        return bool(gone)

    async def list_timers(self) -> list[TimerInfo]:
        return list(self.timers.values())

    def fire(self, name: str | None) -> TimerInfo:
        """The scheduler's part: the timer called ``name`` is due."""
        timer = next(t for t in self.timers.values() if t.name == name)
        del self.timers[timer.id]
        return timer
