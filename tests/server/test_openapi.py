"""The OpenAPI document and the real router agree, both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from assistant.config import Settings
from assistant.server.app import create_app
from tests.server._support import expect, running

pytestmark = pytest.mark.asyncio


def _real_routes(app: web.Application) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes():
        if isinstance(route.resource, web.StaticResource) or route.method in ("HEAD", "*"):
            continue  # aiohttp adds HEAD to every GET
        assert route.resource is not None
        routes.add((route.resource.canonical, route.method.lower()))
    return routes


async def test_every_route_is_documented_and_every_documented_route_exists(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings(), wait_ready=False) as srv:
        resp = await srv.client.get("/api/openapi.json")
        doc = await resp.json()
        expect(resp.status, 200, "status")
    expect(doc["openapi"], "3.1.0", "OpenAPI version")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    real = _real_routes(create_app(make_settings()))
    expect(sorted(documented - real), [], "documented but not routed")
    expect(sorted(real - documented), [], "routed but not documented")


async def test_every_schema_reference_resolves(make_settings: Callable[..., Settings]) -> None:
    from assistant.server.openapi import document
    from assistant.server.routes import ROUTES

    doc = document(ROUTES)
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    schemas = doc["components"]["schemas"]
    missing = sorted({r for r in refs if r.removeprefix("#/components/schemas/") not in schemas})
    expect(missing, [], "unresolved $refs")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "200" in op["responses"], f"{method.upper()} {path}: no 200 response"
            if op.get("security") != []:
                assert "401" in op["responses"], f"{method.upper()} {path}: 401 not documented"


def _operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", op) for path, ops in doc["paths"].items()
            for method, op in ops.items()]


async def test_a_loopback_instance_without_keys_declares_no_auth(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings(max_text_chars=321), wait_ready=False) as srv:
        doc = await (await srv.client.get("/api/openapi.json")).json()
    assert "security" not in doc and "securitySchemes" not in doc["components"], \
        f"a loopback instance without keys declares auth: {doc.get('security')}"
    for name, op in _operations(doc):
        assert "security" not in op, f"{name}: declares security {op['security']}"
        assert "401" not in op["responses"], f"{name}: documents a 401 it cannot answer"
        for status in ("400", "403", "414", "431"):
            assert status in op["responses"], f"{name}: {status} not documented"
        if "requestBody" in op:
            for status in ("408", "413", "415"):
                assert status in op["responses"], f"{name}: {status} not documented"
    param = doc["paths"]["/api/v1/conversations/{conversation_id}"]["get"]["parameters"][0]
    assert param["schema"].get("pattern"), f"conversation_id without its pattern: {param}"
    schemas = doc["components"]["schemas"]
    for model, field in (("MessageRequest", "text"), ("ParseRequest", "text"),
                         ("RasaParseRequest", "text"), ("RasaWebhookRequest", "message")):
        prop = schemas[model]["properties"][field]
        expect((prop.get("minLength"), prop.get("maxLength")), (1, 321), f"{model}.{field}")


async def test_with_keys_every_guarded_operation_declares_its_security(
        make_settings: Callable[..., Settings]) -> None:
    async with running(make_settings(api_keys=["k" * 40]), wait_ready=False) as srv:
        doc = await (await srv.client.get("/api/openapi.json",
                                          headers={"X-API-Key": "k" * 40})).json()
    assert set(doc["components"].get("securitySchemes", {})) == {"bearer", "apiKey"}, doc
    for name, op in _operations(doc):
        if name in ("GET /health", "GET /ready", "GET /api/openapi.json"):
            expect(op.get("security"), [], f"{name}: public")
        else:
            expect(op.get("security"), [{"bearer": []}, {"apiKey": []}], f"{name}: security")
            assert "401" in op["responses"], f"{name}: 401 not documented"
