"""The device-call path (issue 15, defects 5-7): the intent is audited before any device is
called, every attempt is audited, database waits are bounded (coded 503 + Retry-After), a
read of state is not an audited action, and one slow device does not slow the house.

The first test is a unit test of ``device_calls`` with fakes; the others run the real app
(real HTTP server, the real simulator, SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from assistant.actions.registry import load_registry
from assistant.actions.result import ActionResult, Outcome
from assistant.config import Settings
from assistant.server import device_calls
from assistant.storage._url import resolve_url
from assistant.storage.errors import DatabaseUnreachableError, InvalidRecordError
from tests.server._support import ROOT, Running, expect, expect_error, running

pytestmark = pytest.mark.asyncio

LIGHT = {"device": "hallway_light", "action": "turn_on"}


class _FailingStorage:
    """Writes fail as in a database outage."""

    def __init__(self) -> None:
        self.finished: list[Any] = []

    async def begin_device_calls(self, calls: Any) -> list[int]:
        raise DatabaseUnreachableError("cannot connect to PostgreSQL (ConnectionRefusedError)")

    async def finish_device_calls(self, rows: Any) -> int:
        self.finished.append(rows)
        return len(rows)


class _RecordingAdapters:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    async def command_many(self, commands: Any, *, requested_by: str) -> Any:
        self.calls.append(list(commands))
        raise AssertionError("a device was called although its intent was not recorded")


async def test_no_device_is_called_when_the_intent_cannot_be_written() -> None:
    storage, client = _FailingStorage(), _RecordingAdapters()
    services: Any = SimpleNamespace(storage=storage, adapters=client)
    light = load_registry(ROOT / "devices.yaml").get("hallway_light")
    with pytest.raises(DatabaseUnreachableError):
        await device_calls.command(services, [light], "turn_on", {}, requested_by="t")
    expect((client.calls, storage.finished), ([], []), "device calls and outcomes written")


class _PickyStorage:
    """Accepts the intent; refuses the first outcome (as for a device answer holding NUL),
    then, with ``down``, every outcome (the database went away after the call)."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.finished: list[Any] = []

    async def begin_device_calls(self, calls: Any) -> list[int]:
        return list(range(1, len(calls) + 1))

    async def finish_device_calls(self, rows: Any) -> int:
        if self.down:
            raise DatabaseUnreachableError("cannot connect to PostgreSQL (OSError)")
        if not self.finished and any(r["response"] == {"text": "a\x00b"} for r in rows):
            self.finished.append(None)
            raise InvalidRecordError("response contains a NUL character (U+0000)")
        self.finished.append(rows)
        return len(rows)


class _AnsweringAdapters:
    async def command_many(self, commands: Any, *, requested_by: str) -> ActionResult:
        outcomes = tuple(Outcome(c.device.id, c.action, c.params, None, 200, {"text": "a\x00b"},
                                 5.0, 1) for c in commands)
        return ActionResult(requested_by, outcomes, 5.0)


async def test_an_outcome_the_database_refuses_is_kept_without_the_answer() -> None:
    storage = _PickyStorage()
    services: Any = SimpleNamespace(storage=storage, adapters=_AnsweringAdapters())
    light = load_registry(ROOT / "devices.yaml").get("hallway_light")
    result = await device_calls.command(services, [light], "turn_on", {}, requested_by="t")
    assert result.ok
    [_, rows] = storage.finished
    expect([(r["id"], r["success"], r["response"]) for r in rows],
           [(1, True, device_calls.UNSTORABLE)], "outcome written the second time")


async def test_an_outcome_that_cannot_be_written_is_logged_and_the_result_kept(
        caplog: pytest.LogCaptureFixture) -> None:
    """The device did act: the caller hears so; the row stays pending; the log says why."""
    services: Any = SimpleNamespace(storage=_PickyStorage(down=True),
                                      adapters=_AnsweringAdapters())
    light = load_registry(ROOT / "devices.yaml").get("hallway_light")
    with caplog.at_level(logging.ERROR):
        result = await device_calls.command(services, [light], "turn_on", {}, requested_by="t")
    assert result.ok
    assert any("outcome was not recorded" in r.getMessage() for r in caplog.records), \
        [r.getMessage() for r in caplog.records]


def _seed_failing_once(rate: float) -> int:
    for seed in range(10_000):
        rng = random.Random(seed)
        if rng.random() < rate <= rng.random():
            return seed
    raise AssertionError("no seed found")


@asynccontextmanager
async def _database_locked(settings: Settings) -> AsyncIterator[None]:
    """Another connection holds the lock the audit write needs (a frozen database, as far
    as the app can tell)."""
    url = resolve_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'SET search_path TO "{settings.database_schema}"'))
            await conn.execute(text("BEGIN"))
            await conn.execute(text("LOCK TABLE device_calls IN ACCESS EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await conn.execute(text("ROLLBACK"))
    finally:
        await engine.dispose()


async def test_a_frozen_database_answers_503_fast_and_the_device_is_not_called(
        make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(database_timeout_s=0.5)
    async with running(settings) as srv:
        srv.simulator.reset_stats()
        async with _database_locked(settings):
            started = time.perf_counter()
            resp = await srv.client.post("/api/v1/commands", json=LIGHT)
            took = time.perf_counter() - started
            error = await expect_error(resp, 503, "E408")
        expect(resp.headers.get("Retry-After"), "2", "Retry-After")
        assert took < 0.5 + 1.5, f"answered after {took:.2f} s"
        expect(srv.simulator.stats("hallway_light").commands, 0, "commands the device got")
        expect(srv.simulator.state("hallway_light")["on"], False, "light state")
        expect(await srv.services.storage.list_device_calls(), [], "audit rows")
        url = settings.resolved_database_url
        for leak in (url, url.split("///")[-1], "postgresql://", "sqlite:"):
            assert leak not in str(error), f"{leak!r} in the error body {error}"
        resp = await srv.client.post("/api/v1/commands", json=LIGHT)
        expect(resp.status, 200, "after the database is back")


async def test_a_message_during_a_database_outage_moves_no_device(
        make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(database_timeout_s=0.5)
    async with running(settings) as srv:
        out = await srv.say("hello")  # the conversation exists and is cached
        srv.simulator.reset_stats()
        async with _database_locked(settings):
            resp = await srv.client.post("/api/v1/messages", json={
                "text": "turn on the hallway light", "conversation_id": out["conversation_id"]})
            await expect_error(resp, 503, "E408")
        expect(srv.simulator.stats("hallway_light").commands, 0, "commands the device got")
        expect(await srv.services.storage.list_device_calls(), [], "audit rows")


async def test_each_call_is_a_row_written_before_the_call_with_every_attempt(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        await srv.simulator.set_faults("office_plug", error_rate=0.5,
                                       seed=_seed_failing_once(0.5))
        resp = await srv.client.post("/api/v1/commands",
                                     json={"device": "office_plug", "action": "turn_on"})
        expect(resp.status, 200, "status")
        [call] = await srv.services.storage.list_device_calls(device_id="office_plug")
        expect((call.status, call.success, call.attempts, call.status_code),
               ("succeeded", True, 2, 200), "audit row")
        assert call.finished_at is not None and call.finished_at >= call.started_at
        attempts = await srv.services.storage.list_device_call_attempts(call.id)
        expect([(a.attempt, a.status_code, a.error_code) for a in attempts],
               [(1, 500, "E502"), (2, 200, None)], "attempt rows")
        expect(srv.simulator.stats("office_plug").requests, 2, "requests the device got")


@pytest.mark.parametrize("raw", [
    '{"device": "living_room_lamp", "action": "set_brightness", "params": {"brightness": NaN}}',
    '{"device": "living_room_lamp", "action": "set_brightness", "params": {"brightness": 1e999}}',
    ('{"device": "living_room_lamp", "action": "set_brightness", '
     '"params": {"brightness": 40, "note": "\\ud800"}}'),
    ('{"device": "living_room_lamp", "action": "set_brightness", '
     '"params": {"brightness": 40, "note": "x\\u0000"}}'),
], ids=["nan", "inf", "surrogate", "nul"])
async def test_bad_params_fail_before_the_device_acts(
        make_settings: Callable[..., Settings], raw: str) -> None:
    async with running(make_settings()) as srv:
        srv.simulator.reset_stats()
        resp = await srv.client.post("/api/v1/commands", data=raw.encode(),
                                     headers={"Content-Type": "application/json"})
        body = await resp.json()
        assert 400 <= resp.status < 500 and body["error"]["code"], (resp.status, body)
        expect(srv.simulator.stats("living_room_lamp").commands, 0, "commands the device got")
        expect(await srv.services.storage.list_device_calls(), [], "audit rows")


async def test_reading_every_device_writes_no_audit_rows_and_logs_at_debug(
        make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture) -> None:
    async with running(make_settings()) as srv:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            resp = await srv.client.get("/api/v1/devices")
            expect(resp.status, 200, "status")
        expect(await srv.services.storage.list_device_calls(), [], "audit rows of a read")
        device_lines = [r.getMessage() for r in caplog.records
                        if r.name == "assistant.actions.rest" and r.levelno >= logging.INFO]
        expect(device_lines, [], "INFO log lines about device reads")


async def _timed(srv: Running, method: str, path: str, **kwargs: Any) -> tuple[int, float]:
    started = time.perf_counter()
    resp = await srv.client.request(method, path, **kwargs)
    await resp.read()
    return resp.status, time.perf_counter() - started


async def test_a_call_ends_by_its_deadline_across_retries(
        make_settings: Callable[..., Settings]) -> None:
    """3 attempts x 0.5 s would take 1.5 s and more (6.8 s with the old defaults)."""
    async with running(make_settings(device_timeout_s=0.5, device_attempts=3,
                                     device_deadline_s=0.8)) as srv:
        await srv.simulator.set_faults("office_plug", latency_ms=3000)
        status, took = await _timed(srv, "POST", "/api/v1/commands",
                                    json={"device": "office_plug", "action": "turn_on"})
        expect(status, 504, "status")
        assert took < 0.8 + 0.5, f"took {took:.2f} s"
        [call] = await srv.services.storage.list_device_calls(device_id="office_plug")
        expect((call.status, call.error_code), ("failed", "E501"), "row")
        # a second attempt only when its backoff (0.2-0.4 s) leaves time before the deadline
        assert call.attempts in (1, 2), call
        attempts = await srv.services.storage.list_device_call_attempts(call.id)
        expect([a.error_code for a in attempts], ["E501"] * call.attempts, "attempt rows")


async def test_one_slow_device_does_not_slow_the_others(
        make_settings: Callable[..., Settings]) -> None:
    """Ten calls to a slow device; a healthy device and GET /api/v1/devices stay fast (the
    ten used to fill the client-wide limit of 8: 1.5 s for a healthy device, 8 s for the
    list)."""
    slow_s = 2.0
    async with running(make_settings(device_deadline_s=3.0, device_attempts=1)) as srv:
        await srv.simulator.set_faults("ceiling_fan", latency_ms=slow_s * 1000)
        await _timed(srv, "GET", "/api/v1/devices/kitchen_light")  # warm-up
        slow = [asyncio.create_task(_timed(srv, "POST", "/api/v1/commands", json={
            "device": "ceiling_fan", "action": "toggle"})) for _ in range(10)]
        await asyncio.sleep(0.2)  # the slow calls hold their turns
        healthy_status, healthy_s = await _timed(srv, "POST", "/api/v1/commands", json=LIGHT)
        healthy_before_slow = not any(task.done() for task in slow)
        started = time.perf_counter()
        listed = await srv.client.get("/api/v1/devices")
        devices = {d["id"]: d for d in (await listed.json())["devices"]}
        list_status, list_s = listed.status, time.perf_counter() - started
        list_before_slow = not any(task.done() for task in slow)
        results = await asyncio.gather(*slow)
    expect((healthy_status, list_status), (200, 200), "healthy command and device list")
    assert srv.simulator.stats("ceiling_fan").max_in_flight <= 2
    # no time budget (a loaded machine misses any): the healthy command and the list are
    # answered while the slow fan still holds every one of its calls
    assert healthy_before_slow, f"the healthy command ({healthy_s:.2f} s) waited for the fan"
    assert list_before_slow, f"GET /api/v1/devices ({list_s:.2f} s) waited for the fan"
    expect((devices["ceiling_fan"]["reachable"], devices["ceiling_fan"]["error"]["code"],
            devices["kitchen_light"]["reachable"]), (False, "E507", True), "the list")
    assert max(t for _, t in results) < 3.0 + 1.5, results  # the call deadline holds
    assert {status for status, _ in results} <= {200, 503, 504}, results  # 503: E507 busy
