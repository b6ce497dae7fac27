"""Device slots: which devices the user means, from entities, from context ("turn it off"),
or from the answer to "Which one: ...?". The executor does the actual name matching."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.dialogue._schema import SlotSpec
from assistant.dialogue._text import normalise
from assistant.dialogue.executor import DeviceQuery, Executor, Resolved
from assistant.dialogue.slots import Filled, Invalid
from assistant.types import Entity, ParseResult

MAX_OPTIONS = 6  # more candidates than this are not read out: the slot's `ask` is used
_ALL = frozenset({"all", "both", "every", "everything", "each"})
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}


@dataclass(frozen=True)
class Pending:
    """Several candidates: the flow asks which one."""

    ids: tuple[str, ...]
    names: tuple[str, ...]

    def to_slot(self) -> dict[str, Any]:
        return {"options": {"ids": list(self.ids), "names": list(self.names)}}


@dataclass(frozen=True)
class Unavailable:
    """No device at all can do what the flow needs."""

    reason: str


TargetReading = Filled | Pending | Invalid | Unavailable | None


def device_value(ids: Sequence[str], names: Sequence[str]) -> dict[str, list[str]]:
    return {"ids": list(ids), "names": list(names)}


def is_device_value(value: Any) -> bool:
    return isinstance(value, Mapping) and "ids" in value


def queries(slot: SlotSpec, parse: ParseResult) -> list[DeviceQuery]:
    """One query per device phrase (with its nested or the sentence's room), else per room."""
    ents = parse.entities
    rooms = [e for e in ents if e.entity == "room" and e.parent is None]
    devices = [e for e in ents if e.entity == "device" and not _inside_device(e, ents)]
    made = []
    for dev in devices:
        inner = [c for c in ents if c.entity == "room" and c.parent is not None
                 and ents[c.parent] is dev]
        room = inner[0] if inner else (rooms[0] if rooms else None)
        made.append(DeviceQuery(device=_text(dev), room=_text(room) if room else None,
                                device_type=slot.device_type, capability=slot.capability))
    if not devices:
        made = [DeviceQuery(room=_text(r), device_type=slot.device_type,
                            capability=slot.capability) for r in rooms]
    return made


async def read_target(slot: SlotSpec, parse: ParseResult, executor: Executor) -> TargetReading:
    """The devices named in this utterance; None when it names none."""
    asked = queries(slot, parse)
    if not asked:
        return None
    ids: list[str] = []
    names: list[str] = []
    reasons: list[str] = []
    for query in asked:
        found = await executor.resolve(query)
        if found.ambiguous and slot.when_ambiguous == "ask":
            return Pending(found.ids, found.names)
        if found.ids:
            _add(ids, names, found)
        else:
            reasons.append(found.reason or f"I couldn't find {query.device or query.room}.")
    if ids:
        return Filled(device_value(ids, names), note=" ".join(reasons))
    return Invalid(" ".join(reasons))


async def target_from_context(slot: SlotSpec, context: Mapping[str, Any],
                              executor: Executor) -> TargetReading:
    """Nothing named: the last devices if they can do it ("turn it off"), else (unless the
    slot's ``context`` is "last") the last ones used for this capability ("make it warmer"),
    else the only device that can."""
    last = context.get("last") or {}
    if last.get("ids"):
        found = await executor.resolve(DeviceQuery(capability=slot.capability,
                                                   within=tuple(last["ids"])))
        if found.ids:
            return Filled(device_value(found.ids, found.names))
        if slot.context == "last":
            return Unavailable(found.reason or "That can't do it.")
    recent = (context.get("by_capability") or {}).get(slot.capability or "")
    if recent and recent.get("ids"):
        return Filled(device_value(recent["ids"], recent["names"]))
    if slot.capability is None:
        return None
    found = await executor.resolve(DeviceQuery(capability=slot.capability,
                                               device_type=slot.device_type))
    if not found.ids:
        return Unavailable(found.reason or "No device can do that.")
    if len(found.ids) == 1 or slot.when_ambiguous == "all":
        return Filled(device_value(found.ids, found.names))
    if len(found.ids) > MAX_OPTIONS:
        return None
    return Pending(found.ids, found.names)


async def choose(slot: SlotSpec, options: Mapping[str, Any], parse: ParseResult, text: str,
                 executor: Executor) -> Filled | Pending | None:
    """The answer to "Which one: ...?": "both" / "the first one", else what the executor
    finds among the options (names, aliases, the raw text), else an option's distinctive
    words ("the bedroom one")."""
    ids, names = list(options["ids"]), list(options["names"])
    said = normalise(" ".join([text, *(_text(e) for e in parse.entities
                                      if e.entity in ("device", "room"))])).split()
    picked = _pick_all_or_ordinal(len(names), said)
    if not picked:
        asked = queries(slot, parse) or [DeviceQuery(raw=text, capability=slot.capability)]
        for query in asked:
            found = await executor.resolve(DeviceQuery(
                device=query.device, room=query.room, raw=query.raw,
                capability=slot.capability, within=tuple(ids)))
            if found.found:
                return Filled(device_value(found.ids, found.names))
            if found.ambiguous and 1 < len(found.ids) < len(ids):
                return Pending(found.ids, found.names)
        picked = _pick_by_words(names, said)
    if not picked:
        return None
    return Filled(device_value([ids[i] for i in picked], [names[i] for i in picked]))


def _pick_all_or_ordinal(count: int, words: list[str]) -> list[int]:
    if set(words) & _ALL:
        return list(range(count))
    for word, index in _ORDINALS.items():
        if word in words:
            return [index % count]
    return []


def _pick_by_words(names: list[str], words: list[str]) -> list[int]:
    sets = [set(normalise(n).split()) for n in names]
    common = set.intersection(*sets) if sets else set()
    scores = [len((s - common) & set(words)) for s in sets]
    best = max(scores, default=0)
    return [scores.index(best)] if best and scores.count(best) == 1 else []


def _add(ids: list[str], names: list[str], found: Resolved) -> None:
    for device_id, name in zip(found.ids, found.names, strict=False):
        if device_id not in ids:
            ids.append(device_id)
            names.append(name)


def _inside_device(ent: Entity, ents: Sequence[Entity]) -> bool:
    parent = ent.parent
    while parent is not None and 0 <= parent < len(ents):
        if ents[parent].entity == "device":
            return True
        parent = ents[parent].parent
    return False


def _text(ent: Entity) -> str:
    return str(ent.value if isinstance(ent.value, str) else ent.text).strip()
