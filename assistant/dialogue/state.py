"""The state of one conversation between turns: plain JSON, stored by the caller."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.dialogue.errors import DialogueStateError

IDLE = "idle"


@dataclass(frozen=True)
class DialogueState:
    """Where a conversation is: the active flow and its machine state (``step``), the slots
    filled so far, the failed tries at the current question, and the context that outlives a
    flow (the last devices, paused flows, clauses waiting their turn).

    The engine never mutates a state; every turn returns a new one. ``to_dict`` output is
    JSON and ``from_dict(to_dict())`` gives an equal state, so a restart loses nothing.
    """

    flow: str | None = None
    step: str = IDLE
    slots: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    tries: int = 0

    @property
    def active(self) -> bool:
        return self.flow is not None

    @property
    def label(self) -> str:
        """``flow.step`` (or ``idle``): a short name for a storage column or a log line."""
        return f"{self.flow}.{self.step}" if self.flow else IDLE

    def to_dict(self) -> dict[str, Any]:
        data = {"flow": self.flow, "step": self.step, "slots": self.slots,
                "context": self.context, "tries": self.tries}
        try:
            return json.loads(json.dumps(data))  # a deep copy that proves it is JSON
        except (TypeError, ValueError) as exc:  # pragma: no cover - a bug in the engine
            raise DialogueStateError(f"dialogue state is not JSON: {exc}") from exc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogueState:
        """The state ``to_dict`` wrote; raises ``DialogueStateError`` (E602) for anything else."""
        if not isinstance(data, Mapping):
            raise DialogueStateError(f"a dialogue state is a mapping, got {type(data).__name__}")
        unknown = set(data) - {"flow", "step", "slots", "context", "tries"}
        flow, step = data.get("flow"), data.get("step", IDLE)
        slots, context, tries = data.get("slots", {}), data.get("context", {}), data.get("tries", 0)
        bad = [name for name, ok in (
            ("flow", flow is None or isinstance(flow, str)),
            ("step", isinstance(step, str)),
            ("slots", isinstance(slots, Mapping)),
            ("context", isinstance(context, Mapping)),
            ("tries", isinstance(tries, int) and not isinstance(tries, bool) and tries >= 0),
        ) if not ok]
        if unknown or bad:
            raise DialogueStateError(
                f"stored dialogue state has bad fields: {sorted(unknown | set(bad))}",
                hint="reset the conversation; the state was not written by DialogueState.to_dict",
            )
        copy = json.loads(json.dumps({"slots": slots, "context": context}))
        return cls(flow, step if flow else IDLE, copy["slots"], copy["context"], tries)
