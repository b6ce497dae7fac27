"""Answers to "Unlock the front door lock?" through the real app (tiny model, simulator,
storage): the simulated lock opens only for an unambiguous yes (issue 15, defect 2), and the
thermostat question after "set the thermostat" is about the temperature (item of 8)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.config import Settings
from tests.server._support import Running, expect, running

pytestmark = pytest.mark.asyncio

YES = [
    "yes", "Yes.", "YES!", "yes please", "Yes, please.", "yes, unlock it", "yes unlock it",
    "Yes, unlock the front door.", "yes unlock the front door lock", "go ahead",
    "Go ahead, please", "do it", "do it now", "just do it", "sure", "Sure!", "sure thing",
    "confirm", "confirmed", "yep", "yup", "yeah", "yeah, go ahead", "ok", "OK", "okay",
    "okay, do it", "alright", "all right", "affirmative", "absolutely", "definitely",
    "of course", "certainly", "please do", "go for it", "yes, thanks", "yes thank you",
    "yesss", "that's right", "correct", "yes I'm sure", "sounds good",
]

NOT_YES = [
    # the answers of the issue that unlocked the door
    "okay no don't unlock it", "ok wait, don't", "sure, no thanks", "yeah no", "yes no",
    "maybe",
    # negations
    "no", "No.", "nope", "nah", "no thanks", "no thank you", "not now", "don't", "dont",
    "do not", "don't unlock it", "do not unlock it", "never", "cancel", "stop", "nevermind",
    "never mind", "yes, I mean no", "no, yes", "ok no", "I'd rather not", "no way", "nooo",
    "yes don't", "okay, cancel that", "forget it", "leave it",
    # hedges
    "maybe later", "perhaps", "wait", "hold on", "hang on a sec", "not sure", "I'm not sure",
    "I guess", "I guess so", "hmm", "hmmm yes", "let me think", "yes, wait", "um yes",
    "yeah I think so", "I don't know", "probably", "ok but", "yes or no", "well okay",
    "sure, whatever",
    # a yes about something else, a question, something that is not an answer
    "yes, the back door", "yes?", "you bet", "unlock it", "please", "banana",
    "what's the temperature?",
]


async def _answer(srv: Running, answer: str) -> tuple[bool, list[str]]:
    """A fresh conversation: ask to unlock, answer; whether the simulated lock opened."""
    srv.simulator.reset_states()
    asked = await srv.say("unlock the front door")
    expect(asked["replies"][-1:], ["Unlock the front door lock?"], "the confirmation question")
    expect(srv.simulator.state("front_door_lock")["locked"], True, "lock before the answer")
    out = await srv.say(answer, asked["conversation_id"])
    return not srv.simulator.state("front_door_lock")["locked"], out["replies"]


async def test_only_an_unambiguous_yes_unlocks_the_door(
        make_settings: Callable[..., Settings]) -> None:
    assert min(len(YES), len(NOT_YES)) >= 40, f"answers: {len(YES)} yes, {len(NOT_YES)} not"
    wrong: list[str] = []
    async with running(make_settings(rate_limit_per_minute=0)) as srv:  # ~200 requests
        for answer, should_unlock in [*((a, True) for a in YES), *((a, False) for a in NOT_YES)]:
            unlocked, replies = await _answer(srv, answer)
            if unlocked != should_unlock:
                wrong.append(f"{answer!r}: expected {'unlocked' if should_unlock else 'locked'}"
                             f", got {'unlocked' if unlocked else 'locked'} ({replies})")
        calls = await srv.services.storage.list_device_calls()
    assert not wrong, f"{len(wrong)} of {len(YES) + len(NOT_YES)} answers:\n" + "\n".join(wrong)
    unlocks = [c for c in calls if c.device_id == "front_door_lock" and c.action == "unlock"]
    expect(len(unlocks), len(YES), "audited unlocks of the front door lock")


async def test_an_unclear_answer_asks_again_and_a_no_keeps_it_locked(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        asked = await srv.say("unlock the front door")
        cid = asked["conversation_id"]
        again = await srv.say("hmm, wait", cid)
        expect(again["replies"], ["Please answer yes or no. Unlock the front door lock?"],
               "replies to a hedge")
        declined = await srv.say("yeah no", cid)
        expect(declined["replies"], ["OK, the front door lock stays locked."],
               "replies to a no")
        expect(srv.simulator.state("front_door_lock")["locked"], True, "lock after a no")
        await srv.say("yes", cid)
        expect(srv.simulator.state("front_door_lock")["locked"], True,
               "lock after a yes with nothing waiting")


async def test_set_the_thermostat_then_which_one_asks_for_the_temperature(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        first = await srv.say("set the thermostat")
        expect(first["replies"], ["Which thermostat: hallway thermostat or bedroom thermostat?"],
               "replies to 'set the thermostat'")
        cid = first["conversation_id"]
        second = await srv.say("the bedroom thermostat", cid)
        expect(second["replies"], ["To what temperature?"], "replies after picking one")
        third = await srv.say("21", cid)
        expect(third["replies"], ["Set the bedroom thermostat to 21°C."], "replies to '21'")
        expect(srv.simulator.state("bedroom_thermostat")["target_temperature"], 21.0,
               "bedroom thermostat target")
