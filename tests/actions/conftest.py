"""Fixtures for the device layer: the bundled registry, and a real simulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from assistant.actions.device import Registry
from assistant.actions.registry import load_registry
from assistant.actions.rest import ClientSettings, DeviceClient
from assistant.actions.simulator import DeviceSimulator

DEVICES_YAML = Path(__file__).resolve().parents[2] / "devices.yaml"

# short everything, so failure paths run in milliseconds
FAST = ClientSettings(
    timeout_s=0.25,
    attempts=3,
    backoff_initial_s=0.01,
    backoff_max_s=0.04,
    breaker_threshold=3,
    breaker_recovery_s=0.3,
    max_concurrency=8,
)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry(DEVICES_YAML)


@pytest_asyncio.fixture
async def sim(registry: Registry) -> AsyncIterator[DeviceSimulator]:
    async with DeviceSimulator(registry, environ={}, shutdown_timeout_s=0.2) as simulator:
        yield simulator


@pytest_asyncio.fixture
async def client(sim: DeviceSimulator) -> AsyncIterator[DeviceClient]:
    async with DeviceClient(FAST, tokens=sim.tokens, environ={}) as device_client:
        yield device_client
