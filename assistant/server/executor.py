"""The dialogue's ``Executor``, on top of the actions layer and storage.

One ``ServerExecutor`` per turn (or timer firing): it knows the conversation and who asked,
so every device call lands in the audit log under them (``device_calls``), and timers are
rows in storage, fired by ``timers.TimerScheduler``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assistant.actions.catalogue import cannot_phrase
from assistant.actions.describe import describe
from assistant.actions.device import Device
from assistant.actions.resolve import Resolution
from assistant.dialogue import ActionOutcome, DeviceQuery, Resolved, TimerInfo
from assistant.server import device_calls
from assistant.server.events import Draft, EventType, command_drafts, device_states
from assistant.storage import TimerRecord, TimerState

if TYPE_CHECKING:
    from assistant.server.services import Services

_WORD = re.compile(r"[a-z0-9]+")
# words of an answer to "Which one?" that name nothing ("the one in the kitchen, please")
_ANSWER_FILLERS = frozenset({"the", "a", "an", "one", "ones", "please", "that", "this", "in",
                             "on", "at", "of", "my", "it", "its", "s", "i", "mean", "meant",
                             "no", "yes", "ok", "okay", "and", "both", "all", "there"})
UNNAMED_TIMER = "timer"  # storage needs a name; the dialogue's None


class ServerExecutor:
    def __init__(self, services: Services, *, conversation_id: str | None,
                 requested_by: str) -> None:
        self._services = services
        self._conversation_id = conversation_id
        self._requested_by = requested_by
        self.calls: list[dict[str, Any]] = []  # every device result of this turn, for the turn row
        self.events: list[Draft] = []  # what this turn did, published once the turn is stored

    # -- devices --------------------------------------------------------------------------

    async def resolve(self, query: DeviceQuery) -> Resolved:
        resolver = self._services.resolver.get()
        registry = self._services.registry
        within = [d for d in (registry.find(i) for i in query.within) if d is not None]
        if query.device or query.room or query.device_type:
            found = resolver.resolve(query.device, room=query.room,
                                     device_type=query.device_type, capability=query.capability)
            return _narrow(found, within)
        if query.raw:
            found = resolver.resolve(query.raw, capability=query.capability)
            narrowed = _narrow(found, within)
            if narrowed.ids:
                if _singular(query.raw) and len(narrowed.ids) > 1:  # "the kitchen one"
                    return Resolved(narrowed.ids, narrowed.names, ambiguous=True)
                return narrowed
            return _by_words(query.raw, within or list(registry), query.capability)
        pool = within or [d for d in registry if query.capability]
        able = [d for d in pool if query.capability is None or d.supports(query.capability)]
        if not able:
            if pool:
                return Resolved(reason=_cannot(pool, query.capability))
            return Resolved(reason="No device, room or type was given.")
        return _resolved(able, ambiguous=not within and len(able) > 1)

    async def act(self, action: str, device_ids: Sequence[str],
                  params: Mapping[str, Any]) -> ActionOutcome:
        registry = self._services.registry
        devices = [registry.get(i) for i in device_ids]
        able = [d for d in devices if d.accepts(action)]
        unable = [d for d in devices if not d.accepts(action)]
        sentences: list[str] = []
        success: tuple[str, ...] = ()
        failed: tuple[str, ...] = tuple(d.id for d in unable)
        data: dict[str, Any] = {"action": action, "params": dict(params)}
        if able:
            result = await device_calls.command(
                self._services, able, action, params, requested_by=self._requested_by,
                conversation_id=self._conversation_id)
            self.calls.append(result.to_dict())
            self.events += command_drafts(result)
            for change in device_states(result):  # its audit row holds the outcome by now
                self._services.events.publish_home(EventType.DEVICE_STATE, change)
            sentences.append(describe(result, registry))
            success = result.success
            failed = tuple(f.device_id for f in result.failed) + failed
            data["result"] = result.to_dict()
        if unable:
            sentences.append(_cannot(unable, action))
        return ActionOutcome(success=success, failed=failed, text=" ".join(sentences),
                             data=data)

    async def read_state(self, device_id: str) -> Mapping[str, Any] | None:
        device = self._services.registry.get(device_id)
        result = await device_calls.read_state(self._services, device,
                                               requested_by=self._requested_by,
                                               conversation_id=self._conversation_id)
        self.calls.append(result.to_dict())
        body = result.response if result.ok else None
        state = body.get("state") if isinstance(body, dict) else None
        return state if isinstance(state, dict) else None

    async def activate_scene(self, name: str, room: str | None) -> ActionOutcome:
        scenes = self._services.scenes
        scene = scenes.find(name)
        if scene is None:
            known = ", ".join(scenes.names())
            return ActionOutcome(text=f"I don't know a scene called {name!r}. I know: {known}.")
        success: list[str] = []
        failed: list[str] = []
        sentences: list[str] = []
        plan = scene.plan(self._services.registry, room)
        for part in plan.steps:
            outcome = await self.act(part.step.action, [d.id for d in part.devices],
                                     part.step.params)
            success += outcome.success
            failed += outcome.failed
            sentences.append(outcome.text)
        if not sentences:
            where = f" in the {plan.room}" if plan.room else ""
            return ActionOutcome(text=f"There is nothing{where} for the {name} scene to change.")
        return ActionOutcome(success=tuple(dict.fromkeys(success)),
                             failed=tuple(dict.fromkeys(failed)),
                             text=f"{scene.name.capitalize()} scene: " + " ".join(sentences),
                             data={"scene": scene.name, "room": plan.room})

    # -- timers ---------------------------------------------------------------------------

    async def start_timer(self, name: str | None, seconds: int) -> str:
        timer = await self._services.storage.add_timer(
            name=name or UNNAMED_TIMER, duration_s=float(seconds),
            conversation_id=self._conversation_id,
            payload={"name": name, "requested_by": self._requested_by})
        self._services.timer_wakeup.set()
        self.events.append(Draft(EventType.TIMER, {
            "event": "started", "timer_id": timer.id, "name": name, "duration_s": seconds,
            "fires_at": timer.fires_at.isoformat()}))
        return timer.id

    async def cancel_timer(self, name: str | None) -> bool:
        cancelled = False
        for timer in await self._running():
            if name is not None and timer_name(timer) != name:
                continue
            if await self._services.storage.set_timer_state(timer.id, TimerState.CANCELLED):
                cancelled = True
                self.events.append(Draft(EventType.TIMER, {
                    "event": "cancelled", "timer_id": timer.id, "name": timer_name(timer)}))
        return cancelled

    async def list_timers(self) -> list[TimerInfo]:
        return [timer_info(t) for t in await self._running()]

    async def _running(self) -> list[TimerRecord]:
        if self._conversation_id is None:
            return []
        return await self._services.storage.list_timers(self._conversation_id,
                                                        TimerState.RUNNING)


def timer_name(timer: TimerRecord) -> str | None:
    return timer.payload.get("name", timer.name) if isinstance(timer.payload, dict) else timer.name


def timer_info(timer: TimerRecord, now: datetime | None = None) -> TimerInfo:
    now = now or datetime.now(UTC)
    remaining = max(0.0, (timer.fires_at - now).total_seconds())
    return TimerInfo(id=timer.id, name=timer_name(timer), remaining_s=remaining)


def _resolved(devices: Sequence[Device], *, ambiguous: bool = False,
              reason: str = "") -> Resolved:
    return Resolved(ids=tuple(d.id for d in devices), names=tuple(d.name for d in devices),
                    ambiguous=ambiguous, reason=reason)


def _narrow(found: Resolution, within: Sequence[Device]) -> Resolved:
    if not found.devices:
        return Resolved(reason=found.detail or "I couldn't tell which device you mean.")
    if not within:
        return _resolved(found.devices, ambiguous=found.ambiguous, reason=found.detail)
    keep = [d for d in found.devices if d in within]
    if not keep:
        names = " or ".join(f"the {d.name}" for d in within)
        return Resolved(reason=f"That isn't {names}.")
    return _resolved(keep, ambiguous=found.ambiguous and len(keep) > 1)


def _by_words(text: str, pool: Sequence[Device], capability: str | None) -> Resolved:
    """Devices whose name, alias or room shares the most words with ``text``, when every
    word of ``text`` is one of theirs ("the kitchen one"; not "the song in the kitchen")."""
    names = {device: {w for phrase in (device.name, *device.aliases, device.room)
                      for w in _WORD.findall(phrase.lower())} for device in pool}
    known = set().union(*names.values())
    said = {w[:-1] if w not in known and w.endswith("s") else w  # "the kitchen lights"
            for w in _WORD.findall(text.lower())} - _ANSWER_FILLERS
    scored = [(len(said & words), device) for device, words in names.items() if said & words]
    if not scored or said - known:
        return Resolved(reason="I couldn't tell which device you mean.")
    best = max(s for s, _ in scored)
    top = [d for s, d in scored if s == best]
    if capability is not None:
        able = [d for d in top if d.supports(capability)]
        if not able:
            return Resolved(reason=_cannot(top, capability))
        top = able
    return _resolved(top, ambiguous=len(top) > 1)


def _singular(text: str) -> bool:
    """ "the kitchen one", "that one": the user means one device, whatever the room holds."""
    return bool({"one", "it"} & set(_WORD.findall(text.lower())))


def _cannot(devices: Sequence[Device], what: str | None) -> str:
    names = " and ".join(f"the {d.name}" for d in devices)
    return f"{names[:1].upper()}{names[1:]} can't {cannot_phrase(what)}."
