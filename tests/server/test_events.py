"""Push: the event bus alone (unit), then through the real app (simulator, storage, timers)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from assistant.config import Settings
from assistant.server.events import Event, EventBus, EventType, Subscription
from tests.server._support import expect, running

pytestmark = pytest.mark.asyncio


async def take(sub: Subscription, n: int, timeout_s: float = 5.0) -> list[Event]:
    got: list[Event] = []
    for _ in range(n):
        try:
            got.append(await asyncio.wait_for(anext(sub), timeout_s))
        except TimeoutError:
            raise AssertionError(f"expected {n} events within {timeout_s} s, got "
                                 f"{[(e.seq, e.type, dict(e.payload)) for e in got]}") from None
    return got


def kinds(events: list[Event]) -> list[tuple[int, str]]:
    return [(e.seq, str(e.type)) for e in events]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- the bus ------------------------------------------------------------------------------


async def test_events_are_numbered_per_conversation_and_reach_each_subscriber() -> None:
    bus = EventBus()
    async with bus.subscribe("a") as first, bus.subscribe("a") as second:
        bus.publish("a", EventType.REPLY, {"text": "hello"})
        bus.publish("b", EventType.REPLY, {"text": "elsewhere"})
        bus.publish("a", EventType.REPLY, {"text": "again"})
        for sub in (first, second):
            got = await take(sub, 2)
            expect([(e.seq, e.conversation_id, e.payload["text"]) for e in got],
                   [(1, "a", "hello"), (2, "a", "again")], "events of conversation a")
    expect(bus.last_seq("b"), 1, "conversation b's own numbering")
    data = got[0].to_dict()
    expect(sorted(data), ["conversation_id", "created_at", "payload", "seq", "type"],
           "event keys")
    expect((data["type"], data["payload"]), ("reply", {"text": "hello"}), "event as JSON")


async def test_the_home_stream_is_its_own() -> None:
    bus = EventBus()
    async with bus.subscribe_home() as home:
        bus.publish("home", EventType.REPLY, {"text": "a conversation called home"})
        bus.publish_home(EventType.DEVICE_STATE, {"device_id": "kitchen_light"})
        (event,) = await take(home, 1)
    expect((event.seq, event.conversation_id, event.payload["device_id"]),
           (1, None, "kitchen_light"), "home event")


async def test_a_late_subscriber_gets_what_it_missed_then_what_comes() -> None:
    bus = EventBus()
    for text in ("one", "two", "three"):
        bus.publish("c", EventType.REPLY, {"text": text})
    async with bus.subscribe("c", after_seq=1) as sub:
        bus.publish("c", EventType.REPLY, {"text": "four"})
        got = await take(sub, 3)
    expect([e.payload["text"] for e in got], ["two", "three", "four"], "replayed, then new")
    async with bus.subscribe("c") as now:
        bus.publish("c", EventType.REPLY, {"text": "five"})
        expect([e.payload["text"] for e in await take(now, 1)], ["five"], "from now on")


async def test_missed_events_no_longer_buffered_are_told_as_lagged() -> None:
    bus = EventBus(buffer=2)
    for i in range(5):
        bus.publish("c", EventType.REPLY, {"text": str(i)})
    async with bus.subscribe("c", after_seq=1) as sub:
        got = await take(sub, 3)
    expect(kinds(got), [(3, "lagged"), (4, "reply"), (5, "reply")], "lagged, then the buffer")
    expect(dict(got[0].payload), {"reason": "expired", "resume_after": 3}, "lagged payload")


async def test_a_stream_newer_than_after_seq_says_it_restarted() -> None:
    bus = EventBus()
    bus.publish("c", EventType.REPLY, {"text": "after a restart"})
    async with bus.subscribe("c", after_seq=40) as sub:
        lagged = await take(sub, 1)
        bus.publish("c", EventType.REPLY, {"text": "live"})
        got = lagged + await take(sub, 1)
    expect(kinds(got), [(1, "lagged"), (2, "reply")], "restarted, then new events")
    expect(got[0].payload["reason"], "restarted", "lagged reason")


async def test_a_slow_subscriber_never_blocks_a_publisher_and_catches_up() -> None:
    bus = EventBus(buffer=8, queue=2)
    async with bus.subscribe("c") as sub:
        for i in range(6):  # synchronous: publishing cannot wait for anyone
            bus.publish("c", EventType.REPLY, {"text": str(i)})
        got = await take(sub, 6)
        expect([e.seq for e in got], [1, 2, 3, 4, 5, 6], "caught up from the buffer")
        expect(sub.lagged, 1, "times it fell behind")

    bus = EventBus(buffer=3, queue=2)
    async with bus.subscribe("c") as sub:
        for i in range(6):
            bus.publish("c", EventType.REPLY, {"text": str(i)})
        got = await take(sub, 4)
    expect(kinds(got), [(3, "lagged"), (4, "reply"), (5, "reply"), (6, "reply")],
           "lagged past what the buffer lost")
    expect(got[0].payload["reason"], "slow", "lagged reason")


async def test_idle_streams_without_subscribers_are_forgotten() -> None:
    clock = Clock()
    bus = EventBus(idle_s=10, max_streams=3, clock=clock)
    bus.publish("old", EventType.REPLY, {"text": "x"})
    watched = bus.subscribe("watched")
    clock.now = 11
    bus.publish("new", EventType.REPLY, {"text": "y"})
    expect((bus.last_seq("old"), bus.last_seq("new"), bus.streams), (0, 1, 2),
           "old forgotten, watched kept")
    for name in ("d", "e"):
        bus.publish(name, EventType.REPLY, {"text": "z"})
    expect(bus.streams, 3, "streams at most max_streams")
    expect((bus.last_seq("new"), bus.last_seq("e")), (0, 1), "the least recently used went")
    watched.close()


async def test_closing_the_bus_ends_every_subscription() -> None:
    bus = EventBus()
    sub = bus.subscribe("c")
    bus.publish("c", EventType.REPLY, {"text": "last"})
    bus.close()
    expect([e.payload["text"] async for e in sub], ["last"], "delivered, then the end")
    expect([e async for e in bus.subscribe("c")], [], "a subscription after close")


# -- through the real app -----------------------------------------------------------------


async def test_a_message_publishes_its_actions_and_replies_after_the_turn_is_stored(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        bus = srv.services.events
        async with bus.subscribe("push-1") as sub, bus.subscribe_home() as home:

            async def told() -> tuple[list[Event], list[str]]:  # while the message is handled
                first = await take(sub, 1)
                return first, [t.text for t in await srv.services.storage.list_turns("push-1")]

            watching = asyncio.create_task(told())
            out = await srv.say("turn on the kitchen light", "push-1")
            first, stored = await watching
            got = first + await take(sub, 2)
            (state,) = await take(home, 1)
        expect(kinds(got), [(1, "action"), (2, "device_state"), (3, "reply")], "events")
        action, changed, reply = (e.payload for e in got)
        expect((action["success"], action["outcomes"][0]["action"], action["turn"]),
               (["kitchen_light"], "turn_on", 0), "action event")
        expect((changed["device_id"], changed["state"]["on"]), ("kitchen_light", True),
               "device state event")
        expect((reply["text"], reply["turn"]), (out["replies"][0], 0), "reply event")
        expect(stored, ["turn on the kitchen light"], "turns stored when the first event came")
        expect((state.conversation_id, {**state.payload, "turn": 0}), (None, dict(changed)),
               "the home stream's device state")


async def test_a_fired_timer_publishes_its_reply(make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        async with srv.services.events.subscribe("push-2") as sub:
            await srv.say("set a timer for 1 second", "push-2")
            started, _ = await take(sub, 2)
            fired, reply = await take(sub, 2)
        timer_id = started.payload["timer_id"]
        expect((started.type, started.payload["event"], started.payload["duration_s"]),
               (EventType.TIMER, "started", 1), "timer started event")
        expect((fired.type, fired.payload["event"], fired.payload["timer_id"],
                fired.payload["turn"]), (EventType.TIMER, "fired", timer_id, 1),
               "timer fired event")
        conv = await (await srv.client.get("/api/v1/conversations/push-2")).json()
        expect((reply.type, reply.payload["text"], reply.payload["timer_id"]),
               (EventType.REPLY, conv["pending_replies"][0]["text"], timer_id),
               "the fired timer's reply, also still a pending reply")


async def test_a_timer_of_no_conversation_is_told_to_the_home(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv, srv.services.events.subscribe_home() as home:
        timer = await srv.services.storage.add_timer(name="tea", duration_s=0.1)
        srv.services.timer_wakeup.set()
        (fired,) = await take(home, 1)
    expect((fired.type, dict(fired.payload)),
           (EventType.TIMER, {"event": "fired", "timer_id": timer.id, "name": "tea"}),
           "home timer event")


async def test_a_late_subscriber_with_after_seq_gets_the_turns_it_missed(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        await srv.say("set a timer for 10 minutes", "push-3")
        seen = srv.services.events.last_seq("push-3")
        second = await srv.say("cancel the timer", "push-3")
        async with srv.services.events.subscribe("push-3", after_seq=seen) as sub:
            cancelled, reply = await take(sub, 2)
    expect((cancelled.seq, cancelled.type, cancelled.payload["event"], cancelled.payload["turn"]),
           (seen + 1, EventType.TIMER, "cancelled", 1), "the missed timer event")
    expect(reply.payload["text"], second["replies"][0], "the missed reply")


async def test_a_subscriber_that_never_reads_does_not_hold_up_turns(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        srv.services.events = EventBus(buffer=4, queue=2)
        async with srv.services.events.subscribe("push-4") as stuck:
            for text in ("turn on the kitchen light", "turn off the kitchen light",
                         "turn on the kitchen light"):
                out = await asyncio.wait_for(srv.say(text, "push-4"), 30)
                expect(len(out["replies"]), 1, f"replies to {text!r}")
            got = await take(stuck, 5)
    expect(kinds(got), [(5, "lagged"), (6, "reply"), (7, "action"), (8, "device_state"),
                        (9, "reply")], "lagged, then what the buffer still holds")
