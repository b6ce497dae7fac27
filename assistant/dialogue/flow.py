"""A compiled flow: its spec from the file plus what the engine derives from it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from assistant.dialogue._schema import FlowSpec, SlotSpec


@dataclass(frozen=True)
class Builtin:
    """An action the dialogue runs itself (or through the executor's non-device methods)."""

    params: tuple[str, ...] = ()
    required_params: tuple[str, ...] = ()
    responses: tuple[str, ...] = ("done",)
    optional_responses: tuple[str, ...] = ()
    needs_device: bool = False


BUILTINS: dict[str, Builtin] = {
    "reply": Builtin(optional_responses=("aborted",)),
    "state.read": Builtin(params=("asked", "show"), responses=(), optional_responses=("done",),
                          needs_device=True),
    "scene.activate": Builtin(params=("scene", "room"), required_params=("scene",),
                              responses=(), optional_responses=("done",)),
    "timer.start": Builtin(params=("seconds", "name"), required_params=("seconds",),
                           responses=("done", "done_named", "fired", "fired_named")),
    "timer.cancel": Builtin(params=("name",), responses=("done", "done_named", "none",
                                                         "none_named")),
    "timer.status": Builtin(params=("name",), responses=("none", "item", "item_named"),
                            optional_responses=("none_named",)),
}
DEVICE_RESPONSES = ("done", "failed")  # both optional, both default to "{outcome}"

# placeholders a template may use besides the flow's slot names
RESPONSE_FIELDS = frozenset({"outcome", "name", "duration", "remaining", "count"})
SLOT_MESSAGE_FIELDS = frozenset({"options", "value", "min", "max", "unit"})


@dataclass(frozen=True)
class Flow:
    spec: FlowSpec
    where: str  # file:line of the flow, for logs

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def builtin(self) -> Builtin | None:
        return BUILTINS.get(self.spec.action)

    @cached_property
    def slots(self) -> dict[str, SlotSpec]:
        return {s.name: s for s in self.spec.slots}

    @cached_property
    def device_slot(self) -> SlotSpec | None:
        return next((s for s in self.spec.slots if s.type == "device"), None)

    @cached_property
    def waiting_steps(self) -> tuple[str, ...]:
        """The machine states where the flow waits for the user's answer."""
        steps: list[str] = []
        for slot in self.spec.slots:
            if slot.type == "device":
                steps.append(f"choose_{slot.name}")
            if slot.required:
                steps.append(f"collect_{slot.name}")
        if self.spec.confirm is not None:
            steps.append("confirm")
        return tuple(steps)

    def slot_of(self, step: str) -> SlotSpec | None:
        """The slot a ``collect_``/``choose_`` step asks for."""
        for prefix in ("collect_", "choose_"):
            if step.startswith(prefix):
                return self.slots.get(step[len(prefix):])
        return None

    def response(self, key: str) -> str:
        return self.spec.responses.get(key, self.spec.responses.get("done", "{outcome}"))
