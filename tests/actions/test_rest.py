"""The real DeviceClient against the real simulator, over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import aiohttp
import pytest

from assistant.actions.rest import ClientSettings, DeviceClient
from assistant.actions.result import ActionResult, Command
from assistant.actions.simulator import DeviceSimulator
from tests.actions.conftest import FAST

# (device, action, params, state after it) -- run in order, each checked with a state read
STEPS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("kitchen_light", "turn_on", {}, {"on": True}),
    ("kitchen_light", "turn_off", {}, {"on": False}),
    ("kitchen_light", "toggle", {}, {"on": True}),
    ("kitchen_light", "set_brightness", {"brightness": 30}, {"brightness": 30}),
    ("kitchen_light", "brightness_up", {"step": 20}, {"brightness": 50}),
    ("kitchen_light", "brightness_down", {}, {"brightness": 40}),
    ("kitchen_light", "set_color", {"color": "red"},
     {"color": {"name": "red", "rgb": [255, 0, 0]}}),
    ("bedroom_light", "set_color", {"rgb": [1, 2, 3]}, {"color": {"name": None, "rgb": [1, 2, 3]}}),
    ("hallway_thermostat", "set_temperature", {"temperature": 22.5}, {"target_temperature": 22.5}),
    ("hallway_thermostat", "set_hvac_mode", {"hvac_mode": "cool"}, {"hvac_mode": "cool"}),
    ("hallway_thermostat", "set_fan_speed", {"fan_speed": "high"}, {"fan_speed": "high"}),
    ("bathroom_fan", "set_fan_speed", {"fan_speed": 40}, {"fan_speed": 40, "on": True}),
    ("living_room_blinds", "open", {}, {"position": 100}),
    ("living_room_blinds", "set_position", {"position": 30}, {"position": 30}),
    ("living_room_blinds", "stop", {}, {"position": 30}),
    ("living_room_blinds", "close", {}, {"position": 0}),
    ("garage_door", "open", {}, {"position": 100}),
    ("front_door_lock", "unlock", {}, {"locked": False}),
    ("front_door_lock", "lock", {}, {"locked": True}),
    ("living_room_tv", "set_volume", {"volume": 55}, {"volume": 55}),
    ("living_room_tv", "volume_up", {}, {"volume": 65}),
    ("living_room_tv", "volume_down", {"step": 5}, {"volume": 60}),
    ("living_room_tv", "play", {}, {"playback": "playing", "on": True}),
    ("living_room_tv", "next_track", {}, {"track": 2}),
    ("living_room_tv", "previous_track", {}, {"track": 1}),
    ("living_room_tv", "pause", {}, {"playback": "paused"}),
    ("office_plug", "turn_on", {}, {"on": True}),
    ("garden_fountain", "turn_on", {}, {"on": True}),
]


def _only(result: ActionResult) -> tuple[str | None, int | None]:
    failure = result.failed[0] if result.failed else None
    return (failure.code if failure else None), result.status_code


@pytest.mark.asyncio
async def test_every_action_changes_the_state(sim: DeviceSimulator, client: DeviceClient) -> None:
    devices = sim.registry
    for device_id, action, params, expected in STEPS:
        device = devices.get(device_id)
        result = await client.command(device, action, params, requested_by="test")
        assert result.ok and result.targets == result.success == (device_id,), (action, result)
        assert result.status_code == 200 and result.response["state"] == sim.state(device_id)
        read = await client.state(device)
        state = read.response["state"]
        got = {k: state.get(k) for k in expected}
        assert got == expected, f"{device_id} {action} {params}: expected {expected}, got {state}"


@pytest.mark.asyncio
async def test_wrong_or_missing_token_is_e504(sim: DeviceSimulator) -> None:
    device = sim.registry.get("garage_door")
    async with DeviceClient(FAST, tokens={"garage_door": "wrong"}, environ={}) as client:
        assert _only(await client.command(device, "open", requested_by="t")) == ("E504", 401)
        assert client.breaker_state("garage_door") == "closed"
    async with DeviceClient(FAST, environ={}) as client:  # GARAGE_DOOR_TOKEN unset
        before = sim.stats("garage_door").requests
        result = await client.command(device, "open", requested_by="t")
    assert _only(result) == ("E504", None) and "GARAGE_DOOR_TOKEN" in result.failed[0].message
    assert sim.stats("garage_door").requests == before  # nothing was sent


@pytest.mark.asyncio
async def test_bad_action_is_e505_and_does_not_open_the_circuit(sim: DeviceSimulator,
                                                                client: DeviceClient) -> None:
    plug = sim.registry.get("office_plug")
    for _ in range(FAST.breaker_threshold + 1):
        result = await client.command(plug, "set_brightness", {"brightness": 10}, requested_by="t")
        assert _only(result) == ("E505", 400)
    assert "cannot set_brightness" in result.failed[0].message
    assert client.breaker_state("office_plug") == "closed"
    assert sim.stats("office_plug").requests == FAST.breaker_threshold + 1  # 4xx never retried


@pytest.mark.asyncio
async def test_down_device_is_e506_then_circuit_opens_then_recovers(
    sim: DeviceSimulator, client: DeviceClient
) -> None:
    lamp = sim.registry.get("living_room_lamp")
    await sim.set_faults("living_room_lamp", down=True)
    for _ in range(FAST.breaker_threshold):
        result = await client.command(lamp, "turn_on", requested_by="t")
        assert _only(result) == ("E506", None)
        assert result.outcomes[0].attempts == FAST.attempts  # idempotent: retried
    assert client.breaker_state("living_room_lamp") == "open"
    result = await client.command(lamp, "turn_on", requested_by="t")
    assert _only(result) == ("E503", None)
    assert result.outcomes[0].attempts == 0 and result.latency_ms < 100
    # half-open after the recovery timeout: one more failure opens it again at once
    await asyncio.sleep(FAST.breaker_recovery_s + 0.05)
    assert client.breaker_state("living_room_lamp") == "half_open"
    assert _only(await client.command(lamp, "turn_on", requested_by="t"))[0] == "E506"
    assert client.breaker_state("living_room_lamp") == "open"
    # the device comes back; after the timeout the next call goes through and closes it
    await sim.set_faults("living_room_lamp", down=False)
    await asyncio.sleep(FAST.breaker_recovery_s + 0.05)
    result = await client.command(lamp, "turn_on", requested_by="t")
    assert result.ok and sim.state("living_room_lamp")["on"] is True
    assert client.breaker_state("living_room_lamp") == "closed"


@pytest.mark.asyncio
async def test_slow_device_is_e501(sim: DeviceSimulator, client: DeviceClient) -> None:
    fan = sim.registry.get("ceiling_fan")
    await sim.set_faults("ceiling_fan", latency_ms=FAST.timeout_s * 1000 + 300)
    started = time.perf_counter()
    result = await client.command(fan, "toggle", requested_by="t")  # not idempotent: one try
    assert _only(result) == ("E501", None)
    assert result.outcomes[0].attempts == 1
    assert FAST.timeout_s <= time.perf_counter() - started < FAST.timeout_s + 0.5


def _seed_failing_once(rate: float) -> int:
    """A seed whose first draw fails (< rate) and second passes: one API request each."""
    for seed in range(10_000):
        rng = random.Random(seed)
        if rng.random() < rate <= rng.random():
            return seed
    raise AssertionError("no seed found")


@pytest.mark.asyncio
async def test_idempotent_actions_are_retried_others_not(sim: DeviceSimulator,
                                                         client: DeviceClient) -> None:
    plug = sim.registry.get("coffee_maker_plug")
    seed = _seed_failing_once(0.5)

    await sim.set_faults("coffee_maker_plug", error_rate=0.5, seed=seed)
    result = await client.command(plug, "turn_on", requested_by="t")
    assert result.ok and result.outcomes[0].attempts == 2
    stats = sim.stats("coffee_maker_plug")
    assert (stats.requests, stats.injected_errors) == (2, 1)

    sim.reset_stats()
    await sim.set_faults("coffee_maker_plug", seed=seed)
    result = await client.command(plug, "toggle", requested_by="t")
    assert _only(result) == ("E502", 500)
    assert result.outcomes[0].attempts == 1
    assert sim.stats("coffee_maker_plug").requests == 1

    sim.reset_stats()
    await sim.set_faults("coffee_maker_plug", seed=seed)
    read = await client.state(plug)  # reads are retried too
    assert read.ok and sim.stats("coffee_maker_plug").requests == 2


@pytest.mark.asyncio
async def test_command_many_runs_concurrently_within_the_limit(sim: DeviceSimulator) -> None:
    targets = [d for d in sim.registry if "on_off" in d.capabilities][:6]
    for device in targets:
        await sim.set_faults(device.id, latency_ms=100)
    settings = ClientSettings(timeout_s=1.0, max_concurrency=2)
    async with DeviceClient(settings, tokens=sim.tokens, environ={}) as client:
        result = await client.command_many([Command(d, "turn_on") for d in targets],
                                           requested_by="t")
    assert result.ok and set(result.success) == {d.id for d in targets}
    assert sim.max_in_flight == 2
    assert result.latency_ms >= 280  # 6 x 100 ms, two at a time
    assert result.status_code is None and set(result.response) == set(result.success)


@pytest.mark.asyncio
async def test_mixed_outcome_in_one_result(sim: DeviceSimulator, client: DeviceClient) -> None:
    devices = sim.registry
    await sim.set_faults("hallway_light", down=True)
    result = await client.command_many(
        [Command(devices.get("kitchen_light"), "turn_off"),
         Command(devices.get("hallway_light"), "turn_off")],
        requested_by="user:42",
    )
    assert result.targets == ("kitchen_light", "hallway_light")
    assert result.success == ("kitchen_light",)
    assert [(f.device_id, f.code) for f in result.failed] == [("hallway_light", "E506")]
    assert result.to_dict()["failed"][0]["code"] == "E506"
    assert result.requested_by == "user:42"


@pytest.mark.asyncio
async def test_lifecycle_with_a_session_the_caller_owns(sim: DeviceSimulator) -> None:
    async with aiohttp.ClientSession() as session:
        client = DeviceClient(FAST, tokens=sim.tokens, session=session)
        await client.start()
        assert (await client.state(sim.registry.get("garden_sensor"))).ok
        await client.close()
        assert not session.closed  # the caller's session stays open


@pytest.mark.asyncio
async def test_retries_stop_at_the_call_deadline_and_every_attempt_is_reported(
        sim: DeviceSimulator) -> None:
    """Three attempts of 0.25 s would take 0.75 s and more; the deadline of 0.4 s cuts them."""
    settings = ClientSettings(timeout_s=0.25, attempts=3, backoff_initial_s=0.01,
                              backoff_max_s=0.02, deadline_s=0.4)
    plug = sim.registry.get("coffee_maker_plug")
    await sim.set_faults("coffee_maker_plug", latency_ms=1000)
    async with DeviceClient(settings, tokens=sim.tokens, environ={}) as client:
        started = time.perf_counter()
        result = await client.command(plug, "turn_on", requested_by="t")  # idempotent
        took = time.perf_counter() - started
    [outcome] = result.outcomes
    assert _only(result) == ("E501", None)
    assert took < settings.deadline_s + 0.15, f"took {took:.2f} s"
    assert outcome.attempts == len(outcome.attempt_log) == 2  # 0.25 s, then the 0.15 s left
    assert [a.number for a in outcome.attempt_log] == [1, 2]
    assert {a.error_code for a in outcome.attempt_log} == {"E501"}
    assert outcome.attempt_log[1].latency_ms < outcome.attempt_log[0].latency_ms


@pytest.mark.asyncio
async def test_each_attempt_is_in_the_attempt_log(sim: DeviceSimulator,
                                                  client: DeviceClient) -> None:
    plug = sim.registry.get("coffee_maker_plug")
    await sim.set_faults("coffee_maker_plug", error_rate=0.5, seed=_seed_failing_once(0.5))
    result = await client.command(plug, "turn_on", requested_by="t")
    log = result.outcomes[0].attempt_log
    assert result.ok
    assert [(a.number, a.status_code, a.error_code) for a in log] == [(1, 500, "E502"),
                                                                     (2, 200, None)]
    assert log[0].started_at <= log[1].started_at


@pytest.mark.asyncio
async def test_one_slow_device_does_not_slow_the_others(sim: DeviceSimulator) -> None:
    """Ten calls to a slow device take two turns at most; a healthy device stays fast.

    Before the per-device limit the ten slow calls filled the client-wide limit and the
    healthy call waited for them."""
    settings = ClientSettings(timeout_s=2.0, attempts=1, max_concurrency=8, deadline_s=1.5,
                              per_device_concurrency=2)
    slow, fast = sim.registry.get("ceiling_fan"), sim.registry.get("kitchen_light")
    await sim.set_faults("ceiling_fan", latency_ms=600)
    async with DeviceClient(settings, tokens=sim.tokens, environ={}) as client:
        await client.state(fast)  # connection warm-up, not measured
        slow_calls = [asyncio.create_task(client.command(slow, "toggle", requested_by="t"))
                      for _ in range(10)]
        await asyncio.sleep(0.05)  # the slow calls hold their turns
        started = time.perf_counter()
        healthy = await client.command(fast, "turn_on", requested_by="t")
        healthy_s = time.perf_counter() - started
        slow_results = await asyncio.gather(*slow_calls)
    assert healthy.ok
    assert sim.stats("ceiling_fan").max_in_flight == 2
    codes = [_only(r)[0] or "ok" for r in slow_results]
    # two at a time in 1.5 s: 2 + 2 answer, the next 2 are cut by the deadline (E501), the
    # rest never get a turn (E507); every call ends by its deadline
    assert codes.count("ok") >= 2 and set(codes) <= {"ok", "E501", "E507"}, codes
    assert "E507" in codes, codes
    assert max(r.latency_ms for r in slow_results) < settings.deadline_s * 1000 + 150
    assert healthy_s < 0.6 / 4, f"healthy call took {healthy_s:.3f} s beside a 0.6 s device"
    assert client.breaker_state("ceiling_fan") == "closed"  # busy is not a device failure


@pytest.mark.asyncio
async def test_a_read_that_may_not_queue_reports_a_busy_device_at_once(
        sim: DeviceSimulator) -> None:
    settings = ClientSettings(timeout_s=2.0, attempts=1, deadline_s=2.0, per_device_concurrency=1)
    fan = sim.registry.get("ceiling_fan")
    await sim.set_faults("ceiling_fan", latency_ms=500)
    async with DeviceClient(settings, tokens=sim.tokens, environ={}) as client:
        busy = asyncio.create_task(client.command(fan, "toggle", requested_by="t"))
        await asyncio.sleep(0.1)
        started = time.perf_counter()
        read = await client.state(fan, queue=False)
        took = time.perf_counter() - started
        assert (await busy).ok
    assert _only(read) == ("E507", None) and read.outcomes[0].attempts == 1
    assert took < 0.1, f"took {took:.3f} s"
