"""The objects one turn works on: ``Turn`` (the conversation's working copy and the turn's
output) and ``Run`` (one flow's state, the model its ``transitions`` machine drives)."""

from __future__ import annotations

import copy
from typing import Any

from transitions import EventData

from assistant.dialogue._text import capital, join, render
from assistant.dialogue.executor import Executor
from assistant.dialogue.flow import Flow
from assistant.dialogue.state import IDLE, DialogueState
from assistant.dialogue.targets import is_device_value


class Turn:
    """Mutable for the length of one ``handle_turn``; becomes a new ``DialogueState``."""

    def __init__(self, state: DialogueState, executor: Executor) -> None:
        self.executor = executor
        self.flow: str | None = state.flow
        self.step = state.step
        self.slots: dict[str, Any] = copy.deepcopy(dict(state.slots))
        self.tries = state.tries
        self.context: dict[str, Any] = copy.deepcopy(dict(state.context))
        self.replies: list[str] = []
        self.actions: list[dict[str, Any]] = []

    @property
    def waiting(self) -> bool:
        return self.flow is not None

    @property
    def stack(self) -> list[dict[str, Any]]:
        """Flows paused by a digression, innermost last."""
        return self.context.setdefault("stack", [])

    def say(self, text: str) -> None:
        if text.strip():
            self.replies.append(text.strip())

    def adopt(self, run: Run) -> None:
        """Take the run's state as the conversation's: a waiting flow, or idle."""
        if run.step in ("done", "start", "act"):
            self.flow, self.step, self.slots, self.tries = None, IDLE, {}, 0
        else:
            self.flow, self.step, self.slots, self.tries = (run.flow.name, run.step,
                                                            run.slots, run.tries)

    def clear(self) -> bool:
        """Drop the active flow, paused flows and waiting clauses; True if any was there."""
        busy = self.flow is not None or bool(self.context.get("stack"))
        self.flow, self.step, self.slots, self.tries = None, IDLE, {}, 0
        self.context.pop("stack", None)
        self.context.pop("queued", None)
        return busy

    def state(self) -> DialogueState:
        if not self.context.get("stack"):
            self.context.pop("stack", None)
        return DialogueState(self.flow, self.step if self.flow else IDLE, self.slots,
                             self.context, self.tries)


class Run:
    """One flow during one turn. ``step`` is the machine state; conditions and callbacks
    below are named in the machine's dict config and get the ``EventData``."""

    def __init__(self, flow: Flow, turn: Turn, *, step: str = "start",
                 slots: dict[str, Any] | None = None, tries: int = 0,
                 aborted: bool = False) -> None:
        self.flow = flow
        self.turn = turn
        self.step = step
        self.slots: dict[str, Any] = slots if slots is not None else {}
        self.tries = tries
        self.aborted = aborted  # this run ended another flow (cancel, goodbye)
        self.note = ""  # said before the next question ("500 is out of range.")
        self.invalid_slot: str | None = None

    # -- conditions -----------------------------------------------------------------------

    def slot_unsettled(self, event: EventData) -> bool:
        value = self.slots.get(event.transition.dest.removeprefix("choose_"))
        return isinstance(value, dict) and "options" in value

    def slot_missing(self, event: EventData) -> bool:
        return event.transition.dest.removeprefix("collect_") not in self.slots

    def needs_confirmation(self, event: EventData) -> bool:
        confirm = self.flow.spec.confirm
        if confirm is None or self.slots.get("_confirmed"):
            return False
        if not confirm.only_if_name_has:
            return True
        target = self.slots.get(self.flow.device_slot.name) if self.flow.device_slot else None
        names = " ".join(target["names"]).lower() if is_device_value(target) else ""
        return any(word.lower() in names for word in confirm.only_if_name_has)

    # -- callbacks ------------------------------------------------------------------------

    def announce(self, event: EventData) -> None:
        self.turn.say(" ".join(capital(p) for p in (self.note, self.prompt()) if p))
        self.note = ""

    def say_give_up(self, event: EventData) -> None:
        slot = self.flow.slot_of(event.transition.source)
        default = "Sorry, I still didn't get that, so I've stopped there."
        self.turn.say(" ".join(capital(p) for p in (self.note, render(
            (slot.give_up if slot else None) or default, self.values())) if p))

    def say_declined(self, event: EventData) -> None:
        assert self.flow.spec.confirm is not None
        self.turn.say(render(self.flow.spec.confirm.declined, self.values()))

    # -- helpers --------------------------------------------------------------------------

    def prompt(self) -> str:
        """The question of the current step."""
        values = self.values()
        if self.step == "confirm" and self.flow.spec.confirm is not None:
            return render(self.flow.spec.confirm.prompt, values)
        slot = self.flow.slot_of(self.step)
        if slot is None:
            return ""
        if self.step.startswith("choose_"):
            names = self.slots[slot.name]["options"]["names"]
            return render(slot.choose, {**values, "options": join(names, "or")})
        return render(slot.ask or "", values)

    def values(self) -> dict[str, Any]:
        """Slot values for templates (defaults for unfilled optional slots)."""
        out = {s.name: s.default for s in self.flow.spec.slots}
        out.update({k: v for k, v in self.slots.items()
                    if not (isinstance(v, dict) and "options" in v)})
        return out
