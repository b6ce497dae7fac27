"""Virtual devices speaking the seed's device API, one aiohttp server (and port) each.

    async with DeviceSimulator(registry, host="127.0.0.1", base_port=0) as sim:
        registry = sim.registry            # = registry.with_endpoints(sim.endpoints)
        adapters = Adapters.for_registry(registry, AdapterOptions(tokens=sim.tokens))
        async with adapters: ...

Ports: ``base_port=0`` gives every device an ephemeral port (tests); otherwise device i
(in file order) listens on ``base_port + i``. ``sim.endpoints`` maps id -> base URL, which
callers use in place of the ``http://{device}:5000`` endpoints of ``devices.yaml``.

Every device is simulated as a REST device (``adapter: rest``), whatever its adapter in
devices.yaml; ``sim.registry`` says so.

Tokens: a device accepts ``tokens[id]`` if given, else the value of its ``token_env``
environment variable (``<ID>_TOKEN`` for a device of another adapter), else a generated
token; ``sim.tokens`` has them all and ``sim.generated_tokens`` names the generated ones.

Faults, per device: ``await sim.set_faults(id, latency_ms=..., error_rate=..., down=...,
seed=...)``, or ``POST /_sim/faults`` on the device's own port (same Bearer token).
``error_rate`` draws ``rng.random()`` once per API request (state or command) and answers
500 when the draw is below the rate; ``seed`` reseeds that device's ``random.Random``.
``down`` closes the device's port (connection refused) and reopens the same port later.
``sim.stats(id)`` counts requests, in-flight and max in-flight; ``sim.max_in_flight`` spans
all devices; ``GET /_sim/stats`` shows them over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Self

from assistant.actions._sim_server import DeviceServer, Faults, InFlight, Stats
from assistant.actions._virtual import initial_state
from assistant.actions.device import Registry, token_env
from assistant.actions.errors import SimulatorPortError, UnknownDeviceError
from assistant.actions.registry import load_registry

logger = logging.getLogger(__name__)

DEFAULT_BASE_PORT = 5100


class DeviceSimulator:
    def __init__(
        self,
        registry: Registry,
        *,
        host: str = "127.0.0.1",
        base_port: int = 0,
        tokens: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        seed: int = 0,
        shutdown_timeout_s: float = 0.5,
    ) -> None:
        environ = os.environ if environ is None else environ
        self._registry = registry
        self._base_port = base_port
        self._in_flight = InFlight()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.tokens: dict[str, str] = {}
        generated = []
        for device in registry:
            token = (tokens or {}).get(device.id) or environ.get(token_env(device))
            if not token:
                token = secrets.token_urlsafe(18)
                generated.append(device.id)
            self.tokens[device.id] = token
        self.generated_tokens = frozenset(generated)
        self._servers = {
            device.id: DeviceServer(
                device, self.tokens[device.id], host=host,
                port=base_port + i if base_port else 0, seed=seed,
                in_flight=self._in_flight, shutdown_timeout_s=shutdown_timeout_s,
            )
            for i, device in enumerate(registry)
        }
        for server in self._servers.values():
            server.on_control = self._control

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        for server in self._servers.values():
            try:
                await server.start()
            except OSError as exc:
                await self.close()
                raise SimulatorPortError(
                    f"cannot listen on {server.host}:{server.port} for {server.device.id}: {exc}",
                    hint="choose another base port (every device needs base_port + index free)",
                ) from None
        logger.info("simulating %d devices on %s", len(self._servers),
                    ", ".join(f"{i}={u}" for i, u in self.endpoints.items()))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(s.stop() for s in self._servers.values()))

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- what callers need ----------------------------------------------------------------

    @property
    def endpoints(self) -> dict[str, str]:
        """Device id -> base URL on 127.0.0.1 (valid once started)."""
        return {i: s.url for i, s in self._servers.items()}

    @property
    def registry(self) -> Registry:
        """The registry with every endpoint pointing at this simulator."""
        return self._registry.with_endpoints(self.endpoints)

    def summary(self) -> list[str]:
        """One line per device: id, URL, and where its token comes from (for a CLI)."""
        lines = []
        for device_id, server in self._servers.items():
            if device_id in self.generated_tokens:
                source = f"generated token {self.tokens[device_id]}"
            else:
                source = f"token from ${token_env(server.device)}"
            lines.append(f"{device_id:<24} {server.url:<26} {source}")
        return lines

    # -- faults and counters --------------------------------------------------------------

    async def set_faults(
        self,
        device_id: str,
        *,
        latency_ms: float | None = None,
        error_rate: float | None = None,
        down: bool | None = None,
        seed: int | None = None,
    ) -> Faults:
        """Change one device's faults (None leaves a setting as it is); returns them."""
        server = self._server(device_id)
        server.set_faults(latency_ms=latency_ms, error_rate=error_rate, seed=seed)
        if down is not None:
            await self._set_down(server, down)
        return server.faults

    def faults(self, device_id: str) -> Faults:
        return self._server(device_id).faults

    def stats(self, device_id: str) -> Stats:
        stats = self._server(device_id).stats
        return replace(stats, actions=stats.actions.copy())

    @property
    def max_in_flight(self) -> int:
        return self._in_flight.max

    def reset_stats(self) -> None:
        for server in self._servers.values():
            server.stats = Stats(in_flight=server.stats.in_flight,
                                 max_in_flight=server.stats.in_flight)
        self._in_flight.max = self._in_flight.now

    def state(self, device_id: str) -> dict[str, Any]:
        return self._server(device_id).virtual.snapshot()

    def reset_states(self) -> None:
        """Every simulated device back to its initial state (tests, demos)."""
        for server in self._servers.values():
            server.virtual.state = initial_state(server.virtual.device)

    # -- internals ------------------------------------------------------------------------

    def _server(self, device_id: str) -> DeviceServer:
        try:
            return self._servers[device_id]
        except KeyError:
            raise UnknownDeviceError(f"the simulator has no device {device_id!r}",
                                     hint=f"use one of: {', '.join(self._servers)}") from None

    async def _set_down(self, server: DeviceServer, down: bool) -> None:
        server.faults = replace(server.faults, down=down)
        if down and server.running:
            await server.stop()
        elif not down and not server.running:
            await server.start()

    async def _control(self, device_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_sim/faults``. Going down is deferred: this request must answer first."""
        server = self._server(device_id)
        for key in ("latency_ms", "error_rate", "down_for_s"):
            value = body.get(key)
            if key in body and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise TypeError(f"{key} must be a number, got {body[key]!r}")
        if "seed" in body and not isinstance(body["seed"], int):
            raise TypeError(f"seed must be an integer, got {body['seed']!r}")
        if "down" in body and not isinstance(body["down"], bool):
            raise TypeError(f"down must be true or false, got {body['down']!r}")
        server.set_faults(latency_ms=body.get("latency_ms"), error_rate=body.get("error_rate"),
                          seed=body.get("seed"))
        if body.get("down"):
            self._spawn(self._down_for(server, body.get("down_for_s")))
            return {**asdict(server.faults), "down": True}
        return asdict(server.faults)

    async def _down_for(self, server: DeviceServer, seconds: float | None) -> None:
        await self._set_down(server, True)
        if seconds is not None:
            await asyncio.sleep(seconds)
            await self._set_down(server, False)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def serve_simulator(
    registry: Registry,
    base_port: int = DEFAULT_BASE_PORT,
    *,
    host: str = "127.0.0.1",
    on_ready: Callable[[DeviceSimulator], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set, or SIGINT/SIGTERM."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with DeviceSimulator(registry, host=host, base_port=base_port) as sim:
            if on_ready is not None:
                on_ready(sim)
            await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


def run_simulator(
    registry_path: str | Path,
    base_port: int = DEFAULT_BASE_PORT,
    *,
    host: str = "127.0.0.1",
    on_ready: Callable[[DeviceSimulator], None] | None = None,
) -> None:
    """Blocking entry point for ``assistant devices simulate``: load the registry, serve every
    device on ``host:base_port + index`` until Ctrl-C. ``on_ready`` gets the running
    simulator (print ``sim.summary()`` there)."""
    registry = load_registry(registry_path)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_simulator(registry, base_port, host=host, on_ready=on_ready))
