"""Load every flow file of a folder and check it against the NLU domain and the device
actions. Every problem is collected, with file:line, before one ``FlowValidationError``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.dialogue._schema import NUMERIC, FlowFile, FlowSpec, SlotSpec
from assistant.dialogue._text import fields
from assistant.dialogue._yaml import Document, read_document
from assistant.dialogue.errors import FlowsNotFoundError, FlowValidationError
from assistant.dialogue.flow import (
    BUILTINS,
    DEVICE_RESPONSES,
    RESPONSE_FIELDS,
    SLOT_MESSAGE_FIELDS,
    Flow,
)
from assistant.errors import Problem

_SLOT_PARAM = re.compile(r"^\{([a-z][a-z0-9_]*)\}$")
Loc = tuple[str | int, ...]


def load_flows(
    flows_dir: Path,
    *,
    intents: Collection[str],
    actions: Collection[str],
    entities: Collection[str] | None = None,
    capabilities: Collection[str] | None = None,
) -> list[Flow]:
    """The flows of ``flows_dir/*.yml`` (and ``*.yaml``), checked; raises
    ``FlowValidationError`` (E600) listing every problem, ``FlowsNotFoundError`` (E601)."""
    files = sorted([*flows_dir.glob("*.yml"), *flows_dir.glob("*.yaml")])
    if not files:
        raise FlowsNotFoundError(f"no flow files (*.yml) in {flows_dir}",
                                 hint="point the flows setting at the project's flows/ folder")
    problems: list[Problem] = []
    flows: list[Flow] = []
    for path in files:
        doc = read_document(path)
        if isinstance(doc, Problem):
            problems.append(doc)
            continue
        try:
            parsed = FlowFile.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(_schema_problems(doc, exc))
            continue
        checker = _Checker(doc, set(intents), set(actions), entities, capabilities)
        for i, spec in enumerate(parsed.flows):
            problems.extend(checker.flow(spec, ("flows", i)))
            flows.append(Flow(spec, doc.where(("flows", i))))
    problems.extend(_across(flows, set(intents), flows_dir))
    if problems:
        raise FlowValidationError(problems)
    return flows


def _schema_problems(doc: Document, exc: ValidationError) -> Iterator[Problem]:
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = ".".join(str(p) for p in loc) or "file"
        hint = "remove the key or fix its spelling" if err["type"] == "extra_forbidden" else ""
        yield Problem(doc.where(loc), f"{path}: {err['msg']}", hint)


def _across(flows: Sequence[Flow], intents: set[str], flows_dir: Path) -> Iterator[Problem]:
    names: dict[str, Flow] = {}
    owner: dict[str, Flow] = {}
    for flow in flows:
        if flow.name in names:
            yield Problem(flow.where, f"flow name {flow.name!r} is used twice",
                          f"the other is at {names[flow.name].where}")
        names.setdefault(flow.name, flow)
        for intent in flow.spec.intents:
            if intent in owner:
                yield Problem(flow.where, f"intent {intent!r} starts two flows: "
                              f"{owner[intent].name!r} and {flow.name!r}",
                              "one intent starts one flow")
            owner.setdefault(intent, flow)
    for flow in flows:
        if flow.spec.no_value is None:
            continue
        meant = flow.spec.no_value.flow
        other = names.get(meant)
        if other is None or other is flow:
            yield Problem(flow.where, f"no_value: flow {meant!r} of {flow.name!r} is not "
                          "another flow", _close(meant, set(names) - {flow.name}, "flows"))
        elif other.spec.no_value is not None:
            yield Problem(flow.where, f"no_value: flow {meant!r} of {flow.name!r} has a "
                          "no_value of its own", "point no_value at the flow meant in the end")
    fallbacks = [f for f in flows if f.spec.fallback]
    if len(fallbacks) != 1:
        where = fallbacks[1].where if len(fallbacks) > 1 else f"{flows_dir}:1"
        yield Problem(where, f"{len(fallbacks)} fallback flows; exactly one is needed",
                      "mark the out_of_scope flow with `fallback: true`")
    missing = sorted(intents - set(owner))
    if missing:
        yield Problem(f"{flows_dir}:1", f"no flow for intent(s): {', '.join(missing)}",
                      "every intent the NLU can return needs a flow that names it")


class _Checker:
    def __init__(self, doc: Document, intents: set[str], actions: set[str],
                 entities: Collection[str] | None, capabilities: Collection[str] | None) -> None:
        self.doc, self.intents, self.actions = doc, intents, actions
        self.entities = set(entities) if entities is not None else None
        self.capabilities = set(capabilities) if capabilities is not None else None

    def problem(self, loc: Loc, message: str, hint: str = "") -> Problem:
        return Problem(self.doc.where(loc), message, hint)

    def flow(self, spec: FlowSpec, loc: Loc) -> Iterator[Problem]:
        for j, intent in enumerate(spec.intents):
            if intent not in self.intents:
                yield self.problem((*loc, "intents", j), f"unknown intent {intent!r}",
                                   _close(intent, self.intents, "intents"))
        slot_names = [s.name for s in spec.slots]
        for j, slot in enumerate(spec.slots):
            if slot.name in slot_names[:j]:
                yield self.problem((*loc, "slots", j, "name"), f"slot {slot.name!r} twice")
            yield from self.slot(slot, slot_names, (*loc, "slots", j))
        yield from self.action(spec, slot_names, loc)
        if spec.confirm is not None:
            c = (*loc, "confirm")
            for key in ("yes", "no"):
                for j, intent in enumerate(getattr(spec.confirm, key)):
                    if intent not in self.intents:
                        yield self.problem((*c, key, j), f"unknown intent {intent!r}",
                                           _close(intent, self.intents, "intents"))
            for key in ("prompt", "declined"):
                yield from self.template(getattr(spec.confirm, key), slot_names, set(),
                                         (*c, key), spec.name)

    def slot(self, slot: SlotSpec, slot_names: list[str], loc: Loc) -> Iterator[Problem]:
        for j, entity in enumerate(slot.entity):
            if self.entities is not None and entity not in self.entities:
                yield self.problem((*loc, "entity", j), f"unknown entity {entity!r}",
                                   _close(entity, self.entities, "entities"))
        if slot.type in ("choice", "text") and not slot.entity:
            yield self.problem(loc, f"slot {slot.name!r} of type {slot.type} needs `entity`")
        if slot.type == "choice" and not slot.choices:
            yield self.problem(loc, f"slot {slot.name!r} of type choice needs `choices`")
        for word, target in slot.aliases.items():
            if slot.choices and target not in slot.choices:
                yield self.problem((*loc, "aliases", word), f"alias {word!r} -> {target!r} "
                                   "is not one of the choices")
        if slot.type == "device":
            if slot.capability and self.capabilities is not None and (
                    slot.capability not in self.capabilities):
                yield self.problem((*loc, "capability"), f"unknown capability "
                                   f"{slot.capability!r}",
                                   _close(slot.capability, self.capabilities, "capabilities"))
        elif slot.capability or slot.device_type:
            yield self.problem(loc, "`capability`/`device_type` belong to device slots")
        if slot.type not in NUMERIC and (slot.relative or slot.min is not None
                                         or slot.max is not None):
            yield self.problem(loc, f"`min`/`max`/`relative` need a numeric slot, "
                               f"not {slot.type}")
        if slot.min is not None and slot.max is not None and slot.min > slot.max:
            yield self.problem((*loc, "min"), f"min {slot.min:g} is above max {slot.max:g}")
        if slot.required and slot.default is not None:
            yield self.problem((*loc, "default"), "a required slot has no default",
                               "set `required: false`")
        if slot.required and not slot.ask:
            yield self.problem(loc, f"required slot {slot.name!r} needs an `ask` question")
        for key in ("ask", "choose", "invalid", "give_up"):
            text = getattr(slot, key)
            if text:
                yield from self.template(text, slot_names, SLOT_MESSAGE_FIELDS, (*loc, key),
                                         slot.name)

    def action(self, spec: FlowSpec, slot_names: list[str], loc: Loc) -> Iterator[Problem]:
        builtin = BUILTINS.get(spec.action)
        devices = [s for s in spec.slots if s.type == "device"]
        if builtin is None and spec.action not in self.actions:
            known = sorted(self.actions | set(BUILTINS))
            yield self.problem((*loc, "action"), f"unknown action {spec.action!r}",
                               _close(spec.action, known, "actions"))
            return
        if (builtin is None or builtin.needs_device) and len(devices) != 1:
            yield self.problem((*loc, "slots"), f"action {spec.action!r} needs exactly one "
                               f"device slot, the flow has {len(devices)}")
        allowed = builtin.params if builtin else None
        for key, value in spec.params.items():
            if allowed is not None and key not in allowed:
                yield self.problem((*loc, "params", key), f"{spec.action} takes no parameter "
                                   f"{key!r}", f"it takes: {', '.join(allowed) or 'none'}")
            match = _SLOT_PARAM.match(value) if isinstance(value, str) else None
            if match and match.group(1) not in slot_names:
                yield self.problem((*loc, "params", key), f"parameter {key!r} names "
                                   f"{value}, which is not a slot of flow {spec.name!r}",
                                   f"slots: {', '.join(slot_names) or 'none'}")
        for key in builtin.required_params if builtin else ():
            if key not in spec.params:
                yield self.problem((*loc, "params"), f"{spec.action} needs parameter {key!r}")
        needed = builtin.responses if builtin else ()
        optional = (builtin.optional_responses if builtin else DEVICE_RESPONSES)
        for key in needed:
            if key not in spec.responses:
                yield self.problem((*loc, "responses"), f"{spec.action} needs a response "
                                   f"{key!r}")
        for key, text in spec.responses.items():
            if key not in (*needed, *optional):
                yield self.problem((*loc, "responses", key), f"unknown response {key!r} for "
                                   f"{spec.action}",
                                   f"known: {', '.join((*needed, *optional))}")
            yield from self.template(text, slot_names, RESPONSE_FIELDS,
                                     (*loc, "responses", key), spec.name)

    def template(self, text: str, slot_names: list[str], extra: Collection[str], loc: Loc,
                 owner: str) -> Iterator[Problem]:
        try:
            names = fields(text)
        except ValueError as exc:
            yield self.problem(loc, f"malformed template {text!r}: {exc}",
                               "write a literal brace as {{ or }}")
            return
        for name in names:
            if name not in slot_names and name not in extra:
                yield self.problem(loc, f"template names {{{name}}}, which is not a slot "
                                   f"of {owner!r} nor a built-in placeholder",
                                   f"slots: {', '.join(slot_names) or 'none'}; built-in: "
                                   f"{', '.join(sorted(extra)) or 'none'}")


def _close(word: str, known: Collection[Any], what: str) -> str:
    near = difflib.get_close_matches(word, [str(k) for k in known], n=3)
    return f"did you mean {' or '.join(map(repr, near))}?" if near else f"see the known {what}"
