"""Built-in scenes: a name (and synonyms) -> device actions by type or capability.

A scene step picks every device of a type (optionally those with a capability) and runs one
action on them; ``activate_scene(name, room)`` limits that to the room said, else to the
scene's own room (movie night: the living room), else the whole home. Window covers are
those with a ``position``, so no scene opens the garage door.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.actions.device import Device


@dataclass(frozen=True)
class Step:
    device_type: str
    action: str
    params: Mapping[str, Any] = field(default_factory=dict)
    capability: str | None = None

    def matches(self, device: Device) -> bool:
        return device.type == self.device_type and (
            self.capability is None or device.supports(self.capability)) and device.accepts(
            self.action)


@dataclass(frozen=True)
class Scene:
    name: str
    synonyms: tuple[str, ...]
    steps: tuple[Step, ...]
    room: str | None = None  # where it applies when the user names no room


_DIM = (Step("light", "set_brightness", {"brightness": 30}, "brightness"),)
SCENES: tuple[Scene, ...] = (
    Scene("good night", ("bedtime", "night", "sleep"),
          (Step("light", "turn_off"), Step("media_player", "turn_off"), Step("lock", "lock"))),
    Scene("away", ("leaving home", "leaving", "goodbye"),
          (Step("light", "turn_off"), Step("plug", "turn_off"), Step("fan", "turn_off"),
           Step("media_player", "turn_off"), Step("lock", "lock"))),
    Scene("good morning", ("wake up", "morning", "bright"),
          (Step("light", "turn_on"),
           Step("light", "set_brightness", {"brightness": 100}, "brightness"),
           Step("cover", "open", capability="position"))),
    Scene("movie night", ("movie", "cinema"),
          (Step("light", "set_brightness", {"brightness": 15}, "brightness"),
           Step("cover", "close", capability="position"), Step("media_player", "turn_on")),
          room="living room"),
    Scene("relax", ("cozy", "chill", "romantic", "date night", "dinner", "dinner party"), _DIM),
    Scene("reading", ("read",), (Step("light", "set_brightness", {"brightness": 80},
                                      "brightness"),)),
    Scene("party", ("party mode",), (Step("light", "turn_on"), Step("media_player", "play"))),
)


def find(name: str) -> Scene | None:
    wanted = " ".join(name.lower().replace("mode", " ").split()) or name.lower()
    for scene in SCENES:
        if wanted == scene.name or wanted in scene.synonyms:
            return scene
    return None


def names() -> list[str]:
    return [s.name for s in SCENES]
