"""API keys (required beyond localhost) and the per-key rate limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.config import InsecureBindError, Settings
from assistant.server.app import create_app
from tests.server._support import expect, expect_error, running

pytestmark = pytest.mark.asyncio
KEY, OTHER = "key-one-0123456789abcdefghijklmnop", "key-two-0123456789abcdefghijklmnop"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "assistant.lan"])
async def test_listening_beyond_localhost_needs_api_keys(
        make_settings: Callable[..., Settings], host: str) -> None:
    with pytest.raises(InsecureBindError) as err:
        create_app(make_settings(host=host))
    expect(err.value.code, "E701", "error code")
    assert "assistant keys create" in err.value.hint, err.value.hint
    create_app(make_settings(host=host, api_keys=[KEY]))  # with a key it starts


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
async def test_localhost_needs_no_key(make_settings: Callable[..., Settings], host: str) -> None:
    create_app(make_settings(host=host))


async def test_api_keys_are_checked(make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings(host="0.0.0.0", api_keys=[KEY, OTHER])) as srv:
        c = srv.client
        parse = {"text": "turn on the kitchen light"}
        await expect_error(await c.post("/api/v1/parse", json=parse), 401, "E704")
        await expect_error(await c.post("/api/v1/parse", json=parse,
                                        headers={"Authorization": "Bearer nope-nope-nope"}),
                           401, "E704")
        await expect_error(await c.post("/api/v1/parse?token=" + KEY, json=parse), 401, "E704")
        for headers in ({"Authorization": f"Bearer {KEY}"}, {"X-API-Key": OTHER}):
            resp = await c.post("/api/v1/parse", json=parse, headers=headers)
            expect(resp.status, 200, f"status with {list(headers)}")
        resp = await c.post(f"/model/parse?token={KEY}", json=parse)  # Rasa's auth token
        expect(resp.status, 200, "Rasa ?token=")
        for path in ("/health", "/ready", "/api/openapi.json"):
            expect((await c.get(path)).status, 200, f"{path} without a key")


async def test_rate_limit_per_key(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(api_keys=[KEY, OTHER], rate_limit_per_minute=3)
    async with running(settings) as srv:
        mine = {"Authorization": f"Bearer {KEY}"}
        for i in range(3):
            resp = await srv.client.get("/api/v1/devices/hallway_light", headers=mine)
            expect(resp.status, 200, f"request {i + 1} of 3")
        resp = await srv.client.get("/api/v1/devices/hallway_light", headers=mine)
        await expect_error(resp, 429, "E705")
        retry = int(resp.headers["Retry-After"])
        assert 1 <= retry <= 20, f"Retry-After: expected 1-20 s, got {retry}"
        resp = await srv.client.get("/api/v1/devices/hallway_light",
                                    headers={"X-API-Key": OTHER})
        expect(resp.status, 200, "another key has its own budget")
        expect((await srv.client.get("/health")).status, 200, "/health is not limited")
