"""The device adapter seam: ``adapter:`` in devices.yaml picks how a device is reached.

A new kind of connection is one module: here an in-test ``memory`` kind (a fake, in a unit
test of the seam) is registered, a registry with a ``memory`` device and a REST device is
loaded from YAML, and ``Adapters`` drives each through its own adapter (the REST one against
the real simulator)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ConfigDict, Field

from assistant.actions.adapter import (
    AdapterKind,
    AdapterOptions,
    Adapters,
    Health,
    find_kind,
    register_kind,
    unregister_kind,
)
from assistant.actions.device import Device, RestConnection
from assistant.actions.errors import RegistryValidationError
from assistant.actions.registry import parse_registry
from assistant.actions.result import Command, Outcome
from assistant.actions.simulator import DeviceSimulator

pytestmark = pytest.mark.asyncio


# -- an in-test adapter kind: all of it is what a new connection module would hold ---------


class MemorySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str = Field(pattern=r"^[a-z/]+$")


@dataclass(frozen=True)
class MemoryConnection:
    address: str
    adapter: ClassVar[str] = "memory"


class MemoryAdapter:
    """Devices held in a dict: state per device id; every call is recorded."""

    def __init__(self, options: AdapterOptions) -> None:
        self.options = options
        self.states: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self.started = self.closed = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True

    async def send(self, device: Device, action: str, params: Mapping[str, Any] | None = None,
                   *, requested_by: str, idempotent: bool | None = None) -> Outcome:
        assert isinstance(device.connection, MemoryConnection)
        self.calls.append((device.connection.address, action, requested_by, dict(params or {})))
        state = self.states.setdefault(device.id, {"on": False})
        state["on"] = action == "turn_on"
        return Outcome(device.id, action, dict(params or {}), None, None, {"ok": True}, 0.1, 1)

    async def read(self, device: Device, *, requested_by: str = "system",
                   queue: bool = True) -> Outcome:
        state = self.states.get(device.id, {"on": False})
        return Outcome(device.id, "get_state", {}, None, None, {"state": dict(state)}, 0.1, 1)

    def health(self, device: Device) -> Health:
        return Health(True, "in memory")


MEMORY = AdapterKind("memory", MemorySpec, lambda spec: MemoryConnection(spec.address),
                     MemoryAdapter, {"address": "a path such as home/lamp"})


@pytest.fixture
def memory_kind() -> Iterator[AdapterKind]:
    register_kind(MEMORY)
    try:
        yield MEMORY
    finally:
        unregister_kind(MEMORY.name)


MIXED = """\
version: 1
devices:
  - id: kitchen_light
    name: kitchen light
    room: kitchen
    type: light
    capabilities: [on_off]
    endpoint: http://kitchen-light:5000
    token_env: KITCHEN_LIGHT_TOKEN
  - id: attic_lamp
    name: attic lamp
    room: attic
    type: light
    capabilities: [on_off]
    adapter: memory
    address: home/attic/lamp
"""


# -- loading --------------------------------------------------------------------------------


async def test_a_registered_kind_is_valid_in_devices_yaml(memory_kind: AdapterKind) -> None:
    registry = parse_registry(MIXED, source="mixed.yaml")
    assert registry.get("attic_lamp").connection == MemoryConnection("home/attic/lamp")
    assert registry.get("kitchen_light").connection == RestConnection(
        "http://kitchen-light:5000", "KITCHEN_LIGHT_TOKEN")  # no `adapter:` -> rest


async def test_an_explicit_rest_adapter_is_the_same_as_none() -> None:
    plain = parse_registry(MIXED.split("  - id: attic_lamp")[0], source="a.yaml")
    explicit = parse_registry(MIXED.split("  - id: attic_lamp")[0].replace(
        "    endpoint:", "    adapter: rest\n    endpoint:"), source="b.yaml")
    assert explicit.devices == plain.devices


async def test_an_unknown_adapter_is_e510_listing_the_known_ones() -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_registry(MIXED, source="mixed.yaml")  # memory is not registered here
    assert info.value.code == "E510"
    [problem] = info.value.problems
    assert (problem.where, problem.message) == (
        "mixed.yaml:15", "device #2 (attic_lamp): unknown adapter 'memory'")
    assert "one of: rest" in problem.hint, problem.hint


async def test_a_device_gets_only_its_adapters_keys(memory_kind: AdapterKind) -> None:
    text = MIXED.replace("    address: home/attic/lamp\n",
                         "    endpoint: http://attic:5000\n    token_env: ATTIC_TOKEN\n")
    with pytest.raises(RegistryValidationError) as info:
        parse_registry(text, source="m.yaml")
    got = [(p.where, p.message) for p in info.value.problems]
    assert got == [("m.yaml:10", "device #2 (attic_lamp): missing key 'address'"),
                   ("m.yaml:16", "device #2 (attic_lamp): unknown key 'endpoint'"),
                   ("m.yaml:17", "device #2 (attic_lamp): unknown key 'token_env'")], got
    hints = [p.hint for p in info.value.problems]
    assert "a path such as home/lamp" in hints[0], hints
    assert "address" in hints[1], hints  # the keys a memory device may have


async def test_a_bad_value_of_an_adapters_key_has_its_line(memory_kind: AdapterKind) -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_registry(MIXED.replace("home/attic/lamp", "Home Attic"), source="m.yaml")
    [problem] = info.value.problems
    assert (problem.where, problem.message.split(":")[0]) == (
        "m.yaml:16", "device #2 (attic_lamp)"), problem
    assert "address" in problem.message and "home/lamp" in problem.hint, problem


async def test_registering_a_taken_name_is_refused(memory_kind: AdapterKind) -> None:
    rest = find_kind("rest")
    assert rest is not None
    with pytest.raises(ValueError, match="already registered"):
        register_kind(AdapterKind("memory", MemorySpec, MemoryConnection, MemoryAdapter))
    with pytest.raises(ValueError, match="built-in"):
        unregister_kind("rest")


# -- driving devices ------------------------------------------------------------------------


async def test_each_device_is_driven_through_its_own_adapter(memory_kind: AdapterKind) -> None:
    registry = parse_registry(MIXED, source="mixed.yaml")
    async with DeviceSimulator(registry.with_endpoints({}), environ={},
                               shutdown_timeout_s=0.2) as sim:
        moved = registry.with_endpoints({"kitchen_light": sim.endpoints["kitchen_light"]})
        adapters = Adapters.for_registry(moved, AdapterOptions(tokens=sim.tokens))
        memory = adapters.get("memory")
        assert isinstance(memory, MemoryAdapter)
        async with adapters:
            assert memory.started
            lamp, light = moved.get("attic_lamp"), moved.get("kitchen_light")
            result = await adapters.command_many(
                [Command(lamp, "turn_on"), Command(light, "turn_on")], requested_by="alice")
            assert (result.success, result.failed) == (("attic_lamp", "kitchen_light"), ())
            assert memory.calls == [("home/attic/lamp", "turn_on", "alice", {})]
            assert sim.state("kitchen_light")["on"] is True  # over HTTP, by the rest adapter
            read = await adapters.state(lamp, requested_by="alice")
            assert read.response == {"state": {"on": True}}
            assert adapters.health(lamp) == Health(True, "in memory")
            assert adapters.health(light) == Health(True, "closed")
        assert memory.closed


async def test_only_the_kinds_in_use_are_built(registry: Any) -> None:
    adapters = Adapters.for_registry(registry)
    assert adapters.get("rest") is not None and adapters.get("memory") is None


async def test_a_device_of_a_kind_not_set_up_fails_as_a_value(memory_kind: AdapterKind) -> None:
    lamp = parse_registry(MIXED, source="mixed.yaml").get("attic_lamp")
    async with Adapters({}) as adapters:
        result = await adapters.command(lamp, "turn_on", requested_by="t")
        read = await adapters.state(lamp)
    assert [(f.device_id, f.code) for f in result.failed] == [("attic_lamp", "E500")]
    assert (read.ok, read.outcomes[0].attempts) == (False, 0)
    assert adapters.health(lamp).available is False
