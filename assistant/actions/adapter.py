"""The device adapter seam: how a device is reached, chosen per device by ``adapter:`` in
devices.yaml (default ``rest``, the required device API; ``rest.py``).

    adapters = Adapters.for_registry(registry, AdapterOptions(tokens=sim.tokens))
    async with adapters:
        result = await adapters.command(device, "turn_on", requested_by="alice")
        state = await adapters.state(device)

A kind of connection is an ``AdapterKind``: its name, the pydantic model of the device keys
it reads (checked with file:line by ``registry.py``, unknown keys rejected), how those keys
become the frozen ``Device.connection``, and how to build its ``DeviceAdapter``. A new kind
(MQTT, Home Assistant) is one module that defines its kind and adapter, and calls
``register_kind`` (or is listed in ``_BUILTIN`` below).

An adapter answers one device at a time with one ``Outcome`` (failures as values, never
raised); ``Adapters`` sends each device to its adapter and merges the outcomes into one
``ActionResult``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, Self

from pydantic import BaseModel

from assistant.actions._schema import REST_HINTS, RestSpec
from assistant.actions.device import Connection, Device, Registry, RestConnection
from assistant.actions.errors import DeviceCallError
from assistant.actions.result import ActionResult, Command, Failure, Outcome

DEFAULT_ADAPTER = "rest"


@dataclass(frozen=True)
class Health:
    """What an adapter knows of a device without calling it."""

    available: bool  # False: calls are refused without trying (e.g. its circuit is open)
    detail: str  # e.g. "closed", "open", "half_open" for the REST circuit breaker


class DeviceAdapter(Protocol):
    """One kind of device connection. ``send`` and ``read`` never raise for a device's
    failure: it comes back as ``Outcome.failure``."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def send(self, device: Device, action: str, params: Mapping[str, Any] | None = None,
                   *, requested_by: str, idempotent: bool | None = None) -> Outcome:
        """Run ``action`` on the device; ``idempotent`` defaults to the catalogue's."""
        ...

    async def read(self, device: Device, *, requested_by: str = "system",
                   queue: bool = True) -> Outcome:
        """The device's state (``Outcome.response``: ``{"state": {...}, ...}``).
        ``queue=False``: answer busy (E507) at once rather than wait for a turn."""
        ...

    def health(self, device: Device) -> Health: ...


@dataclass(frozen=True)
class AdapterOptions:
    """What every adapter is built with (from the settings)."""

    timeout_s: float = 2.0  # per attempt
    attempts: int = 3  # for idempotent calls
    deadline_s: float = 3.0  # per call, every attempt and wait included
    per_device_concurrency: int = 2  # calls in flight to one device
    tokens: Mapping[str, str] = field(default_factory=dict)  # device id -> token (simulator)


@dataclass(frozen=True)
class AdapterKind:
    name: str  # the ``adapter:`` value in devices.yaml
    spec: type[BaseModel]  # the device keys of this kind (extra keys forbidden)
    connection: Callable[[Any], Connection]  # validated spec -> Device.connection
    build: Callable[[AdapterOptions], DeviceAdapter]
    hints: Mapping[str, str] = field(default_factory=dict)  # key -> how to write it


def _build_rest(options: AdapterOptions) -> DeviceAdapter:
    from assistant.actions.rest import ClientSettings, DeviceClient

    return DeviceClient(ClientSettings(timeout_s=options.timeout_s, attempts=options.attempts,
                                       deadline_s=options.deadline_s,
                                       per_device_concurrency=options.per_device_concurrency),
                        tokens=options.tokens)


_BUILTIN = (
    AdapterKind("rest", RestSpec, lambda spec: RestConnection(spec.endpoint, spec.token_env),
                _build_rest, REST_HINTS),
)
_KINDS: dict[str, AdapterKind] = {kind.name: kind for kind in _BUILTIN}


def register_kind(kind: AdapterKind) -> None:
    """Make ``adapter: <kind.name>`` valid in devices.yaml (a new connection module calls it)."""
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"adapter kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind


def unregister_kind(name: str) -> None:
    if any(kind.name == name for kind in _BUILTIN):
        raise ValueError(f"{name!r} is a built-in adapter kind")
    _KINDS.pop(name, None)


def find_kind(name: str) -> AdapterKind | None:
    return _KINDS.get(name)


def kind_names() -> tuple[str, ...]:
    return tuple(_KINDS)


class Adapters:
    """Every device to its adapter: what the server holds. Started and closed as one."""

    def __init__(self, adapters: Mapping[str, DeviceAdapter]) -> None:
        self._adapters = dict(adapters)

    @classmethod
    def for_registry(cls, registry: Registry, options: AdapterOptions | None = None) -> Adapters:
        """One adapter for each kind the registry's devices use (kinds were checked when
        the registry was loaded)."""
        options = options or AdapterOptions()
        used = dict.fromkeys(d.connection.adapter for d in registry)
        return cls({name: _kind(name).build(options) for name in used})

    def get(self, name: str) -> DeviceAdapter | None:
        return self._adapters.get(name)

    async def start(self) -> None:
        started: list[DeviceAdapter] = []
        try:
            for adapter in self._adapters.values():
                await adapter.start()
                started.append(adapter)
        except BaseException:
            for adapter in reversed(started):
                await adapter.close()
            raise

    async def close(self) -> None:
        for adapter in reversed(list(self._adapters.values())):
            await adapter.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- calls ----------------------------------------------------------------------------

    async def command(self, device: Device, action: str,
                      params: Mapping[str, Any] | None = None, *, requested_by: str,
                      idempotent: bool | None = None) -> ActionResult:
        started = time.perf_counter()
        outcome = await self._send(Command(device, action, _frozen(params)), requested_by,
                                   idempotent)
        return ActionResult(requested_by, (outcome,), _ms(started))

    async def command_many(self, commands: Iterable[Command], *, requested_by: str
                           ) -> ActionResult:
        """Several commands at once (e.g. every light off), concurrently; one merged result."""
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(self._send(c, requested_by, None) for c in commands))
        return ActionResult(requested_by, tuple(outcomes), _ms(started))

    async def state(self, device: Device, *, requested_by: str = "system",
                    queue: bool = True) -> ActionResult:
        started = time.perf_counter()
        adapter = self._adapters.get(device.connection.adapter)
        outcome = (_no_adapter(device, "get_state", MappingProxyType({})) if adapter is None
                   else await adapter.read(device, requested_by=requested_by, queue=queue))
        return ActionResult(requested_by, (outcome,), _ms(started))

    def health(self, device: Device) -> Health:
        adapter = self._adapters.get(device.connection.adapter)
        if adapter is None:
            return Health(False, f"no {device.connection.adapter!r} adapter")
        return adapter.health(device)

    async def _send(self, cmd: Command, requested_by: str, idempotent: bool | None) -> Outcome:
        adapter = self._adapters.get(cmd.device.connection.adapter)
        if adapter is None:
            return _no_adapter(cmd.device, cmd.action, _frozen(cmd.params))
        return await adapter.send(cmd.device, cmd.action, cmd.params, requested_by=requested_by,
                                  idempotent=idempotent)


def _kind(name: str) -> AdapterKind:
    kind = find_kind(name)
    if kind is None:  # a registry built by hand; files are checked at load (E510)
        raise ValueError(f"unknown adapter {name!r}; known: {', '.join(kind_names())}")
    return kind


def _no_adapter(device: Device, action: str, params: Mapping[str, Any]) -> Outcome:
    """A device whose kind has no adapter here (a device of another registry): not called."""
    message = f"{device.id}: no {device.connection.adapter!r} adapter is set up; not called"
    return Outcome(device.id, action, params, Failure(device.id, DeviceCallError.code, message),
                   None, None, 0.0, 0)


def _frozen(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(params or {}))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
