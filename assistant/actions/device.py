"""The device registry as the rest of the code sees it: frozen values, loaded once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar, Protocol

from assistant.actions.catalogue import actions_for
from assistant.actions.errors import UnknownDeviceError


class Connection(Protocol):
    """How a device is reached: the adapter kind's own settings (``adapter.py``)."""

    @property
    def adapter(self) -> str:
        """The ``adapter:`` name in devices.yaml, e.g. ``rest``."""
        ...


@dataclass(frozen=True)
class RestConnection:
    """The required device API (``adapter: rest``, the default)."""

    endpoint: str  # base URL, e.g. "http://kitchen-light:5000" (no trailing slash)
    token_env: str  # name of the environment variable holding the Bearer token
    adapter: ClassVar[str] = "rest"


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    room: str
    type: str
    capabilities: tuple[str, ...]
    connection: Connection  # which adapter reaches it, and that adapter's settings
    aliases: tuple[str, ...] = ()

    @property
    def actions(self) -> tuple[str, ...]:
        return actions_for(self.type, self.capabilities)

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    def accepts(self, action: str) -> bool:
        return action in self.actions


@dataclass(frozen=True)
class Registry:
    """Every known device, in file order. ``source`` is the file it came from, for messages."""

    devices: tuple[Device, ...]
    source: str = "<memory>"

    def __iter__(self) -> Iterator[Device]:
        return iter(self.devices)

    def __len__(self) -> int:
        return len(self.devices)

    def find(self, device_id: str) -> Device | None:
        return next((d for d in self.devices if d.id == device_id), None)

    def get(self, device_id: str) -> Device:
        device = self.find(device_id)
        if device is None:
            known = ", ".join(d.id for d in self.devices)
            raise UnknownDeviceError(
                f"no device with id {device_id!r} in {self.source}",
                hint=f"use one of: {known}",
            )
        return device

    @property
    def rooms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.room for d in self.devices))

    def with_endpoints(self, endpoints: Mapping[str, str]) -> Registry:
        """A copy whose listed devices are REST devices at other base URLs
        (``DeviceSimulator.endpoints``), whatever adapter they had; a device's token
        variable is kept when it has one, else ``<ID>_TOKEN``."""
        unknown = sorted(set(endpoints) - {d.id for d in self.devices})
        if unknown:
            raise UnknownDeviceError(
                f"endpoints given for unknown device(s) {', '.join(unknown)}",
                hint=f"use ids from {self.source}",
            )
        devices = tuple(
            replace(d, connection=RestConnection(endpoints[d.id].rstrip("/"), token_env(d)))
            if d.id in endpoints else d
            for d in self.devices
        )
        return replace(self, devices=devices)


def token_env(device: Device) -> str:
    """The environment variable of the device's token: its own (REST), else ``<ID>_TOKEN``."""
    connection = device.connection
    if isinstance(connection, RestConnection):
        return connection.token_env
    return "".join(c if c.isalnum() else "_" for c in device.id).upper() + "_TOKEN"
