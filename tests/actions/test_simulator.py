"""The simulator over real HTTP on 127.0.0.1, without the client: the wire format itself."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from assistant.actions.device import Registry
from assistant.actions.errors import SimulatorPortError, UnknownDeviceError
from assistant.actions.simulator import DeviceSimulator, serve_simulator


def _auth(sim: DeviceSimulator, device_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.tokens[device_id]}"}


@pytest.mark.asyncio
async def test_api_answers_and_errors_are_json(sim: DeviceSimulator) -> None:
    url = sim.endpoints["kitchen_light"]
    assert url.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/api/v1/state") as resp:
            assert resp.status == 401
            assert (await resp.json())["error"]["code"] == "unauthorized"
        headers = _auth(sim, "kitchen_light")
        cases = [
            ({"action": "explode"}, 400, "unknown_action"),
            ({"action": "lock"}, 400, "unsupported_action"),
            ({"action": "set_brightness", "brightness": 101}, 422, "invalid_params"),
            ({"action": "set_brightness", "level": 5}, 422, "invalid_params"),
            ({"action": "set_color", "color": "plaid"}, 422, "invalid_params"),
            ({"brightness": 5}, 400, "bad_request"),
        ]
        for body, status, code in cases:
            async with http.post(f"{url}/api/v1/command", json=body, headers=headers) as resp:
                payload = await resp.json()
                assert (resp.status, payload["error"]["code"]) == (status, code), (body, payload)
                assert payload["error"]["message"]
        async with http.post(f"{url}/api/v1/command", headers=headers,
                             json={"action": "set_color", "rgb": [0, 0, 255]}) as resp:
            assert resp.status == 200
            assert (await resp.json())["state"]["color"]["rgb"] == [0, 0, 255]
        async with http.get(f"{url}/api/v1/state", headers=headers) as resp:
            body = await resp.json()
    expected = {"device_id": "kitchen_light", "type": "light", "state": sim.state("kitchen_light")}
    assert body == expected
    assert body["state"]["on"] is True


@pytest.mark.asyncio
async def test_sensor_only_reports(sim: DeviceSimulator) -> None:
    url = sim.endpoints["garden_sensor"]
    async with aiohttp.ClientSession() as http, http.post(
            f"{url}/api/v1/command", json={"action": "turn_on"},
            headers=_auth(sim, "garden_sensor")) as resp:
        assert resp.status == 400
    assert set(sim.state("garden_sensor")) == {"temperature", "humidity"}


@pytest.mark.asyncio
async def test_fault_control_endpoint_takes_the_device_down_and_back(sim: DeviceSimulator) -> None:
    url = sim.endpoints["office_plug"]
    headers = _auth(sim, "office_plug")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/_sim/faults", json={"latency_ms": 5, "error_rate": "lots"},
                             headers=headers) as resp:
            assert resp.status == 422
        control = {"latency_ms": 5, "down": True, "down_for_s": 0.5}
        async with http.post(f"{url}/_sim/faults", json=control, headers=headers) as resp:
            assert resp.status == 200
            assert (await resp.json())["faults"]["down"] is True
        await asyncio.sleep(0.05)
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(f"{url}/api/v1/state", headers=headers) as resp:
                pass
        await asyncio.sleep(0.6)
        async with http.get(f"{url}/api/v1/state", headers=headers) as resp:
            assert resp.status == 200
        async with http.get(f"{url}/_sim/stats", headers=headers) as resp:
            stats = await resp.json()
    assert stats["faults"] == {"latency_ms": 5.0, "error_rate": 0.0, "down": False}
    assert stats["stats"]["state_reads"] == 1
    assert sim.endpoints["office_plug"] == url  # same port after coming back


def test_ports_and_tokens(registry: Registry) -> None:
    sim = DeviceSimulator(registry, base_port=5100, environ={"KITCHEN_LIGHT_TOKEN": "from-env"})
    ports = [int(url.rsplit(":", 1)[1]) for url in sim.endpoints.values()]
    assert ports == list(range(5100, 5100 + len(registry)))
    assert sim.tokens["kitchen_light"] == "from-env"
    assert "kitchen_light" not in sim.generated_tokens
    assert "garage_door" in sim.generated_tokens and len(sim.tokens["garage_door"]) >= 20
    assert len(sim.summary()) == len(registry)
    with pytest.raises(UnknownDeviceError):
        sim.faults("toaster")


@pytest.mark.asyncio
async def test_serve_simulator_runs_until_stopped(registry: Registry) -> None:
    stop = asyncio.Event()
    seen: dict[str, str] = {}

    def ready(sim: DeviceSimulator) -> None:
        seen.update(sim.endpoints)
        stop.set()

    await asyncio.wait_for(serve_simulator(registry, 0, on_ready=ready, stop=stop), timeout=5)
    assert set(seen) == {d.id for d in registry}


@pytest.mark.asyncio
async def test_a_taken_port_is_a_clear_error(sim: DeviceSimulator, registry: Registry) -> None:
    taken = int(sim.endpoints[registry.devices[0].id].rsplit(":", 1)[1])
    with pytest.raises(SimulatorPortError) as info:
        async with DeviceSimulator(registry, base_port=taken, environ={}):
            pass
    assert info.value.code == "E520" and str(taken) in info.value.message


@pytest.mark.asyncio
async def test_reset_states_restores_the_initial_home(sim: DeviceSimulator) -> None:
    before = sim.state("kitchen_light")
    async with aiohttp.ClientSession() as http, http.post(
            f"{sim.endpoints['kitchen_light']}/api/v1/command",
            json={"action": "toggle"}, headers=_auth(sim, "kitchen_light")) as resp:
        assert resp.status == 200
    assert sim.state("kitchen_light")["on"] != before["on"]
    sim.reset_states()
    assert sim.state("kitchen_light") == before
