"""Helpers for the server tests: run the real app, poll /ready, compare with a clear message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from assistant.actions.simulator import DeviceSimulator
from assistant.config import Settings, load_settings
from assistant.server.app import create_app
from assistant.server.keys import SERVICES
from assistant.server.services import Services

ROOT = Path(__file__).resolve().parents[2]


def settings_for(model: Path, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for the real app: this model, the bundled flows and devices, a SQLite file in
    ``tmp_path`` unless ``database_url`` is given, an ephemeral port, a fast timer poll."""
    base: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'db' / 'assistant.db'}",
        "model_dir": model, "data_dir": ROOT / "nlu_data", "flows_dir": ROOT / "flows",
        "devices_file": ROOT / "devices.yaml", "data_root": tmp_path / "data", "port": 0,
        "timer_poll_s": 0.05,
    }
    return load_settings(None, **{**base, **overrides})


@dataclass
class Running:
    app: web.Application
    client: TestClient
    ready_s: float

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    @property
    def simulator(self) -> DeviceSimulator:
        sim = self.services.simulator
        assert sim is not None, "the app runs without the simulator"
        return sim

    async def say(self, text: str, conversation_id: str | None = None,
                  **headers: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        resp = await self.client.post("/api/v1/messages", json=body, headers=headers)
        data = await resp.json()
        assert resp.status == 200, f"POST /api/v1/messages {text!r}: expected 200, got " \
                                   f"{resp.status} {data}"
        return data


@asynccontextmanager
async def running(settings: Settings, *, wait_ready: bool = True) -> AsyncIterator[Running]:
    started = time.perf_counter()
    app = create_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        ready_s = await until_ready(client) - started if wait_ready else 0.0
        yield Running(app, client, ready_s)


async def until_ready(client: TestClient, timeout_s: float = 30.0) -> float:
    deadline = time.perf_counter() + timeout_s
    body: Any = None
    while time.perf_counter() < deadline:
        resp = await client.get("/ready")
        body = await resp.json()
        if resp.status == 200:
            return time.perf_counter()
        await asyncio.sleep(0.02)
    raise AssertionError(f"/ready: expected 200 within {timeout_s} s, last answer {body}")


async def expect_error(resp: ClientResponse, status: int, code: str) -> dict[str, Any]:
    """The error body, after checking the status, the code and the body's shape."""
    body = await resp.json()
    got = (resp.status, body.get("error", {}).get("code") if isinstance(body, dict) else None)
    assert got == (status, code), f"{resp.method} {resp.url.path}: expected {(status, code)}, " \
                                  f"got {got}: {body}"
    error = body["error"]
    assert {"code", "message", "hint"} <= set(error), f"error keys: got {sorted(error)}"
    assert error["message"], "error message: expected text, got ''"
    header = resp.headers.get("X-Request-ID")
    assert error.get("request_id") == header, \
        f"request id: body {error.get('request_id')!r} vs header {header!r}"
    return error


def expect(got: object, expected: object, what: str) -> None:
    assert got == expected, f"{what}: expected {expected!r}, got {got!r}"
