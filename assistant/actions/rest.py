"""The device adapter for the seed's REST API (``adapter: rest``, the default; see
``adapter.py`` for the seam). A device's ``connection`` is a ``RestConnection``.

    POST {endpoint}/api/v1/command   Authorization: Bearer <token>   {"action": ..., **params}
    GET  {endpoint}/api/v1/state     Authorization: Bearer <token>

One ``aiohttp.ClientSession`` per client, opened and closed by the caller's lifecycle
(``async with DeviceClient(...)`` or ``start()`` / ``close()``; or pass a session you own).
Each HTTP attempt has a timeout and each call an overall deadline (attempts, backoff and
waiting for a turn together); idempotent calls (state reads, ``turn_on``, ``set_*``... see
``catalogue.ACTIONS``) are retried with exponential backoff on timeouts, 5xx and refused
connections while the deadline allows; each device has a circuit breaker and its own limit
of requests in flight (so one slow device cannot take every turn), and a client-wide
semaphore caps the total. Every attempt is reported (``Outcome.attempt_log``).
Device failures come back as values (``ActionResult.failed``), never as exceptions.

As a ``DeviceAdapter``: ``send`` / ``read`` answer one ``Outcome``, ``health`` the device's
circuit; ``command`` / ``command_many`` / ``state`` answer an ``ActionResult`` (as
``adapter.Adapters`` does for every kind).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Self

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential,
    wait_random,
)

from assistant.actions._breaker import DeviceBreaker
from assistant.actions.adapter import Health
from assistant.actions.catalogue import is_idempotent
from assistant.actions.device import Device, RestConnection
from assistant.actions.errors import (
    CircuitOpenError,
    DeviceBusyError,
    DeviceCallError,
    DeviceRejectedError,
    DeviceServerError,
    DeviceTimeoutError,
    DeviceUnauthorizedError,
    DeviceUnreachableError,
)
from assistant.actions.result import ActionResult, Attempt, Command, Failure, Outcome

logger = logging.getLogger(__name__)

COMMAND_PATH = "/api/v1/command"
STATE_PATH = "/api/v1/state"
STATE_ACTION = "get_state"


@dataclass(frozen=True)
class ClientSettings:
    timeout_s: float = 2.0  # per HTTP attempt
    attempts: int = 3  # for idempotent calls; others get exactly one
    backoff_initial_s: float = 0.2  # then doubled per retry, plus jitter up to this much
    backoff_max_s: float = 2.0
    breaker_threshold: int = 5  # consecutive failed calls that open a device's circuit
    breaker_recovery_s: float = 30.0  # open -> half-open after this long
    max_concurrency: int = 8  # HTTP requests in flight across all devices
    deadline_s: float = 3.0  # per call: every attempt, backoff and wait for a turn together
    per_device_concurrency: int = 2  # HTTP requests in flight to one device

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.attempts < 1 or self.max_concurrency < 1:
            raise ValueError("timeout_s > 0, attempts >= 1 and max_concurrency >= 1 are required")
        if self.deadline_s <= 0 or self.per_device_concurrency < 1:
            raise ValueError("deadline_s > 0 and per_device_concurrency >= 1 are required")
        if self.breaker_threshold < 1 or self.breaker_recovery_s <= 0:
            raise ValueError("breaker_threshold >= 1 and breaker_recovery_s > 0 are required")


class DeviceClient:
    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        tokens: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        """``tokens`` (device id -> token) win over ``environ[device.token_env]``
        (default ``os.environ``). A ``session`` passed in is used and left open."""
        self._settings = settings or ClientSettings()
        self._tokens = dict(tokens or {})
        self._environ = os.environ if environ is None else environ
        self._session = session
        self._owns_session = session is None
        self._limit = asyncio.Semaphore(self._settings.max_concurrency)
        self._device_limits: dict[str, asyncio.Semaphore] = {}
        self._breakers: dict[str, DeviceBreaker] = {}

    @property
    def settings(self) -> ClientSettings:
        return self._settings

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def breaker_state(self, device_id: str) -> str:
        """ "closed", "open" or "half_open"."""
        breaker = self._breakers.get(device_id)
        return "closed" if breaker is None else str(breaker.state)

    def health(self, device: Device) -> Health:
        state = self.breaker_state(device.id)
        return Health(state != "open", state)

    # -- the adapter's calls: one device, one outcome -------------------------------------

    async def send(self, device: Device, action: str, params: Mapping[str, Any] | None = None,
                   *, requested_by: str, idempotent: bool | None = None) -> Outcome:
        return await self._command(Command(device, action, _frozen(params)), requested_by,
                                   idempotent)

    async def read(self, device: Device, *, requested_by: str = "system",
                   queue: bool = True) -> Outcome:
        return await self._call(device, STATE_ACTION, MappingProxyType({}), "GET", STATE_PATH,
                                None, requested_by, True, queue)

    # -- calls ----------------------------------------------------------------------------

    async def command(
        self,
        device: Device,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        requested_by: str,
        idempotent: bool | None = None,
    ) -> ActionResult:
        """Send one action. ``idempotent`` defaults to what the catalogue declares."""
        started = time.perf_counter()
        outcome = await self._command(Command(device, action, _frozen(params)), requested_by,
                                      idempotent)
        return ActionResult(requested_by, (outcome,), _ms(started))

    async def command_many(self, commands: Iterable[Command], *, requested_by: str) -> ActionResult:
        """Several commands at once (e.g. every light off), concurrently; one merged result."""
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(self._command(c, requested_by, None) for c in commands))
        return ActionResult(requested_by, tuple(outcomes), _ms(started))

    async def state(self, device: Device, *, requested_by: str = "system",
                    queue: bool = True) -> ActionResult:
        """The device's state (``result.response``); a read, so it is retried.

        ``queue=False``: a device that already has its limit of calls in flight is not
        waited for (E507 at once), so a list of every device is not held up by a busy one."""
        started = time.perf_counter()
        outcome = await self.read(device, requested_by=requested_by, queue=queue)
        return ActionResult(requested_by, (outcome,), _ms(started))

    async def _command(self, cmd: Command, requested_by: str, idempotent: bool | None) -> Outcome:
        retry = is_idempotent(cmd.action) if idempotent is None else idempotent
        params = _frozen(cmd.params)
        body = {"action": cmd.action, **{k: v for k, v in params.items() if k != "action"}}
        return await self._call(cmd.device, cmd.action, params, "POST", COMMAND_PATH, body,
                                requested_by, retry)

    async def _call(
        self,
        device: Device,
        action: str,
        params: Mapping[str, Any],
        method: str,
        path: str,
        body: dict[str, Any] | None,
        requested_by: str,
        retry: bool,
        queue: bool = True,
    ) -> Outcome:
        started = time.perf_counter()
        deadline = asyncio.get_running_loop().time() + self._settings.deadline_s
        log: list[Attempt] = []

        async def attempt(token: str) -> tuple[int, Any]:
            at, t0 = datetime.now(UTC), time.perf_counter()
            try:
                status, payload = await self._send(device, method, path, body, token, deadline,
                                                   queue)
            except DeviceCallError as exc:
                log.append(Attempt(len(log) + 1, at, _ms(t0), exc.status_code, exc.code,
                                   exc.message))
                raise
            log.append(Attempt(len(log) + 1, at, _ms(t0), status))
            return status, payload

        try:
            token = self._token(device)
            breaker = self._breaker(device.id)
            if breaker.is_open:
                raise CircuitOpenError(
                    f"{device.id}: not called, {self._settings.breaker_threshold} calls in a row "
                    f"failed; next try in about {max(breaker.open_remaining, 0)} s",
                    hint="check that the device is powered and reachable",
                )
            retrying = AsyncRetrying(
                # no attempt starts after the deadline (nor a backoff that would end past it)
                stop=stop_after_attempt(self._settings.attempts if retry else 1)
                | stop_before_delay(self._settings.deadline_s),
                wait=wait_exponential(multiplier=self._settings.backoff_initial_s,
                                      max=self._settings.backoff_max_s)
                + wait_random(0, self._settings.backoff_initial_s),
                retry=retry_if_exception(lambda e: isinstance(e, DeviceCallError) and e.retryable),
                reraise=True,
            )
            status, payload = await breaker.call_async(retrying, attempt, token)
            failure = None
        except DeviceCallError as exc:
            status, payload = exc.status_code, exc.response
            failure = Failure(device.id, exc.code, exc.message)
        outcome = Outcome(device.id, action, params, failure, status, payload, _ms(started),
                          len(log), tuple(log))
        level = logging.DEBUG if action == STATE_ACTION and failure is None else logging.INFO
        logger.log(
            level, "device %s %s: %s in %.0f ms (%d attempt(s))", device.id, action,
            "ok" if failure is None else failure.code, outcome.latency_ms, len(log),
            extra={"device_id": device.id, "action": action, "requested_by": requested_by},
        )
        return outcome

    async def _send(self, device: Device, method: str, path: str, body: dict[str, Any] | None,
                    token: str, deadline: float, queue: bool = True) -> tuple[int, Any]:
        """One HTTP attempt, once the device (and the client) has a free turn; the attempt's
        timeout is cut short by the call's ``deadline`` (event-loop time)."""
        if self._session is None:
            raise RuntimeError("DeviceClient is not started: use `async with` or await start()")
        if not queue and self._device_limit(device.id).locked():
            raise DeviceBusyError(
                f"{device.id} has {self._settings.per_device_concurrency} calls in flight; "
                "not sent",
                hint="the device is slow or overloaded; try again in a moment",
            )
        loop = asyncio.get_running_loop()
        url = _rest(device).endpoint + path
        limit = self._settings.timeout_s
        sent = False
        try:
            async with asyncio.timeout_at(deadline):
                async with self._device_limit(device.id), self._limit:
                    sent = True
                    limit = min(self._settings.timeout_s, max(deadline - loop.time(), 0.001))
                    async with self._session.request(
                        method, url, json=body, timeout=aiohttp.ClientTimeout(total=limit),
                        headers={"Authorization": f"Bearer {token}"},
                    ) as resp:
                        status, text = resp.status, await resp.text()
        except TimeoutError:
            if not sent:
                raise DeviceBusyError(
                    f"{device.id} had {self._settings.per_device_concurrency} calls in flight "
                    f"for the whole deadline of {self._settings.deadline_s:g} s; not sent",
                    hint="the device is slow or overloaded; try again in a moment",
                ) from None
            raise DeviceTimeoutError(
                f"{device.id} did not answer within {limit:g} s",
                hint="check the device; raise the timeout if it is only slow",
            ) from None
        except aiohttp.ClientConnectionError as exc:
            raise DeviceUnreachableError(
                f"cannot reach {device.id} ({type(exc).__name__})",
                hint="is it powered and on the network? is its endpoint in devices.yaml right?",
            ) from None
        except aiohttp.ClientError as exc:
            raise DeviceServerError(f"{device.id} sent a broken answer: {exc}") from None
        return status, _check(device, status, _parse(text))

    def _device_limit(self, device_id: str) -> asyncio.Semaphore:
        if device_id not in self._device_limits:
            self._device_limits[device_id] = asyncio.Semaphore(
                self._settings.per_device_concurrency)
        return self._device_limits[device_id]

    def _token(self, device: Device) -> str:
        env = _rest(device).token_env
        token = self._tokens.get(device.id) or self._environ.get(env)
        if not token:
            raise DeviceUnauthorizedError(
                f"no token for {device.id}: environment variable {env} is not set",
                hint=f"export {env}=<the device's token>",
            )
        return token

    def _breaker(self, device_id: str) -> DeviceBreaker:
        if device_id not in self._breakers:
            self._breakers[device_id] = DeviceBreaker(
                device_id,
                threshold=self._settings.breaker_threshold,
                recovery_s=self._settings.breaker_recovery_s,
            )
        return self._breakers[device_id]


def _check(device: Device, status: int, payload: Any) -> Any:
    if 200 <= status < 300:
        return payload
    message = _device_message(payload) or f"HTTP {status}"
    kwargs: dict[str, Any] = {"status_code": status, "response": payload}
    if status in (401, 403):
        raise DeviceUnauthorizedError(
            f"{device.id} refused the token (HTTP {status})",
            hint=f"set {_rest(device).token_env} to the token configured on the device",
            **kwargs,
        )
    if 400 <= status < 500:
        raise DeviceRejectedError(f"{device.id} refused the request: {message}", **kwargs)
    raise DeviceServerError(f"{device.id} failed: {message}", **kwargs)


def _rest(device: Device) -> RestConnection:
    connection = device.connection
    if not isinstance(connection, RestConnection):
        raise TypeError(f"{device.id} is an {connection.adapter!r} device, not a rest one")
    return connection


def _device_message(payload: Any) -> str:
    """The message of a ``{"error": {"code": ..., "message": ...}}`` body."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return str(payload["error"].get("message", ""))
    return ""


def _parse(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _frozen(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(params or {}))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
