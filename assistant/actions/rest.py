"""The device adapter for the seed's REST API.

    POST {endpoint}/api/v1/command   Authorization: Bearer <token>   {"action": ..., **params}
    GET  {endpoint}/api/v1/state     Authorization: Bearer <token>

One ``aiohttp.ClientSession`` per client, opened and closed by the caller's lifecycle
(``async with DeviceClient(...)`` or ``start()`` / ``close()``; or pass a session you own).
Each call has a timeout; idempotent calls (state reads, ``turn_on``, ``set_*``... see
``catalogue.ACTIONS``) are retried with exponential backoff on timeouts, 5xx and refused
connections; each device has a circuit breaker; a semaphore caps requests in flight.
Device failures come back as values (``ActionResult.failed``), never as exceptions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Self

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from assistant.actions._breaker import DeviceBreaker
from assistant.actions.catalogue import is_idempotent
from assistant.actions.device import Device
from assistant.actions.errors import (
    CircuitOpenError,
    DeviceCallError,
    DeviceRejectedError,
    DeviceServerError,
    DeviceTimeoutError,
    DeviceUnauthorizedError,
    DeviceUnreachableError,
)
from assistant.actions.result import ActionResult, Command, Failure, Outcome

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

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.attempts < 1 or self.max_concurrency < 1:
            raise ValueError("timeout_s > 0, attempts >= 1 and max_concurrency >= 1 are required")
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

    async def state(self, device: Device, *, requested_by: str = "system") -> ActionResult:
        """The device's state (``result.response``); a read, so it is retried."""
        started = time.perf_counter()
        outcome = await self._call(device, STATE_ACTION, MappingProxyType({}), "GET", STATE_PATH,
                                   None, requested_by, True)
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
    ) -> Outcome:
        started = time.perf_counter()
        attempts = 0

        async def attempt(token: str) -> tuple[int, Any]:
            nonlocal attempts
            attempts += 1
            return await self._send(device, method, path, body, token)

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
                stop=stop_after_attempt(self._settings.attempts if retry else 1),
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
                          attempts)
        logger.info(
            "device %s %s: %s in %.0f ms (%d attempt(s))", device.id, action,
            "ok" if failure is None else failure.code, outcome.latency_ms, attempts,
            extra={"device_id": device.id, "action": action, "requested_by": requested_by},
        )
        return outcome

    async def _send(self, device: Device, method: str, path: str, body: dict[str, Any] | None,
                    token: str) -> tuple[int, Any]:
        if self._session is None:
            raise RuntimeError("DeviceClient is not started: use `async with` or await start()")
        url = device.endpoint + path
        timeout = aiohttp.ClientTimeout(total=self._settings.timeout_s)
        async with self._limit:
            try:
                async with self._session.request(
                    method, url, json=body, timeout=timeout,
                    headers={"Authorization": f"Bearer {token}"},
                ) as resp:
                    status, text = resp.status, await resp.text()
            except TimeoutError:
                raise DeviceTimeoutError(
                    f"{device.id} did not answer within {self._settings.timeout_s:g} s",
                    hint="check the device; raise the timeout if it is only slow",
                ) from None
            except aiohttp.ClientConnectionError as exc:
                raise DeviceUnreachableError(
                    f"cannot reach {device.id} at {device.endpoint} ({type(exc).__name__})",
                    hint="is it powered and on the network? is its endpoint in devices.yaml right?",
                ) from None
            except aiohttp.ClientError as exc:
                raise DeviceServerError(f"{device.id} sent a broken answer: {exc}") from None
        return status, _check(device, status, _parse(text))

    def _token(self, device: Device) -> str:
        token = self._tokens.get(device.id) or self._environ.get(device.token_env)
        if not token:
            raise DeviceUnauthorizedError(
                f"no token for {device.id}: environment variable {device.token_env} is not set",
                hint=f"export {device.token_env}=<the device's token>",
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
            hint=f"set {device.token_env} to the token configured on the device", **kwargs,
        )
    if 400 <= status < 500:
        raise DeviceRejectedError(f"{device.id} refused the request: {message}", **kwargs)
    raise DeviceServerError(f"{device.id} failed: {message}", **kwargs)


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
