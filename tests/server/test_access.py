"""Access against the real app: hashed keys and the keys file, scopes, failed-key limits,
confirmation tokens for risky commands, and conversations that belong to who started them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings, SettingsError
from assistant.server.app import create_app
from assistant.server.auth import create_key, revoke_key
from assistant.server.errors import KeysFileError
from tests.server._support import Running, expect, expect_error, running

UNLOCK = {"device": "front_door_lock", "action": "unlock"}


def _hashed(key: str, scopes: str = "") -> str:
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest() + (f"/{scopes}" if scopes else "")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _post(srv: Running, path: str, body: dict[str, Any], key: str | None = None
                ) -> tuple[int, Any]:
    resp = await srv.client.post(path, json=body, headers=_bearer(key) if key else None)
    return resp.status, await resp.json()


@pytest.mark.asyncio
async def test_a_short_plain_key_is_refused_with_a_hint(
        make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(SettingsError) as err:
        make_settings(api_keys=["eight-ch"])
    assert "assistant keys create" in str(err.value), str(err.value)
    with pytest.raises(SettingsError):
        make_settings(api_keys=["sha256:abc"])
    with pytest.raises(SettingsError) as err:
        make_settings(api_keys=[_hashed("x" * 40, "chat+fly")])
    assert "fly" in str(err.value), str(err.value)


@pytest.mark.asyncio
async def test_hashed_keys_and_scopes(make_settings: Callable[..., Settings]) -> None:
    reader, chatter, admin = "r" * 40, "c" * 40, "a" * 40
    keys = [_hashed(reader, "read"), _hashed(chatter, "chat"), _hashed(admin, "admin")]
    async with running(make_settings(api_keys=keys)) as srv:
        c = srv.client
        text = {"text": "turn on the kitchen light"}
        expect((await c.get("/api/v1/devices/hallway_light", headers=_bearer(reader))).status,
               200, "read key: GET a device")
        error = await expect_error(await c.post("/api/v1/messages", json=text,
                                                headers=_bearer(reader)), 403, "E723")
        assert "'chat'" in error["message"], error
        error = await expect_error(await c.post("/api/v1/commands", json={
            "device": "kitchen_light", "action": "turn_on"}, headers=_bearer(chatter)),
            403, "E723")
        assert "'control'" in error["message"], error
        await expect_error(await c.get("/api/v1/devices", headers=_bearer(chatter)), 403, "E723")
        expect((await c.post("/api/v1/parse", json=text, headers=_bearer(chatter))).status, 200,
               "chat key: parse")
        expect((await c.post("/api/v1/commands", json={"device": "kitchen_light",
                                                        "action": "turn_on"},
                             headers=_bearer(admin))).status, 200, "admin key: a command")
        expect(srv.simulator.state("kitchen_light")["on"], True, "kitchen light after admin")
        await expect_error(await c.post("/api/v1/parse", json=text, headers=_bearer("p" * 40)),
                           401, "E704")


@pytest.mark.asyncio
async def test_the_keys_file_is_reread_on_change(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    keys_file = tmp_path / "keys" / "api_keys.json"
    first, made = create_key(keys_file, "tablet", ["read"])
    expect(oct(keys_file.stat().st_mode & 0o777), "0o600", "keys file mode")
    stored = keys_file.read_text()
    assert first not in stored and made.digest in stored, "the file keeps only the hash"
    async with running(make_settings(keys_file=keys_file)) as srv:
        path = "/api/v1/devices/hallway_light"
        expect((await srv.client.get(path, headers=_bearer(first))).status, 200, "first key")
        await expect_error(await srv.client.get(path), 401, "E704")  # keys exist: loopback too
        second, _ = create_key(keys_file, "phone", ["read"])
        expect((await srv.client.get(path, headers=_bearer(second))).status, 200,
               "a key created while the server runs")
        revoke_key(keys_file, made.id)
        await expect_error(await srv.client.get(path, headers=_bearer(first)), 401, "E704")
        expect((await srv.client.get(path, headers=_bearer(second))).status, 200, "other key")
        keys_file.write_text("{not json")
        await expect_error(await srv.client.get(path, headers=_bearer(second)), 500, "E720")


@pytest.mark.asyncio
async def test_a_broken_keys_file_stops_the_start(make_settings: Callable[..., Settings],
                                                  tmp_path: Path) -> None:
    keys_file = tmp_path / "api_keys.json"
    keys_file.write_text(json.dumps({"version": 1, "keys": [{"id": "x"}]}))
    with pytest.raises(KeysFileError) as err:
        create_app(make_settings(keys_file=keys_file))
    assert str(keys_file) in err.value.message, err.value.message


@pytest.mark.asyncio
async def test_keys_in_the_keys_file_allow_listening_beyond_localhost(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    keys_file = tmp_path / "api_keys.json"
    create_key(keys_file, "hub", ["chat"])
    create_app(make_settings(host="0.0.0.0", keys_file=keys_file))


@pytest.mark.asyncio
async def test_wrong_keys_are_limited_per_address(
        make_settings: Callable[..., Settings]) -> None:
    good = "g" * 40
    async with running(make_settings(api_keys=[good], auth_failures_per_minute=10)) as srv:
        statuses: list[int] = []
        for i in range(200):
            resp = await srv.client.get("/api/v1/devices/hallway_light",
                                        headers=_bearer(f"guess-{i:04d}-" + "x" * 30))
            statuses.append(resp.status)
        expect((statuses.count(401), statuses.count(429)), (10, 190), "200 wrong guesses")
        resp = await srv.client.get("/api/v1/devices/hallway_light", headers=_bearer(good))
        await expect_error(resp, 429, "E722")
        retry = int(resp.headers["Retry-After"])
        assert 1 <= retry <= 60, f"Retry-After: expected 1-60 s, got {retry}"
        expect((await srv.client.get("/health")).status, 200, "/health while blocked")


@pytest.mark.asyncio
async def test_an_unlock_needs_a_confirmation_token(
        make_settings: Callable[..., Settings]) -> None:
    """The default set-up (loopback, no keys): the first call asks, the token confirms."""
    async with running(make_settings()) as srv:
        resp = await srv.client.post("/api/v1/commands", json=UNLOCK)
        await expect_error(resp, 409, "E724")
        token = (await resp.json())["confirmation_token"]
        expect(srv.simulator.state("front_door_lock")["locked"], True, "lock after asking")
        expect(await srv.services.storage.list_device_calls(device_id="front_door_lock"), [],
               "no device call before the confirmation")

        for wrong in ({**UNLOCK, "device": "back_door_lock"},
                      {**UNLOCK, "params": {"code": 1}}):
            status, body = await _post(srv, "/api/v1/commands", {**wrong, "confirm": token})
            expect((status, body["error"]["code"]), (409, "E725"), f"token for {wrong}")
        status, body = await _post(srv, "/api/v1/commands", {**UNLOCK, "confirm": token})
        expect((status, body["error"]["code"]), (409, "E725"), "a token spent by a wrong use")

        status, body = await _post(srv, "/api/v1/commands", UNLOCK)
        token = body["confirmation_token"]
        status, body = await _post(srv, "/api/v1/commands", {**UNLOCK, "confirm": token})
        expect((status, body["ok"]), (200, True), f"confirmed unlock ({body})")
        expect(srv.simulator.state("front_door_lock")["locked"], False, "lock after confirming")
        status, body = await _post(srv, "/api/v1/commands", {**UNLOCK, "confirm": token})
        expect((status, body["error"]["code"]), (409, "E725"), "the token used again")
        assert body["confirmation_token"] not in (None, token), body
        calls = await srv.services.storage.list_device_calls(device_id="front_door_lock")
        expect([c.action for c in calls], ["unlock"], "audited lock calls")


@pytest.mark.asyncio
async def test_which_commands_ask_first(make_settings: Callable[..., Settings]) -> None:
    """The flows decide: unlock always, open only a garage door or gate; lock never."""
    async with running(make_settings()) as srv:
        cases = [("front_door_lock", "lock", 200), ("back_door_lock", "unlock", 409),
                 ("garage_door", "open", 409), ("living_room_blinds", "open", 200),
                 ("garage_door", "close", 200)]
        got = [(d, a, (await _post(srv, "/api/v1/commands", {"device": d, "action": a}))[0])
               for d, a, _ in cases]
        expect(got, cases, "statuses")


@pytest.mark.asyncio
async def test_only_control_unconfirmed_skips_the_confirmation(
        make_settings: Callable[..., Settings]) -> None:
    admin, other, trusted = "a" * 40, "o" * 40, "t" * 40
    keys = [_hashed(admin, "admin"), _hashed(other, "control"),
            _hashed(trusted, "control+control:unconfirmed")]
    async with running(make_settings(api_keys=keys)) as srv:
        status, body = await _post(srv, "/api/v1/commands", UNLOCK, admin)
        expect((status, body["error"]["code"]), (409, "E724"), "admin key")
        token = body["confirmation_token"]
        status, body = await _post(srv, "/api/v1/commands", {**UNLOCK, "confirm": token}, other)
        expect((status, body["error"]["code"]), (409, "E725"), "another key's token")
        expect(srv.simulator.state("front_door_lock")["locked"], True, "lock")
        status, body = await _post(srv, "/api/v1/commands", UNLOCK, trusted)
        expect((status, body.get("ok")), (200, True), "control:unconfirmed key")
        expect(srv.simulator.state("front_door_lock")["locked"], False, "lock")


@pytest.mark.asyncio
async def test_a_conversation_belongs_to_the_key_that_started_it(
        make_settings: Callable[..., Settings]) -> None:
    alice, bob, admin = "A" * 40, "B" * 40, "Z" * 40
    keys = [_hashed(alice, "chat+read"), _hashed(bob, "chat+read"), _hashed(admin, "admin")]
    async with running(make_settings(api_keys=keys)) as srv:
        asked = await srv.say("unlock the front door", **_bearer(alice))
        expect(asked["replies"][-1:], ["Unlock the front door lock?"], "the question to A")
        cid = asked["conversation_id"]

        status, _ = await _post(srv, "/api/v1/messages",
                                {"text": "yes", "conversation_id": "x" * 32}, bob)
        expect(status, 200, "B's own new conversation")
        status, body = await _post(srv, "/api/v1/messages",
                                   {"text": "yes", "conversation_id": cid}, bob)
        expect((status, body["error"]["code"]), (404, "E404"), "B answers A's question")
        status, body = await _post(srv, "/webhooks/rest/webhook",
                                   {"sender": cid, "message": "yes"}, bob)
        expect((status, body["error"]["code"]), (404, "E404"), "B as A's Rasa sender")
        expect(srv.simulator.state("front_door_lock")["locked"], True, "lock after B's yes")

        theirs = await srv.client.get(f"/api/v1/conversations/{cid}", headers=_bearer(bob))
        gone = await srv.client.get("/api/v1/conversations/nobody-has-this",
                                    headers=_bearer(bob))
        hidden, absent = await expect_error(theirs, 404, "E404"), await expect_error(
            gone, 404, "E404")
        expect(hidden["hint"], absent["hint"], "hint for someone else's vs a missing one")
        for key, who in ((alice, "A"), (admin, "an admin key")):
            resp = await srv.client.get(f"/api/v1/conversations/{cid}", headers=_bearer(key))
            expect(resp.status, 200, f"{who} reads A's conversation")
        expect(len((await resp.json())["turns"]), 1, "turns: B's messages were not stored")

        await srv.say("yes", cid, **_bearer(alice))
        expect(srv.simulator.state("front_door_lock")["locked"], False, "lock after A's yes")


def test_confirmation_tokens_expire_and_are_single_use() -> None:
    from assistant.server.confirmations import ConfirmationTokens

    now = [100.0]
    tokens = ConfirmationTokens(ttl_s=60, clock=lambda: now[0])
    first = tokens.issue("key:a", "front_door_lock", "unlock", {})
    expect(tokens.redeem(first, "key:a", "front_door_lock", "unlock", {}), True, "in time")
    expect(tokens.redeem(first, "key:a", "front_door_lock", "unlock", {}), False, "used")
    late = tokens.issue("key:a", "front_door_lock", "unlock", {})
    now[0] += 60.5
    expect(tokens.redeem(late, "key:a", "front_door_lock", "unlock", {}), False, "expired")
    other = tokens.issue("key:a", "front_door_lock", "unlock", {"a": 1, "b": 2})
    expect(tokens.redeem(other, "key:a", "front_door_lock", "unlock", {"b": 2, "a": 1}), True,
           "the same params in another order")


def test_failures_block_an_address_for_a_minute() -> None:
    from assistant.server.ratelimit import FailureLimiter

    now = [0.0]
    limiter = FailureLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        expect(limiter.blocked("10.0.0.1"), 0.0, "before the third failure")
        limiter.record("10.0.0.1")
        now[0] += 1
    expect(limiter.blocked("10.0.0.1"), 57.0, "blocked until the first failure is 60 s old")
    expect(limiter.blocked("10.0.0.2"), 0.0, "another address")
    now[0] = 60.0
    expect(limiter.blocked("10.0.0.1"), 0.0, "a minute after the first failure")


def test_every_guarded_route_names_its_scope() -> None:
    from assistant.server.routes import ROUTES

    scopes = {(r.method, r.path): r.scope for r in ROUTES if not r.public}
    expect(scopes, {
        ("POST", "/api/v1/messages"): "chat",
        ("GET", "/api/v1/conversations/{conversation_id}"): "read",
        ("POST", "/api/v1/parse"): "chat",
        ("POST", "/api/v1/commands"): "control",
        ("GET", "/api/v1/devices"): "read",
        ("GET", "/api/v1/devices/{device_id}"): "read",
        ("POST", "/webhooks/rest/webhook"): "chat",
        ("POST", "/model/parse"): "chat",
    }, "route scopes (a new route without one needs admin)")
