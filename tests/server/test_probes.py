"""GET /health and GET /ready, and how fast the server gets ready."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import Settings
from tests.server._support import expect, expect_error, running

pytestmark = pytest.mark.asyncio


async def test_health_and_ready(make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        resp = await srv.client.get("/health")
        expect((resp.status, await resp.json()), (200, {"status": "ok"}), "/health")
        resp = await srv.client.get("/ready")
        body = await resp.json()
        expect(resp.status, 200, f"/ready ({body})")
        expect(sorted(body["checks"]), ["database", "dialogue", "model", "resolver", "simulator"],
               "checks")
        assert all(c["ok"] for c in body["checks"].values()), body


async def test_without_a_model_the_server_lives_but_is_not_ready(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(model_dir=tmp_path / "no-model")
    async with running(settings, wait_ready=False) as srv:
        for _ in range(200):
            if srv.services.nlu.status().get("error", {}).get("code") == "E200":
                break
            await asyncio.sleep(0.02)
        expect((await srv.client.get("/health")).status, 200, "/health")
        error = await expect_error(await srv.client.get("/ready"), 503, "E707")
        failed = {d["check"]: d["error"]["code"] for d in error["details"]}
        expect(failed.get("model"), "E200", f"failed checks ({failed})")
        error = await expect_error(await srv.client.post(
            "/api/v1/messages", json={"text": "turn on the kitchen light"}), 503, "E200")
        assert "assistant train" in error["hint"], error
        await expect_error(await srv.client.post("/model/parse", json={"text": "hi"}), 503,
                           "E200")
        convs = await srv.services.storage.list_conversations()
        expect(convs, [], "conversations written while not ready")
