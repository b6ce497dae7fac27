"""``GET /health`` (the process answers) and ``GET /ready`` (it can serve a message)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from assistant.errors import AssistantError
from assistant.server.errors import NotReadyError
from assistant.server.keys import SERVICES
from assistant.server.services import Services
from assistant.storage.errors import DatabaseTimeoutError

DB_TIMEOUT_S = 2.0


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    checks = await readiness(request.app[SERVICES])
    failed = sorted(name for name, check in checks.items() if not check["ok"])
    if failed:
        raise NotReadyError(f"not ready: {', '.join(failed)}",
                            hint="see details; /ready turns 200 when every check passes",
                            details=[{"check": n, **checks[n]} for n in failed],
                            headers={"Retry-After": "1"})
    return web.json_response({"status": "ready", "checks": checks})


async def readiness(services: Services) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {
        "model": _nlu(services),
        "resolver": services.resolver.status(),
        "dialogue": services.dialogue.status(),
        "database": await _database(services),
    }
    if services.settings.simulate:
        sim = services.simulator
        checks["simulator"] = ({"ok": True, "devices": len(sim.endpoints)}
                               if sim is not None and services.simulator_running
                               else {"ok": False, "error": {"code": NotReadyError.code,
                                                            "message": "simulator not running"}})
    return checks


def _nlu(services: Services) -> dict[str, Any]:
    """The NLU backend's load status and, once it is there, which backend and model answer."""
    status: dict[str, Any] = dict(services.nlu.status())
    backend = services.nlu.value()
    if backend is not None:
        status.update(backend.info().to_dict())
    return status


async def _database(services: Services) -> dict[str, Any]:
    try:
        async with asyncio.timeout(DB_TIMEOUT_S):
            await services.storage.list_conversations(limit=1)
    except AssistantError as exc:
        return {"ok": False, "error": exc.to_dict()}
    except TimeoutError:
        return {"ok": False, "error": {"code": DatabaseTimeoutError.code, "message":
                                       f"no answer within {DB_TIMEOUT_S:g} s"}}
    return {"ok": True, "backend": services.storage.dialect}
