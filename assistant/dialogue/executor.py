"""What the dialogue needs from the device layer, as a Protocol the server implements.

The dialogue never imports ``assistant.actions``: the server wraps its registry, resolver,
device client and timer scheduler in an object with these methods. Tests use an in-memory
double (tests/dialogue/fake_home.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class DeviceQuery:
    """Which devices an utterance means.

    - ``device`` / ``room`` / ``device_type``: the NLU values as said ("kitchen light",
      "bedroom", "light"); resolve them like ``assistant.actions.resolve.DeviceResolver``.
    - ``raw``: the user's own words when no entity was found, e.g. the answer to "Which one?"
      ("the one by the bed"): match device names and aliases inside the text.
    - ``within``: only these device ids are candidates ("turn it off" = the last devices). With
      nothing else given it means all of them.
    - ``capability``: drop devices that lack it; when that drops every match, answer with
      ``reason`` ("The front door lock can't do that.").
    - only ``capability``: every device that has it (ambiguous when several).
    """

    device: str | None = None
    room: str | None = None
    device_type: str | None = None
    capability: str | None = None
    raw: str | None = None
    within: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolved:
    """The devices meant (ids and display names, in the same order). When ``ambiguous`` they
    are the candidates to choose from; when empty, ``reason`` says why in one sentence."""

    ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    ambiguous: bool = False
    reason: str = ""

    @property
    def found(self) -> bool:
        return bool(self.ids) and not self.ambiguous


@dataclass(frozen=True)
class ActionOutcome:
    """What a call really did: ``text`` is the sentence for the user ("Turned off the kitchen
    light. The hallway light didn't answer in time.")."""

    success: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    text: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class TimerInfo:
    id: str
    name: str | None
    remaining_s: float


class Executor(Protocol):
    async def resolve(self, query: DeviceQuery) -> Resolved: ...

    async def act(
        self, action: str, device_ids: Sequence[str], params: Mapping[str, Any]
    ) -> ActionOutcome: ...

    async def read_state(self, device_id: str) -> Mapping[str, Any] | None:
        """The device's state (``{"on": true, "brightness": 80}``), or None if unreachable."""
        ...

    async def activate_scene(self, name: str, room: str | None) -> ActionOutcome: ...

    async def start_timer(self, name: str | None, seconds: int) -> str:
        """Start a timer; the caller later passes it to ``DialogueEngine.timer_fired``."""
        ...

    async def cancel_timer(self, name: str | None) -> bool:
        """Cancel the timer called ``name``, or every running timer for None. True if any."""
        ...

    async def list_timers(self) -> list[TimerInfo]: ...
