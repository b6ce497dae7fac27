"""The dialogue engine: one compiled machine per flow, many conversations.

``handle_turn`` takes the conversation's ``DialogueState`` and the NLU result of each clause,
and returns the replies, the actions run, and the new state. Routing, in order, while a flow
waits for an answer: the answer itself (a yes/no, a choice, a slot value; not a command of
another flow with its own verb and devices) -> a flow that
aborts (cancel, goodbye, deny) -> a digression (a question; the flow is paused and re-asks
afterwards) -> a new command (the flow is dropped) -> a failed try (re-ask, give up after
``max_tries``). With no flow waiting, "and the bedroom too" repeats the last flow for the new
devices; anything else starts the intent's flow (or the fallback flow).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.dialogue._parses import parse_from_dict, parse_to_dict, unparsed
from assistant.dialogue._run import Run, Turn
from assistant.dialogue._schema import SlotSpec
from assistant.dialogue._text import find_phrases, render, words_outside
from assistant.dialogue.answers import Answer, read_answer
from assistant.dialogue.executor import DeviceQuery, Executor, TimerInfo
from assistant.dialogue.flow import Flow
from assistant.dialogue.grounding import Vocabulary, acts, flow_entities, flow_words
from assistant.dialogue.loader import load_flows
from assistant.dialogue.machine import build_machine
from assistant.dialogue.slots import Filled, Invalid, read_value
from assistant.dialogue.state import IDLE, DialogueState
from assistant.dialogue.targets import (
    Pending,
    TargetReading,
    Unavailable,
    choose,
    read_target,
    target_from_context,
)
from assistant.types import ParseResult

log = logging.getLogger(__name__)

_FOLLOW_START = frozenset({"and", "also", "what", "how", "same"})
_FOLLOW_END = frozenset({"too", "also", "well"})
_FOLLOW_WORDS = _FOLLOW_START | _FOLLOW_END | frozenset(
    {"the", "a", "as", "about", "for", "with", "please", "now", "in", "one", "ones", "my", "do",
     "same", "then"})


@dataclass(frozen=True)
class TurnResult:
    replies: tuple[str, ...]
    state: DialogueState
    actions: tuple[dict[str, Any], ...]  # {action, device_ids, params, success, failed}

    @property
    def text(self) -> str:
        """The one answer to send: every reply of the turn, in order."""
        return " ".join(self.replies)


class DialogueEngine:
    def __init__(self, flows: Sequence[Flow], *, vocabulary: Vocabulary | None = None) -> None:
        """``vocabulary``: the words each intent is used with; given, a command with a word
        its intent never uses is not run (``grounding``); None trusts every parse."""
        self._flows = {f.name: f for f in flows}
        self._machines = {f.name: build_machine(f) for f in flows}
        self._by_intent = {i: f for f in flows for i in f.spec.intents}
        self._fallback = next(f for f in flows if f.spec.fallback)
        self._vocabulary = vocabulary
        self._flow_words = {f.name: (flow_words(f.spec), flow_entities(f.spec)) for f in flows}

    @classmethod
    def load(cls, flows_dir: Path, *, intents: Collection[str], actions: Collection[str],
             entities: Collection[str] | None = None,
             capabilities: Collection[str] | None = None,
             vocabulary: Vocabulary | None = None) -> DialogueEngine:
        """Compile every flow of ``flows_dir``; raises ``FlowValidationError`` listing every
        unknown intent, action, entity, capability, slot and malformed template."""
        return cls(load_flows(flows_dir, intents=intents, actions=actions, entities=entities,
                              capabilities=capabilities), vocabulary=vocabulary)

    @property
    def flows(self) -> Mapping[str, Flow]:
        return dict(self._flows)

    async def handle_turn(self, parses: Sequence[ParseResult], state: DialogueState,
                          executor: Executor, *, raw_text: str) -> TurnResult:
        """One user turn: one parse per clause (see ``split_clauses``), answered once.
        ``raw_text`` is the utterance as typed, used where a parse carries no text."""
        turn = Turn(self._checked(state), executor)
        queue = list(parses) or [unparsed(raw_text)]
        while queue:
            parse = queue.pop(0)
            await self._clause(turn, parse, parse.text or raw_text)
            if turn.waiting and queue:  # the rest waits until this question is answered
                turn.context["queued"] = [parse_to_dict(p) for p in queue]
                queue = []
            elif not turn.waiting and turn.context.get("queued"):
                queue = [parse_from_dict(d) for d in turn.context.pop("queued")]
        return TurnResult(tuple(turn.replies), turn.state(), tuple(turn.actions))

    async def timer_fired(self, state: DialogueState, timer: TimerInfo) -> TurnResult:
        """The reply when a timer the conversation started fires; the state is unchanged."""
        flow = next((f for f in self._flows.values() if f.spec.action == "timer.start"), None)
        key = "fired_named" if timer.name else "fired"
        template = flow.spec.responses[key] if flow else "Your timer is done."
        action = {"action": "timer.fired", "device_ids": [], "params": {"name": timer.name},
                  "success": [timer.id], "failed": []}
        return TurnResult((render(template, {"name": timer.name}),), state, (action,))

    # -- routing --------------------------------------------------------------------------

    async def _clause(self, turn: Turn, parse: ParseResult, text: str) -> None:
        flow = self._by_intent.get(parse.intent.name, self._fallback)
        if turn.flow is None:
            last = turn.context.get("last") or {}
            if last.get("flow") in self._flows and _is_follow_up(parse, text):
                await self._start(turn, self._flows[last["flow"]], parse, text,
                                  preset=last.get("slots") or {})
            else:
                await self._start(turn, flow, parse, text)
            return
        active = self._flows[turn.flow]
        run = Run(active, turn, step=turn.step, slots=turn.slots, tries=turn.tries)
        if await self._answer(run, flow, parse, text):
            return
        interrupt = flow.spec.interrupt
        if interrupt == "abort":
            aborted = turn.clear()
            await self._start(turn, flow, parse, text, aborted=aborted)
        elif interrupt == "resume" and flow is not active:
            turn.stack.append({"flow": turn.flow, "step": turn.step, "slots": turn.slots,
                               "tries": turn.tries})
            turn.flow, turn.step, turn.slots, turn.tries = None, IDLE, {}, 0
            await self._start(turn, flow, parse, text)
        elif interrupt == "replace" and flow is not active:
            turn.clear()
            await self._start(turn, flow, parse, text)
        else:
            default = "Please answer yes or no." if run.step == "confirm" else (
                "Sorry, I didn't get that.")
            await self._failed(run, default, explains=False)

    async def _answer(self, run: Run, flow: Flow, parse: ParseResult, text: str) -> bool:
        """Take the utterance as the answer to the waiting question, if it is one."""
        step, turn = run.step, run.turn
        if _new_command(run.flow, flow, parse, text):
            return False  # "turn on the hall light" while "What should I turn off?" waits
        if step == "confirm":
            return await self._confirm(run, flow, parse, text)
        slot = run.flow.slot_of(step)
        if slot is None:
            return False
        if step.startswith("choose_"):
            picked = await choose(slot, run.slots[slot.name]["options"], parse, text,
                                  turn.executor)
            if picked is None:
                return False
            reading: TargetReading = picked
        else:
            if flow.spec.interrupt == "resume" and flow is not run.flow:
                return False  # a question while we wait: a digression, not an answer
            reading = await self._read(run, slot, parse, text, answering=True)
            if reading is None:
                return False
        if isinstance(reading, Invalid):
            await self._failed(run, reading.message)
            return True
        if isinstance(reading, Unavailable):
            turn.say(reading.reason)
            await self._drive(run, "abort")
            return True
        self._apply(run, slot, reading)
        await self._fill(run, parse, text, skip=slot.name)
        await self._drive(run, "advance")
        return True

    async def _confirm(self, run: Run, flow: Flow, parse: ParseResult, text: str) -> bool:
        """The answer to a confirmation: only an unambiguous yes acts (see ``answers``)."""
        confirm = run.flow.spec.confirm
        assert confirm is not None
        answer = read_answer(text, intent=parse.intent.name, yes_intents=confirm.yes,
                             no_intents=confirm.no, question=run.prompt())
        if answer is Answer.YES:
            run.slots["_confirmed"] = True
            await self._drive(run, "advance")
        elif answer is Answer.NO and not (flow.spec.interrupt == "abort"
                                          and parse.intent.name not in confirm.no):
            await self._drive(run, "decline")
        elif answer is Answer.UNCLEAR:
            await self._failed(run, "Please answer yes or no.", explains=False)
        else:  # not an answer, or a "cancel"/"goodbye" that ends the flow its own way
            return False
        return True

    async def _start(self, turn: Turn, flow: Flow, parse: ParseResult, text: str, *,
                     preset: Mapping[str, Any] | None = None, aborted: bool = False) -> None:
        if preset is None and self._ungrounded(flow, parse, text):
            flow = self._fallback  # "skip this song" is not media_play: say what we can do
        flow = self._meant(flow, parse, text, preset or {})
        run = Run(flow, turn, aborted=aborted)
        run.slots.update({k: copy.deepcopy(v) for k, v in (preset or {}).items()
                          if k in flow.slots})
        if not await self._fill(run, parse, text, initial=True):
            turn.adopt(run)
            if turn.context.get("stack"):
                self._resume(turn)
            return
        await self._drive(run, "advance")

    def _ungrounded(self, flow: Flow, parse: ParseResult, text: str) -> bool:
        """A command that would move a device, with a word its intent is never used with,
        or an entity none of the flow's slots reads ("turn off the lights in an hour")."""
        if self._vocabulary is None or not acts(flow):
            return False
        words, entities = self._flow_words[flow.name]
        unknown = self._vocabulary.unexplained(  # "play [jazz](media)": no slot reads media
            parse.intent.name, text,
            [(e.start, e.end) for e in parse.entities if e.entity in entities], words,
            entities)
        if unknown:
            log.info("not running %s: %s never goes with %s", flow.name, unknown,
                     parse.intent.name)
        return bool(unknown)

    def _meant(self, flow: Flow, parse: ParseResult, text: str,
               preset: Mapping[str, Any]) -> Flow:
        """The flow's ``no_value`` flow when the request gives none of its values and says
        none of its ``unless_said`` words ("set the bedroom thermostat": its temperature)."""
        rule = flow.spec.no_value
        if rule is None or find_phrases(text, rule.unless_said):
            return flow
        for slot in flow.spec.slots:
            if slot.type != "device" and (slot.name in preset
                                          or read_value(slot, parse, text) is not None):
                return flow
        return self._flows[rule.flow]

    async def _fill(self, run: Run, parse: ParseResult, text: str, *, initial: bool = False,
                    skip: str | None = None) -> bool:
        """Every slot this utterance gives a value for; False if the flow cannot run."""
        for slot in run.flow.spec.slots:
            if slot.name == skip:
                continue
            reading = await self._read(run, slot, parse, text)
            if reading is None and initial and slot.type == "device":
                reading = await target_from_context(slot, run.turn.context, run.turn.executor)
            if isinstance(reading, Unavailable):
                run.turn.say(" ".join(p for p in (run.note, reading.reason) if p))
                return False
            if isinstance(reading, Invalid):
                run.slots.pop(slot.name, None)
                run.note = " ".join(p for p in (run.note, reading.message) if p)
                run.invalid_slot = run.invalid_slot or slot.name
            elif reading is not None:
                self._apply(run, slot, reading)
        return True

    async def _read(self, run: Run, slot: SlotSpec, parse: ParseResult, text: str, *,
                    answering: bool = False) -> TargetReading:
        if slot.type != "device":
            return read_value(slot, parse, text)
        reading = await read_target(slot, parse, run.turn.executor)
        if reading is None and answering and not parse.entities:
            found = await run.turn.executor.resolve(DeviceQuery(
                raw=text, capability=slot.capability, device_type=slot.device_type))
            if found.ambiguous:
                return Pending(found.ids, found.names)
            if found.found:
                return Filled({"ids": list(found.ids), "names": list(found.names)})
        return reading

    @staticmethod
    def _apply(run: Run, slot: SlotSpec, reading: TargetReading) -> None:
        if isinstance(reading, Pending):
            run.slots[slot.name] = reading.to_slot()
        elif isinstance(reading, Filled):
            run.slots[slot.name] = reading.value
            if reading.note:
                run.note = " ".join(p for p in (run.note, reading.note) if p)

    async def _failed(self, run: Run, message: str, *, explains: bool = True) -> None:
        """A failed try at the waiting question: re-ask after ``message``, or give up (saying
        ``message`` first only if it ``explains`` what was wrong)."""
        run.tries += 1
        slot = run.flow.slot_of(run.step)
        confirm = run.flow.spec.confirm
        limit = slot.max_tries if slot else (confirm.max_tries if confirm else 3)
        giving_up = run.tries >= limit
        run.note = message if explains or not giving_up else ""
        await self._drive(run, "give_up" if giving_up else "advance")

    async def _drive(self, run: Run, trigger: str) -> None:
        """Fire ``trigger`` on the flow's shared machine with ``run`` attached as the model."""
        machine = self._machines[run.flow.name]
        before = run.step
        machine.add_model(run, initial=run.step)
        try:
            await getattr(run, trigger)()
            if run.step == "act":
                await run.finish()  # type: ignore[attr-defined]
        finally:
            machine.remove_model(run)
        if run.step != before:
            run.tries = 1 if run.step == f"collect_{run.invalid_slot}" else 0
        run.turn.adopt(run)
        if run.step == "done" and run.turn.context.get("stack"):
            self._resume(run.turn)

    def _resume(self, turn: Turn) -> None:
        """Back to the flow a digression paused: it asks its question again."""
        frame = turn.stack.pop()
        flow = self._flows.get(frame["flow"])
        if flow is None or frame["step"] not in flow.waiting_steps:
            return
        run = Run(flow, turn, step=frame["step"], slots=frame["slots"], tries=frame["tries"])
        turn.adopt(run)
        turn.say(run.prompt())

    def _checked(self, state: DialogueState) -> DialogueState:
        """A stored state whose flow or step no longer exists (flows changed) starts idle."""
        flow = self._flows.get(state.flow) if state.flow else None
        if state.flow is None or (flow is not None and _consistent(flow, state)):
            return state
        log.warning("dialogue state %s no longer matches the flows; starting over", state.label)
        return DialogueState(context={k: v for k, v in state.context.items()
                                      if k not in ("stack", "queued")})


def _consistent(flow: Flow, state: DialogueState) -> bool:
    """The stored step exists and the slots fit it (a pending choice has its options)."""
    if state.step not in flow.waiting_steps:
        return False
    slot = flow.slot_of(state.step)
    if slot is None:
        return True
    value = state.slots.get(slot.name)
    if state.step.startswith("choose_"):
        return isinstance(value, Mapping) and isinstance(value.get("options"), Mapping)
    return value is None


def _new_command(active: Flow, flow: Flow, parse: ParseResult, text: str) -> bool:
    """A command for another flow that names its devices and says its own verb ("turn on the
    hall light"), not a bare answer ("the hall light", "the one in the kitchen")."""
    if flow is active or flow.spec.fallback or flow.spec.interrupt != "replace":
        return False
    if not any(e.entity in ("device", "room") for e in parse.entities):
        return False
    words = words_outside(text, [(e.start, e.end) for e in parse.entities])
    return any(w not in _FOLLOW_WORDS for w in words)


def _is_follow_up(parse: ParseResult, text: str) -> bool:
    """ "and the bedroom too", "what about the kitchen": new devices, no verb of its own."""
    if not any(e.entity in ("device", "room") for e in parse.entities):
        return False
    words = words_outside(text, [(e.start, e.end) for e in parse.entities])
    if not words or not (words[0] in _FOLLOW_START or words[-1] in _FOLLOW_END):
        return False
    return all(w in _FOLLOW_WORDS for w in words)
