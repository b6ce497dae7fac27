"""The bundled devices.yaml: it loads, covers every type, and each name finds its device."""

from __future__ import annotations

import re

import pytest

from assistant.actions.catalogue import DEVICE_TYPES
from assistant.actions.device import Registry, RestConnection
from assistant.actions.resolve import DeviceResolver
from tests.actions.conftest import DEVICES_YAML


def test_covers_every_type(registry: Registry) -> None:
    assert len(registry) >= 12
    assert {d.type for d in registry} == set(DEVICE_TYPES)


def test_endpoints_are_real_device_urls(registry: Registry) -> None:
    connections = [d.connection for d in registry]
    assert all(isinstance(c, RestConnection) for c in connections), connections
    rest = [c for c in connections if isinstance(c, RestConnection)]
    for c in rest:
        assert re.fullmatch(r"http://[a-z0-9-]+:5000", c.endpoint), c.endpoint
    assert len({c.token_env for c in rest}) == len(registry)


@pytest.fixture(scope="module")
def resolver(registry: Registry) -> DeviceResolver:
    return DeviceResolver(registry)


@pytest.mark.parametrize("device_id", [line.split(":", 1)[1].strip()
                                       for line in DEVICES_YAML.read_text().splitlines()
                                       if line.strip().startswith("- id:")])
def test_every_name_and_alias_finds_its_device(resolver: DeviceResolver, registry: Registry,
                                               device_id: str) -> None:
    device = registry.get(device_id)
    for text in (device.name, *device.aliases):
        got = resolver.resolve(text)
        ids = [d.id for d in got.devices]
        assert ids == [device_id], f"{text!r}: expected {device_id}, got {got}"
        assert got.reason == "exact" and not got.ambiguous
