"""Bad input against the real app: every answer a coded JSON 4xx, never a 500, and nothing
reaches a device or the database before the input is known to be good (issue 15, defect 4)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from assistant.actions.simulator import DeviceSimulator
from assistant.config import Settings
from tests.server._support import Running, expect, expect_error, running, settings_for

pytestmark = pytest.mark.asyncio(loop_scope="module")
JSON = {"Content-Type": "application/json"}
DEEP = 10_000


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def srv(bundled_model: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> AsyncIterator[Running]:
    settings = settings_for(bundled_model, tmp_path_factory.mktemp("bad_input"),
                            rate_limit_per_minute=0)
    async with running(settings) as r:
        yield r


def commands_sent(sim: DeviceSimulator) -> int:
    return sum(sim.stats(device.id).commands for device in sim.registry)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# each route's body, with one JSON-text field to spoil: (route, body template)
ROUTES: dict[str, str] = {
    "/api/v1/messages": '{"text": %s}',
    "/api/v1/parse": '{"text": %s}',
    "/api/v1/commands": '{"device": "kitchen_light", "action": "turn_on", "params": '
                        '{"brightness": %s}}',
    "/webhooks/rest/webhook": '{"sender": "bad-input", "message": %s}',
    "/model/parse": '{"text": %s}',
}
FIELD = {"/api/v1/messages": "text", "/api/v1/parse": "text",
         "/api/v1/commands": "params.brightness", "/webhooks/rest/webhook": "message",
         "/model/parse": "text"}
# (case, the JSON text put in the field, the problem's words)
VALUES: list[tuple[str, str, str]] = [
    ("lone high surrogate", r'"turn on \ud800 light"', "lone surrogate"),
    ("lone low surrogate", r'"turn on the light \udfff"', "lone surrogate"),
    ("reversed surrogate pair", r'"\udc00\ud800"', "lone surrogate"),
    ("NUL", r'"turn on the light\u0000"', "NUL"),
    ("NUL inside", r'"turn\u0000on"', "NUL"),
    ("NaN", "NaN", "NaN"),
    ("Infinity", "Infinity", "Infinity"),
    ("-Infinity", "-Infinity", "-Infinity"),
    ("overflow to inf", "1e999", "1e999"),
    ("negative overflow", "-1e400", "-1e400"),
    ("deep in a field", _deep(DEEP), "nested deeper"),
    ("moderately deep", _deep(40), "nested deeper"),
]


@pytest.mark.parametrize("path", list(ROUTES))
@pytest.mark.parametrize(("case", "value", "problem"), VALUES, ids=[v[0] for v in VALUES])
async def test_unsafe_values_are_refused_before_anything_acts(
        srv: Running, path: str, case: str, value: str, problem: str) -> None:
    before = commands_sent(srv.simulator)
    resp = await srv.client.post(path, data=(ROUTES[path] % value).encode(), headers=JSON)
    error = await expect_error(resp, 400, "E719")
    assert problem in error["message"], f"{case}: expected {problem!r} in {error['message']!r}"
    fields = [d["field"] for d in error["details"]]
    if problem == "nested deeper":
        assert fields and fields[0].startswith(FIELD[path]), f"{case}: fields {fields}"
    elif problem in ("lone surrogate", "NUL"):
        expect(fields, [FIELD[path]], f"{case}: the field named")
    expect(commands_sent(srv.simulator), before, f"device commands after {case} on {path}")


WHOLE_BODIES: list[tuple[str, bytes]] = [
    ("10,000 nested arrays", _deep(DEEP).encode()),
    ("10,000 nested objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    ("a key with a lone surrogate", b'{"text": "hi", "\\ud800": 1}'),
    ("a key with NUL", (b'{"device": "kitchen_light", "action": "turn_on", '
                        b'"params": {"a\\u0000b": 1}}')),
    ("NaN at the top", b'{"text": NaN}'),
]


@pytest.mark.parametrize("path", list(ROUTES))
@pytest.mark.parametrize(("case", "body"), WHOLE_BODIES, ids=[c[0] for c in WHOLE_BODIES])
async def test_unsafe_bodies_get_a_coded_400(srv: Running, path: str, case: str,
                                             body: bytes) -> None:
    before = commands_sent(srv.simulator)
    resp = await srv.client.post(path, data=body, headers=JSON)
    error = await expect_error(resp, 400, "E719")
    assert error["details"], f"{case}: no field named: {error}"
    expect(commands_sent(srv.simulator), before, f"device commands after {case}")


async def test_a_bad_param_leaves_the_light_and_the_conversation_untouched(
        srv: Running) -> None:
    """The cases of the issue: each spoilt ``params`` value is refused before the device is
    called; the light stays as it was, the good command then works."""
    light = srv.simulator.state("kitchen_light")
    for value in (r'"\ud800"', "NaN", "1e999", r'"dim\u0000"'):
        body = ROUTES["/api/v1/commands"] % value
        resp = await srv.client.post("/api/v1/commands", data=body.encode(), headers=JSON)
        await expect_error(resp, 400, "E719")
    expect(srv.simulator.state("kitchen_light"), light, "the light after refused commands")
    resp = await srv.client.post("/api/v1/parse", json={"text": "turn on the kitchen light"})
    expect(resp.status, 200, "a good request afterwards")


BAD_IDS = ["a%00b", "a%20b", "a%2Fb", "%ED%A0%80", "%FF%FE", "x" * 65, "a%0A", "..%2F..",
           "%C0%AF"]


@pytest.mark.parametrize("cid", BAD_IDS)
async def test_malformed_conversation_ids_get_a_coded_400(srv: Running, cid: str) -> None:
    resp = await srv.client.get(f"/api/v1/conversations/{cid}")
    body = await resp.json()
    assert resp.status in (400, 404), f"GET /api/v1/conversations/{cid}: {resp.status} {body}"
    code = body["error"]["code"]
    assert code in ("E703", "E718", "E708"), f"{cid}: code {code}"


async def test_a_nul_in_the_path_is_refused(srv: Running) -> None:
    resp = await srv.client.get("/api/v1/conversations/a%00b")
    await expect_error(resp, 400, "E718")
    resp = await srv.client.get("/api/v1/devices/kitchen%00light")
    await expect_error(resp, 400, "E718")


async def test_an_unknown_well_formed_id_is_still_404(srv: Running) -> None:
    resp = await srv.client.get("/api/v1/conversations/never-seen-1")
    await expect_error(resp, 404, "E404")


async def test_huge_integers_and_bad_json_are_coded(srv: Running) -> None:
    for body in (b'{"text": ' + b"9" * 5000 + b"}", b'{"text": "a", }', b"\xef\xbb\xbf{}"):
        resp = await srv.client.post("/api/v1/parse", data=body, headers=JSON)
        await expect_error(resp, 400, "E702")


async def test_a_valid_deep_ish_param_is_accepted_by_the_edge(srv: Running) -> None:
    """Nesting up to the limit passes the edge (the device then judges the value)."""
    nested = json.dumps({"device": "kitchen_light", "action": "turn_on",
                         "params": {"brightness": 40, "meta": {"a": {"b": {"c": [1, 2.5]}}}}})
    resp = await srv.client.post("/api/v1/commands", data=nested.encode(), headers=JSON)
    body = await resp.json()
    assert resp.status != 500 and body.get("error", {}).get("code") != "E719", body


async def test_nul_never_reaches_the_database(make_settings: Callable[..., Settings]) -> None:
    """On SQLite and PostgreSQL (which cannot store NUL): a text ending in NUL is refused
    before the dialogue or a device acts, and the conversation is not created."""
    async with running(make_settings()) as app:
        before = commands_sent(app.simulator)
        resp = await app.client.post("/api/v1/messages", headers=JSON, data=(
            b'{"conversation_id": "nul-test", "text": "turn on the kitchen light\\u0000"}'))
        await expect_error(resp, 400, "E719")
        expect(commands_sent(app.simulator), before, "device commands")
        resp = await app.client.get("/api/v1/conversations/nul-test")
        await expect_error(resp, 404, "E404")
        data: dict[str, Any] = await app.say("turn on the kitchen light", "nul-test")
        expect(data["conversation_id"], "nul-test", "the same id, clean, afterwards")
