"""POST /api/v1/messages end to end: NLU -> dialogue -> simulated device -> storage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from assistant.config import Settings
from assistant.server.context import IdsFilter
from tests.server._support import Running, expect, running

pytestmark = pytest.mark.asyncio


async def test_turn_on_the_kitchen_light_turns_the_simulated_light_on(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        expect(srv.simulator.state("kitchen_light")["on"], False, "kitchen light before")
        out = await srv.say("turn on the kitchen light")
        expect(srv.simulator.state("kitchen_light")["on"], True, "kitchen light after")
        expect(out["replies"], ["Turned on the kitchen light."], "replies")
        expect([p["intent"]["name"] for p in out["nlu"]], ["turn_on"], "intents")
        expect(out["turn"], 0, "turn index")
        assert out["actions"] and out["actions"][0]["success"] == ["kitchen_light"], \
            f"actions: expected kitchen_light in success, got {out['actions']}"

        cid = out["conversation_id"]
        conv = await (await srv.client.get(f"/api/v1/conversations/{cid}")).json()
        expect([(t["index"], t["text"]) for t in conv["turns"]],
               [(0, "turn on the kitchen light")], "stored turns")
        expect(conv["turns"][0]["replies"], out["replies"], "stored replies")
        calls = await srv.services.storage.list_device_calls(conversation_id=cid)
        expect([(c.device_id, c.action, c.success) for c in calls],
               [("kitchen_light", "turn_on", True)], "audited device calls")


async def test_two_commands_in_one_message(make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        await srv.client.post("/api/v1/commands",
                              json={"device": "kitchen_light", "action": "turn_on"})
        out = await srv.say("turn off the kitchen light and turn on the living room lamp")
        expect([p["text"] for p in out["nlu"]],
               ["turn off the kitchen light", "turn on the living room lamp"], "clauses parsed")
        expect([p["intent"]["name"] for p in out["nlu"]], ["turn_off", "turn_on"], "intents")
        states = {d: srv.simulator.state(d)["on"] for d in ("kitchen_light", "living_room_lamp")}
        expect(states, {"kitchen_light": False, "living_room_lamp": True}, "lights after")


async def test_concurrent_messages_to_one_conversation_are_serialised(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        await srv.simulator.set_faults("kitchen_light", latency_ms=300)
        srv.simulator.reset_stats()
        first, second = await asyncio.gather(
            srv.say("turn on the kitchen light", "conv-1"),
            srv.say("turn off the kitchen light", "conv-1"))
        expect(sorted([first["turn"], second["turn"]]), [0, 1], "turn indexes")
        stats = srv.simulator.stats("kitchen_light")
        expect(stats.max_in_flight, 1, "kitchen light calls in flight at once")
        turns = (await (await srv.client.get("/api/v1/conversations/conv-1")).json())["turns"]
        expect([t["index"] for t in turns], [0, 1], "stored turn indexes")
        expect(turns[1]["state_before"], turns[0]["state_after"], "second turn starts where the "
               "first ended")


async def test_a_restart_resumes_the_conversation(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    async with running(settings) as srv:
        out = await srv.say("unlock the front door", "door-talk")
        assert "?" in out["replies"][-1], f"expected a confirmation question, got {out['replies']}"
        expect(srv.simulator.state("front_door_lock")["locked"], True, "lock before the answer")
        waiting = (await (await srv.client.get("/api/v1/conversations/door-talk")).json())["state"]
        assert waiting != "idle", f"conversation state: expected a flow waiting, got {waiting!r}"
    async with running(settings) as srv:  # a new app, the same database
        conv = await (await srv.client.get("/api/v1/conversations/door-talk")).json()
        expect(conv["state"], waiting, "state after the restart")
        out = await srv.say("yes", "door-talk")
        expect(out["turn"], 1, "turn index after the restart")
        expect(srv.simulator.state("front_door_lock")["locked"], False, "lock after 'yes'")
        assert "nlock" in " ".join(out["replies"]), f"replies: got {out['replies']}"


async def test_device_fault_gives_an_honest_reply_and_an_audited_failure(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings(device_attempts=1)) as srv:
        await srv.simulator.set_faults("kitchen_light", down=True)
        out = await srv.say("turn on the kitchen light")
        text = " ".join(out["replies"])
        assert "can't reach the kitchen light" in text, f"reply: got {text!r}"
        calls = await srv.services.storage.list_device_calls(
            conversation_id=out["conversation_id"])
        expect([(c.device_id, c.success, c.error_code) for c in calls],
               [("kitchen_light", False, "E506")], "audited calls")


async def test_a_timer_fires_and_its_reply_waits_for_the_conversation(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        out = await srv.say("set a timer for 1 second")
        cid = out["conversation_id"]
        conv = await _until(srv, cid, lambda c: bool(c["pending_replies"]), timeout_s=5)
        expect([t["state"] for t in conv["timers"]], ["fired"], "timer states")
        expect(conv["pending_replies"][0]["timer_id"], conv["timers"][0]["id"], "pending reply")
        after = await srv.say("hello", cid)
        expect([p["text"] for p in after["pending_replies"]],
               [p["text"] for p in conv["pending_replies"]], "pending replies delivered")
        conv = await (await srv.client.get(f"/api/v1/conversations/{cid}")).json()
        expect(conv["pending_replies"], [], "pending replies after delivery")
        expect([t["text"] for t in conv["turns"]], ["set a timer for 1 second", "", "hello"],
               "turns (the firing is a turn without text)")


async def test_log_records_carry_request_and_conversation_ids(
        make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(IdsFilter())
    async with running(make_settings()) as srv:
        with caplog.at_level(logging.INFO, logger="assistant"):
            out = await srv.say("turn on the kitchen light", "logged-conv",
                                **{"X-Request-ID": "req-42"})
    ours = [r for r in caplog.records if getattr(r, "request_id", None) == "req-42"]
    names = sorted({r.name for r in ours})
    assert {"assistant.server.turns", "assistant.actions.rest"} <= set(names), \
        f"records with request_id=req-42: expected turn and device logs, got {names}"
    expect({getattr(r, "conversation_id", None) for r in ours}, {out["conversation_id"]},
           "conversation ids on those records")


async def _until(srv: Running, cid: str, done: Callable[[dict], bool], timeout_s: float) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        conv = await (await srv.client.get(f"/api/v1/conversations/{cid}")).json()
        if done(conv) or asyncio.get_running_loop().time() > deadline:
            return conv
        await asyncio.sleep(0.05)


async def test_a_scene_and_a_cancelled_timer(make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        garage = srv.simulator.state("garage_door")
        out = await srv.say("activate the movie night scene")
        expect(srv.simulator.state("living_room_lamp")["brightness"], 15, "living room lamp")
        expect(srv.simulator.state("kitchen_light")["on"], False, "kitchen light (other room)")
        expect(srv.simulator.state("garage_door"), garage, "garage door")
        assert out["replies"][0].startswith("Movie night scene:"), out["replies"]

        cid = out["conversation_id"]
        await srv.say("set a timer for 10 minutes", cid)
        await srv.say("cancel the timer", cid)
        conv = await (await srv.client.get(f"/api/v1/conversations/{cid}")).json()
        expect([(t["duration_s"], t["state"]) for t in conv["timers"]], [(600.0, "cancelled")],
               "timers")
