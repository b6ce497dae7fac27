"""Every parse the server returns names the NLU backend and the model version that answered;
/ready says which backend and model serve."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.nlu.backend import model_version
from tests.server._support import expect, running

pytestmark = pytest.mark.asyncio


async def test_parse_and_message_responses_name_the_backend_and_model(
        make_settings: Callable[..., Settings], bundled_model: Path) -> None:
    source = {"backend": "local", "model_version": model_version(bundled_model)}
    assert source["model_version"] != "unversioned", source
    async with running(make_settings()) as srv:
        for path in ("/api/v1/parse", "/model/parse"):
            resp = await srv.client.post(path, json={"text": "turn off the kitchen light"})
            body = await resp.json()
            expect((resp.status, body.get("source")), (200, source), f"{path} source")
        body = await srv.say("turn off the kitchen light and turn on the living room lamp")
        expect([p.get("source") for p in body["nlu"]], [source, source],
               "the source of each clause of a message")
        conv = await (await srv.client.get(
            f"/api/v1/conversations/{body['conversation_id']}")).json()
        stored = [c.get("source") for t in conv["turns"] for c in t["nlu"]["clauses"]]
        expect(stored, [source, source], "the source stored with the turn")
        ready = await (await srv.client.get("/ready")).json()
        model = ready["checks"]["model"]
        expect((model["ok"], model["backend"], model["model_version"]),
               (True, "local", source["model_version"]), "/ready model check")
