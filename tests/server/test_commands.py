"""POST /api/v1/commands and GET /api/v1/devices against simulated devices, faults included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.actions.registry import load_registry
from assistant.actions.simulator import DeviceSimulator
from assistant.config import Settings
from tests.server._support import ROOT, expect, expect_error, running

pytestmark = pytest.mark.asyncio


async def test_a_command_changes_the_device_and_is_audited(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        resp = await srv.client.post("/api/v1/commands", json={
            "device": "living_room_lamp", "action": "set_brightness",
            "params": {"brightness": 40}})
        body = await resp.json()
        expect(resp.status, 200, f"status ({body})")
        expect((body["ok"], body["reply"]),
               (True, "Set the living room lamp to 40% brightness."), "result")
        expect(srv.simulator.state("living_room_lamp")["brightness"], 40, "lamp brightness")
        calls = await srv.services.storage.list_device_calls(device_id="living_room_lamp")
        expect([(c.action, c.params, c.success, c.status_code) for c in calls],
               [("set_brightness", {"brightness": 40}, True, 200)], "audit log")
        assert calls[0].requested_by.startswith("local:"), calls[0].requested_by


FAULTS: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("down", {"down": True}, 502, "E506", "I can't reach the kitchen light."),
    ("slow", {"latency_ms": 1500}, 504, "E501", "The kitchen light didn't answer in time."),
    ("500", {"error_rate": 1.0}, 502, "E502", "The kitchen light reported an error."),
]


@pytest.mark.parametrize(("fault", "faults", "status", "code", "reply"), FAULTS,
                         ids=[f[0] for f in FAULTS])
async def test_device_faults_are_reported_and_audited(
        make_settings: Callable[..., Settings], fault: str, faults: dict[str, Any], status: int,
        code: str, reply: str) -> None:
    settings = make_settings(device_timeout_s=0.3, device_attempts=2)
    async with running(settings) as srv:
        await srv.simulator.set_faults("kitchen_light", **faults)
        resp = await srv.client.post("/api/v1/commands",
                                     json={"device": "kitchen_light", "action": "turn_on"})
        error = await expect_error(resp, status, code)
        body = await resp.json()
        expect((body["ok"], body["reply"]), (False, reply), f"{fault}: result")
        expect(error["hint"], reply, f"{fault}: error hint")
        expect(srv.simulator.state("kitchen_light")["on"], False, f"{fault}: light state")
        calls = await srv.services.storage.list_device_calls(device_id="kitchen_light")
        expect([(c.success, c.error_code) for c in calls], [(False, code)],
               f"{fault}: audit log")

        listed = await (await srv.client.get("/api/v1/devices")).json()
        kitchen = next(d for d in listed["devices"] if d["id"] == "kitchen_light")
        expect((kitchen["reachable"], kitchen["state"], kitchen["error"]["code"]),
               (False, None, code), f"{fault}: device list entry")


async def test_devices_list_every_device_with_live_state(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        await srv.client.post("/api/v1/commands",
                              json={"device": "hallway_light", "action": "turn_on"})
        body = await (await srv.client.get("/api/v1/devices")).json()
        ids = [d["id"] for d in body["devices"]]
        expect(ids, [d.id for d in load_registry(ROOT / "devices.yaml")], "device ids")
        assert all(d["reachable"] for d in body["devices"]), \
            [d["id"] for d in body["devices"] if not d["reachable"]]
        hallway = next(d for d in body["devices"] if d["id"] == "hallway_light")
        expect(hallway["state"], {"on": True}, "hallway light state")
        reads = [c for c in await srv.services.storage.list_device_calls(limit=1000)
                 if c.action == "get_state"]
        expect(reads, [], "reads of state are not audited actions (issue 15)")
        one = await (await srv.client.get("/api/v1/devices/hallway_light")).json()
        expect(one, hallway, "GET /api/v1/devices/hallway_light")


async def test_a_wrong_device_token_is_reported_and_audited(
        make_settings: Callable[..., Settings], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Real devices (simulate off): endpoints from devices.yaml, tokens from the environment."""
    registry = load_registry(ROOT / "devices.yaml")
    async with DeviceSimulator(registry) as sim:
        raw = yaml.safe_load((ROOT / "devices.yaml").read_text())
        for item in raw["devices"]:
            item["endpoint"] = sim.endpoints[item["id"]]
            token = "wrong-token" if item["id"] == "kitchen_light" else sim.tokens[item["id"]]
            monkeypatch.setenv(item["token_env"], token)
        devices_file = tmp_path / "devices.yaml"
        devices_file.write_text(yaml.safe_dump(raw))
        settings = make_settings(simulate=False, devices_file=devices_file, device_attempts=1)
        async with running(settings) as srv:
            ready = await (await srv.client.get("/ready")).json()
            assert "simulator" not in ready["checks"], ready
            resp = await srv.client.post("/api/v1/commands",
                                         json={"device": "kitchen_light", "action": "turn_on"})
            await expect_error(resp, 502, "E504")
            expect((await resp.json())["reply"], "I'm not allowed to control the kitchen light; "
                   "its access token is wrong or missing.", "reply")
            resp = await srv.client.post("/api/v1/commands",
                                         json={"device": "hallway_light", "action": "turn_on"})
            expect(resp.status, 200, "a device with the right token")
            calls = await srv.services.storage.list_device_calls()
            expect(sorted((c.device_id, c.success, c.error_code, c.status_code) for c in calls),
                   [("hallway_light", True, None, 200), ("kitchen_light", False, "E504", 401)],
                   "audit log")
        expect((sim.state("kitchen_light")["on"], sim.state("hallway_light")["on"]),
               (False, True), "device states")
