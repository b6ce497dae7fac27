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
