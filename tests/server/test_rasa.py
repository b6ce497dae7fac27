"""The Rasa-compatible endpoints keep existing Rasa clients working."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.config import Settings
from tests.server._support import expect, running

pytestmark = pytest.mark.asyncio


async def test_rasa_webhook_and_model_parse_shapes(make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        resp = await srv.client.post("/webhooks/rest/webhook", json={
            "sender": "alice", "message": "turn on the kitchen light",
            "metadata": {"client": "rasa-webchat"}})
        body = await resp.json()
        expect(resp.status, 200, f"webhook status ({body})")
        expect(body, [{"recipient_id": "alice", "text": "Turned on the kitchen light."}],
               "webhook answer")
        expect(srv.simulator.state("kitchen_light")["on"], True, "kitchen light")

        resp = await srv.client.post("/webhooks/rest/webhook",
                                     json={"sender": "alice", "message": "hello"})
        body = await resp.json()
        assert isinstance(body, list) and body and set(body[0]) == {"recipient_id", "text"}, \
            f"webhook answer: got {body}"
        conv = await (await srv.client.get("/api/v1/conversations/alice")).json()
        expect((conv["channel"], conv["sender"], conv["turn_count"]), ("rest", "alice", 2),
               "the sender's conversation")

        resp = await srv.client.post("/model/parse", json={"text": "turn off the kitchen light"})
        parsed = await resp.json()
        expect(resp.status, 200, "parse status")
        expect(sorted(parsed), ["entities", "intent", "intent_ranking", "source", "text"],
               "parse keys (Rasa's, and which NLU backend and model answered)")
        expect(parsed["intent"]["name"], "turn_off", "intent")
        expect(sorted(parsed["intent"]), ["confidence", "name"], "intent keys")
        device = [e for e in parsed["entities"] if e["entity"] == "device"]
        expect([(e["start"], e["end"], e["value"]) for e in device],
               [(13, 26, "kitchen light")], "device entity")
        assert {"start", "end", "value", "entity", "confidence"} <= set(device[0]), device[0]
        expect(parsed, await (await srv.client.post(
            "/api/v1/parse", json={"text": "turn off the kitchen light"})).json(),
            "/model/parse vs /api/v1/parse")


async def test_a_sender_that_is_not_an_id_still_maps_to_one_conversation(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings()) as srv:
        for _ in range(2):
            resp = await srv.client.post("/webhooks/rest/webhook",
                                         json={"sender": "Bob Smith / phone", "message": "hi"})
            expect(resp.status, 200, "webhook status")
        convs = await srv.services.storage.list_conversations(sender="Bob Smith / phone")
        expect([c.turn_count for c in convs], [2], "turns of the one conversation")
