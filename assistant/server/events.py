"""Push: a stream of events per conversation, and one for the whole home, that channels
subscribe to (the websocket widget first). In-process, asyncio, never blocking a publisher.

    async with services.events.subscribe(cid, after_seq=last_seen) as events:
        async for event in events:          # Event: type, conversation_id, seq, created_at,
            await ws.send_json(event.to_dict())  # payload

What is published, and when (``turns.py``): a message's ``reply`` events (one per reply),
its ``action`` events (one per device command, with its outcome), the ``device_state``
changes those commands report and its ``timer`` events (started, cancelled), once the turn
is stored; a fired timer's ``timer`` and ``reply`` events once its turn is stored. A
device command's ``device_state`` changes also go to the home stream (``subscribe_home``)
as soon as its audit row holds the outcome. Nothing is told before it is stored.

Sequence numbers count from 1 per stream. The last ``buffer`` events of each stream stay in
memory, so a client that reconnects with ``after_seq`` gets what it missed; the durable
record stays the turns in storage. When the missed events are no longer buffered, or the
stream is newer than ``after_seq`` (a restart), the subscriber gets one ``lagged`` event
first (its ``seq`` is the last one it cannot have; refetch the conversation over REST).
A subscriber more than ``queue`` events behind is not waited for: its queue is dropped and
it catches up from the buffer (or is told it lagged). Streams without subscribers are
forgotten after ``idle_s`` without events, and beyond ``max_streams`` the least recently
used go first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType, TracebackType
from typing import Any, Self

from assistant.actions.result import ActionResult

logger = logging.getLogger(__name__)


class EventType(StrEnum):
    REPLY = "reply"  # {"text", "turn", "timer_id"?}
    ACTION = "action"  # a device command and its outcome: the ActionResult's dict + "turn"
    DEVICE_STATE = "device_state"  # {"device_id", "action", "state"}: what the device reported
    TIMER = "timer"  # {"event": started | fired | cancelled, "timer_id", "name", ...}
    LAGGED = "lagged"  # {"reason": slow | expired | restarted, "resume_after"}: refetch


@dataclass(frozen=True)
class Draft:
    """An event not yet numbered: what a turn collects until it is stored."""

    type: EventType
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Event:
    type: EventType
    conversation_id: str | None  # None: the home stream
    seq: int
    created_at: datetime
    payload: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"type": str(self.type), "conversation_id": self.conversation_id,
                "seq": self.seq, "created_at": self.created_at.isoformat(),
                "payload": dict(self.payload)}


_Key = tuple[str, str | None]  # ("conversation", id) or ("home", None)
HOME: _Key = ("home", None)


@dataclass
class _Stream:
    key: _Key
    buffer: deque[Event]
    last_seq: int = 0
    used_at: float = 0.0
    subscribers: set[Subscription] = field(default_factory=set)

    @property
    def conversation_id(self) -> str | None:
        return self.key[1]


class EventBus:
    """Used from the event loop only. Memory: at most ``buffer`` events per stream, of at
    most ``max_streams`` streams, plus ``queue`` per subscriber."""

    def __init__(self, *, buffer: int = 64, queue: int = 64, idle_s: float = 3600.0,
                 max_streams: int = 1000, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._buffer = buffer
        self._queue = queue
        self._idle_s = idle_s
        self._max_streams = max_streams
        self._clock = clock
        self._streams: OrderedDict[_Key, _Stream] = OrderedDict()  # least recently used first
        self._closed = False

    # -- publishing (synchronous: a publisher never waits for a subscriber) ----------------

    def publish(self, conversation_id: str, type_: EventType,
                payload: Mapping[str, Any]) -> Event:
        return self._publish(("conversation", conversation_id), type_, payload)

    def publish_all(self, conversation_id: str, drafts: Iterable[Draft]) -> list[Event]:
        return [self.publish(conversation_id, d.type, d.payload) for d in drafts]

    def publish_home(self, type_: EventType, payload: Mapping[str, Any]) -> Event:
        return self._publish(HOME, type_, payload)

    # -- subscribing ----------------------------------------------------------------------

    def subscribe(self, conversation_id: str, after_seq: int | None = None) -> Subscription:
        """The conversation's events from now on, or those after ``after_seq`` first."""
        return self._subscribe(("conversation", conversation_id), after_seq)

    def subscribe_home(self, after_seq: int | None = None) -> Subscription:
        """Home-wide events (device states), from now on or after ``after_seq``."""
        return self._subscribe(HOME, after_seq)

    def last_seq(self, conversation_id: str | None) -> int:
        """The newest seq of a conversation's stream (of the home's for None); 0 if none."""
        key: _Key = HOME if conversation_id is None else ("conversation", conversation_id)
        stream = self._streams.get(key)
        return stream.last_seq if stream else 0

    @property
    def streams(self) -> int:
        return len(self._streams)

    def close(self) -> None:
        """End every subscription (server shut-down); later subscriptions end at once."""
        self._closed = True
        for stream in self._streams.values():
            for sub in list(stream.subscribers):
                sub.close()

    # -- inside ---------------------------------------------------------------------------

    def _publish(self, key: _Key, type_: EventType, payload: Mapping[str, Any]) -> Event:
        stream = self._stream(key)
        stream.last_seq += 1
        event = Event(type_, stream.conversation_id, stream.last_seq, datetime.now(UTC),
                      MappingProxyType(dict(payload)))
        stream.buffer.append(event)
        for sub in stream.subscribers:
            sub._offer(event)
        return event

    def _subscribe(self, key: _Key, after_seq: int | None) -> Subscription:
        stream = self._stream(key)
        sub = Subscription(self, stream, after_seq, self._queue)
        if self._closed:
            sub.close()
        else:
            stream.subscribers.add(sub)
        return sub

    def _stream(self, key: _Key) -> _Stream:
        now = self._clock()
        stream = self._streams.get(key)
        if stream is None:
            self._forget(now)
            stream = _Stream(key, deque(maxlen=self._buffer))
            self._streams[key] = stream
        else:
            self._streams.move_to_end(key)
        stream.used_at = now
        return stream

    def _forget(self, now: float) -> None:
        """Drop idle streams without subscribers, and the oldest beyond ``max_streams``."""
        excess = len(self._streams) + 1 - self._max_streams  # to make room for one more
        doomed: list[_Key] = []
        for key, stream in self._streams.items():
            if len(doomed) >= excess and now - stream.used_at < self._idle_s:
                break  # the rest were used later
            if not stream.subscribers:
                doomed.append(key)
        for key in doomed:
            del self._streams[key]

    def _unsubscribe(self, stream: _Stream, sub: Subscription) -> None:
        stream.subscribers.discard(sub)
        stream.used_at = self._clock()
        if self._streams.get(stream.key) is stream:
            self._streams.move_to_end(stream.key)


class Subscription:
    """An async iterator of events (and an async context manager that unsubscribes)."""

    def __init__(self, bus: EventBus, stream: _Stream, after_seq: int | None,
                 limit: int) -> None:
        self._bus = bus
        self._stream = stream
        self._limit = limit
        self._pending: deque[Event] = deque()
        self._wake = asyncio.Event()
        self._closed = False
        self.lagged = 0  # times this subscriber fell behind its queue
        self._last = stream.last_seq if after_seq is None else after_seq
        self._catch_up = after_seq is not None  # replay from the buffer before new events

    @property
    def last_seq(self) -> int:
        """The seq of the last event this subscriber was given (or told it lagged past)."""
        return self._last

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._bus._unsubscribe(self._stream, self)
            self._wake.set()

    def _offer(self, event: Event) -> None:
        if self._closed or self._catch_up:
            return  # catching up reads the buffer, which has this event too
        if len(self._pending) >= self._limit:
            self._pending.clear()
            self._catch_up = True
            self.lagged += 1
            logger.info("event subscriber of %s is %d events behind; it catches up from the "
                        "buffer", self._stream.conversation_id or "the home", self._limit)
        else:
            self._pending.append(event)
        self._wake.set()

    def _replay(self) -> Event | None:
        """Fill the queue from the buffer after ``_last``; a ``lagged`` event if a gap."""
        self._catch_up = False
        stream = self._stream
        if self._last > stream.last_seq:
            return self._lagged("restarted", stream.last_seq)
        kept = [e for e in stream.buffer if e.seq > self._last]
        first = kept[0].seq if kept else stream.last_seq + 1
        self._pending.extend(kept)
        if first > self._last + 1:
            return self._lagged("expired" if self.lagged == 0 else "slow", first - 1)
        return None

    def _lagged(self, reason: str, resume_after: int) -> Event:
        self._last = resume_after
        return Event(EventType.LAGGED, self._stream.conversation_id, resume_after,
                     datetime.now(UTC),
                     MappingProxyType({"reason": reason, "resume_after": resume_after}))

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._catch_up and not self._closed:
                lagged = self._replay()
                if lagged is not None:
                    return lagged
            if self._pending:
                event = self._pending.popleft()
                self._last = event.seq
                return event
            if self._closed:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def command_drafts(result: ActionResult) -> list[Draft]:
    """A device command's ``action`` event, then a ``device_state`` event per device that
    reported its new state (the device API's command answer carries ``state``)."""
    return [Draft(EventType.ACTION, result.to_dict()),
            *(Draft(EventType.DEVICE_STATE, change) for change in device_states(result))]


def device_states(result: ActionResult) -> list[dict[str, Any]]:
    changes = []
    for outcome in result.outcomes:
        body = outcome.response
        state = body.get("state") if outcome.ok and isinstance(body, dict) else None
        if isinstance(state, dict):
            changes.append({"device_id": outcome.device_id, "action": outcome.action,
                            "state": state})
    return changes
