"""The HTTP server of one simulated device: the seed's device API, plus fault injection."""

from __future__ import annotations

import asyncio
import hmac
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from aiohttp import web

from assistant.actions._virtual import Rejection, VirtualDevice
from assistant.actions.device import Device


@dataclass(frozen=True)
class Faults:
    latency_ms: float = 0.0  # added before every API answer
    error_rate: float = 0.0  # fraction of API requests answered 500 (seeded RNG)
    down: bool = False  # the port is closed: connection refused


@dataclass
class Stats:
    requests: int = 0  # API requests (command + state), counted on arrival
    commands: int = 0
    state_reads: int = 0
    injected_errors: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    actions: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["actions"] = dict(self.actions)
        return out


@dataclass
class InFlight:
    """Requests being handled across all devices of one simulator."""

    now: int = 0
    max: int = 0


_SERVER: web.AppKey[DeviceServer] = web.AppKey("device_server")


class DeviceServer:
    def __init__(self, device: Device, token: str, *, host: str, port: int, seed: int,
                 in_flight: InFlight, shutdown_timeout_s: float) -> None:
        self.device = device
        self.token = token
        self.host = host
        self.port = port  # 0 until first bound when ephemeral; then kept across down/up
        self.virtual = VirtualDevice(device)
        self.faults = Faults()
        self.stats = Stats()
        self.rng = random.Random(f"{seed}:{device.id}")
        self._in_flight = in_flight
        self._shutdown_timeout_s = shutdown_timeout_s
        self._runner: web.AppRunner | None = None
        # set by the simulator: handles POST /_sim/faults, returns the faults now in force
        self.on_control: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        app = web.Application()
        app[_SERVER] = self
        app.router.add_post("/api/v1/command", _command)
        app.router.add_get("/api/v1/state", _state)
        app.router.add_post("/_sim/faults", _faults)
        app.router.add_get("/_sim/stats", _stats)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                               shutdown_timeout=self._shutdown_timeout_s)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def set_faults(self, *, latency_ms: float | None, error_rate: float | None,
                   seed: int | None) -> None:
        if latency_ms is not None:
            if not 0 <= latency_ms <= 60_000:
                raise ValueError(f"latency_ms must be 0-60000, got {latency_ms!r}")
            self.faults = replace(self.faults, latency_ms=float(latency_ms))
        if error_rate is not None:
            if not 0 <= error_rate <= 1:
                raise ValueError(f"error_rate must be 0-1, got {error_rate!r}")
            self.faults = replace(self.faults, error_rate=float(error_rate))
        if seed is not None:
            self.rng = random.Random(seed)

    def authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return hmac.compare_digest(header.encode(), f"Bearer {self.token}".encode())

    def enter(self) -> None:
        self.stats.requests += 1
        self.stats.in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        self._in_flight.now += 1
        self._in_flight.max = max(self._in_flight.max, self._in_flight.now)

    def leave(self) -> None:
        self.stats.in_flight -= 1
        self._in_flight.now -= 1


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def _faulty(srv: DeviceServer, request: web.Request) -> web.Response | None:
    """Latency, injected 500s and the token check, shared by both API routes."""
    if srv.faults.latency_ms:
        await asyncio.sleep(srv.faults.latency_ms / 1000)
    if srv.faults.error_rate > 0 and srv.rng.random() < srv.faults.error_rate:
        srv.stats.injected_errors += 1
        return _error(500, "internal_error", "simulated device fault")
    if not srv.authorised(request):
        return _error(401, "unauthorized", "missing or wrong Bearer token")
    return None


async def _command(request: web.Request) -> web.Response:
    srv = request.app[_SERVER]
    srv.enter()
    try:
        srv.stats.commands += 1
        failed = await _faulty(srv, request)
        if failed is not None:
            return failed
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return _error(400, "bad_request", 'body must be JSON: {"action": ..., ...}')
        if not isinstance(body, dict) or "action" not in body:
            return _error(400, "bad_request", 'body must be a JSON object with an "action"')
        action = body.pop("action")
        srv.stats.actions[str(action)] += 1
        try:
            state = srv.virtual.apply(action, body)
        except Rejection as exc:
            return _error(exc.status, exc.code, exc.message)
        return web.json_response(
            {"ok": True, "device_id": srv.device.id, "action": action, "state": state}
        )
    finally:
        srv.leave()


async def _state(request: web.Request) -> web.Response:
    srv = request.app[_SERVER]
    srv.enter()
    try:
        srv.stats.state_reads += 1
        failed = await _faulty(srv, request)
        if failed is not None:
            return failed
        return web.json_response(
            {"device_id": srv.device.id, "type": srv.device.type, "state": srv.virtual.snapshot()}
        )
    finally:
        srv.leave()


async def _faults(request: web.Request) -> web.Response:
    """``{"latency_ms": 300, "error_rate": 0.2, "seed": 7, "down": true, "down_for_s": 10}``;
    going down happens after this answer; without ``down_for_s`` it stays down until
    ``DeviceSimulator.set_faults(..., down=False)`` or a restart."""
    srv = request.app[_SERVER]
    if not srv.authorised(request):
        return _error(401, "unauthorized", "missing or wrong Bearer token")
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    allowed = {"latency_ms", "error_rate", "seed", "down", "down_for_s"}
    if not isinstance(body, dict) or set(body) - allowed:
        return _error(400, "bad_request",
                      f"body must be a JSON object with keys from {sorted(allowed)}")
    if srv.on_control is None:
        return _error(501, "not_supported", "fault control is not wired")
    try:
        faults = await srv.on_control(srv.device.id, body)
    except (TypeError, ValueError) as exc:
        return _error(422, "invalid_params", str(exc))
    return web.json_response({"device_id": srv.device.id, "faults": faults})


async def _stats(request: web.Request) -> web.Response:
    srv = request.app[_SERVER]
    if not srv.authorised(request):
        return _error(401, "unauthorized", "missing or wrong Bearer token")
    return web.json_response({"device_id": srv.device.id, "faults": asdict(srv.faults),
                              "stats": srv.stats.to_dict()})
