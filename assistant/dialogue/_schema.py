"""The shape of a flow file (pydantic, unknown keys rejected). See flows/README.md."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SlotType = Literal[
    "device", "temperature", "number", "percentage", "duration", "choice", "color", "text"
]
NUMERIC: frozenset[str] = frozenset({"temperature", "number", "percentage", "duration"})
# the entities a slot reads when the flow names none
DEFAULT_ENTITIES: dict[str, tuple[str, ...]] = {
    "device": ("device", "room"),
    "temperature": ("temperature", "number"),
    "number": ("number",),
    "percentage": ("percentage", "number"),
    "duration": ("duration",),
    "color": ("color",),
}
_NAME = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RelativeSpec(_Strict):
    """A change from the current value ("make it warmer", "dim the lights a bit")."""

    read: str = Field(min_length=1)  # the device state key holding the current value
    step: float = Field(gt=0)  # the change when no amount is said
    up: list[str] = Field(min_length=1)  # words and phrases that mean "more"
    down: list[str] = Field(min_length=1)
    only: bool = False  # the slot is always a change (no absolute value)


class SlotSpec(_Strict):
    name: str = Field(pattern=_NAME)
    type: SlotType
    entity: list[str] = []
    required: bool = True
    default: Any = None
    ask: str | None = None  # the question when the slot is missing
    choose: str = "Which one: {options}?"  # device slots: the question with candidates
    invalid: str | None = None
    give_up: str | None = None
    max_tries: int = Field(3, ge=1, le=10)
    min: float | None = None
    max: float | None = None
    unit: Literal["celsius", "fahrenheit"] | None = None
    fahrenheit_above: float | None = None  # a bare number above this is read as °F
    integer: bool = False
    choices: list[str] = []
    aliases: dict[str, str] = {}
    words: dict[str, float] = {}  # a word that stands for a value ("mute": 0)
    relative: RelativeSpec | None = None
    capability: str | None = None
    device_type: str | None = None
    when_ambiguous: Literal["ask", "all"] = "ask"
    # nothing named ("turn it off"): "recent" = the last devices, else the last ones used for
    # this capability ("make it warmer"); "last" = only the last devices, or say they can't
    context: Literal["recent", "last"] = "recent"

    @field_validator("entity", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(self.entity) or DEFAULT_ENTITIES.get(self.type, ())


class ConfirmSpec(_Strict):
    prompt: str
    declined: str = "OK, I'll leave it."
    only_if_name_has: list[str] = []  # confirm only when a target's name has one of these
    yes: list[str] = ["affirm"]
    no: list[str] = ["deny"]
    max_tries: int = Field(3, ge=1, le=10)


class NoValueSpec(_Strict):
    """The flow a request means when it gives none of this flow's values: "set the bedroom
    thermostat" (parsed as a mode change, but no mode said) means its temperature."""

    flow: str = Field(pattern=_NAME)
    unless_said: list[str] = []  # words that keep this flow anyway ("change the mode")


class FlowSpec(_Strict):
    name: str = Field(pattern=_NAME)
    description: str = ""
    intents: list[str] = Field(min_length=1)
    # what this flow does to a flow that is waiting for an answer:
    #   replace: drop it (a new command)     resume: answer, then re-ask its question
    #   abort: end it (cancel, goodbye)      ignore: count a failed try and re-ask
    interrupt: Literal["replace", "resume", "abort", "ignore"] = "replace"
    fallback: bool = False  # runs for intents no flow names (out_of_scope)
    slots: list[SlotSpec] = []
    confirm: ConfirmSpec | None = None
    no_value: NoValueSpec | None = None
    action: str
    params: dict[str, Any] = {}
    responses: dict[str, str] = {}


class FlowFile(_Strict):
    version: Literal[1]
    flows: list[FlowSpec] = Field(min_length=1)
