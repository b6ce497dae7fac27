"""Every error path of the HTTP edge: status, stable code, JSON shape, request id."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from assistant.server.context import IdsFilter
from tests.server._support import Running, expect, expect_error, running, settings_for

pytestmark = pytest.mark.asyncio(loop_scope="module")
MAX_BODY = 2048
MAX_TEXT = 100


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def srv(bundled_model: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> AsyncIterator[Running]:
    tmp = tmp_path_factory.mktemp("errors")
    settings = settings_for(bundled_model, tmp, max_body_bytes=MAX_BODY, max_text_chars=MAX_TEXT)
    async with running(settings) as r:
        yield r


async def _chunks() -> AsyncIterator[bytes]:
    for _ in range(8):
        yield b'{"text": "' + b"a" * 500


CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    ("invalid JSON", "POST", "/api/v1/parse", {"data": b'{"text": '}, 400, "E702"),
    ("JSON not an object", "POST", "/api/v1/messages", {"json": ["turn on"]}, 400, "E702"),
    ("missing and unknown fields", "POST", "/api/v1/parse", {"json": {"txt": "hi"}}, 400, "E703"),
    ("text not a string", "POST", "/api/v1/messages", {"json": {"text": 5}}, 400, "E703"),
    ("bad conversation id", "POST", "/api/v1/messages",
     {"json": {"text": "hello", "conversation_id": "a b/c"}}, 400, "E703"),
    ("command without action", "POST", "/api/v1/commands", {"json": {"device": "x"}}, 400,
     "E703"),
    ("Rasa webhook without message", "POST", "/webhooks/rest/webhook",
     {"json": {"sender": "a"}}, 400, "E703"),
    ("invalid UTF-8", "POST", "/api/v1/messages", {"data": b'{"text": "caf\xe9"}'}, 400, "E300"),
    ("empty text", "POST", "/api/v1/messages", {"json": {"text": "   "}}, 400, "E302"),
    ("empty Rasa parse text", "POST", "/model/parse", {"json": {"text": ""}}, 400, "E302"),
    ("text too long", "POST", "/api/v1/messages", {"json": {"text": "a" * (MAX_TEXT + 1)}},
     413, "E301"),
    ("text too long (parse)", "POST", "/api/v1/parse", {"json": {"text": "a" * (MAX_TEXT + 1)}},
     413, "E301"),
    ("body over the limit", "POST", "/api/v1/messages",
     {"data": b'{"text": "' + b"a" * MAX_BODY + b'"}'}, 413, "E706"),
    ("chunked body over the limit", "POST", "/api/v1/parse", {"data": "chunks"}, 413, "E706"),
    ("unknown route", "GET", "/api/v1/nothing", {}, 404, "E708"),
    ("wrong method", "GET", "/api/v1/messages", {}, 405, "E709"),
    ("unknown conversation", "GET", "/api/v1/conversations/never-seen", {}, 404, "E404"),
    ("unknown device (command)", "POST", "/api/v1/commands",
     {"json": {"device": "toaster", "action": "turn_on"}}, 404, "E512"),
    ("unknown device (read)", "GET", "/api/v1/devices/toaster", {}, 404, "E512"),
    ("action the device lacks", "POST", "/api/v1/commands",
     {"json": {"device": "kitchen_light", "action": "unlock"}}, 422, "E710"),
]


@pytest.mark.parametrize(("case", "method", "path", "kwargs", "status", "code"), CASES,
                         ids=[c[0] for c in CASES])
async def test_error_answers(srv: Running, case: str, method: str, path: str,
                             kwargs: dict[str, Any], status: int, code: str) -> None:
    if kwargs.get("data") == "chunks":
        kwargs = {"data": _chunks()}
    if "data" in kwargs:  # raw bytes: the JSON content type that json= would set
        kwargs = {**kwargs, "headers": {"Content-Type": "application/json"}}
    resp = await srv.client.request(method, path, **kwargs)
    error = await expect_error(resp, status, code)
    if code == "E703":
        assert error.get("details"), f"{case}: expected the invalid fields listed, got {error}"
        assert all({"field", "problem"} <= set(d) for d in error["details"]), error["details"]
    if code == "E709":
        expect(resp.headers.get("Allow"), "POST", "Allow header")


async def test_validation_lists_every_field(srv: Running) -> None:
    resp = await srv.client.post("/api/v1/commands", json={"device": 1, "params": [], "x": 0})
    error = await expect_error(resp, 400, "E703")
    fields = sorted(d["field"] for d in error["details"])
    expect(fields, ["action", "device", "params", "x"], "invalid fields")


async def test_request_id_is_echoed_or_made(srv: Running) -> None:
    resp = await srv.client.get("/health", headers={"X-Request-ID": "abc-123"})
    expect(resp.headers.get("X-Request-ID"), "abc-123", "echoed request id")
    resp = await srv.client.get("/health", headers={"X-Request-ID": "bad id\twith junk"})
    made = resp.headers.get("X-Request-ID", "")
    assert made and made != "bad id\twith junk" and len(made) == 32, f"new id: got {made!r}"


async def test_unexpected_exception_is_500_with_request_id_and_logged(
        srv: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(srv.services.storage, "get_conversation", broken)
    caplog.handler.addFilter(IdsFilter())
    with caplog.at_level(logging.ERROR, logger="assistant.server"):
        resp = await srv.client.get("/api/v1/conversations/c1",
                                    headers={"X-Request-ID": "req-boom"})
    error = await expect_error(resp, 500, "E000")
    assert "disk on fire" not in error["message"], f"internals leaked: {error}"
    assert "req-boom" in error["hint"], f"hint should quote the request id, got {error['hint']!r}"
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == "req-boom"]
    assert logged and logged[0].exc_info, \
        f"expected the traceback logged with request_id=req-boom, got {caplog.records}"
