"""The composition root: ``create_app(settings)`` builds the aiohttp application.

    app = create_app(load_settings())
    web.run_app(app, host=settings.host, port=settings.port)

Start-up (``cleanup_ctx``, in order): the services (storage, simulator, device client, and in
the background the NLU model, the resolver and the dialogue engine), then the timer
scheduler. Shut-down runs them backwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from assistant.config import Settings
from assistant.server import edge
from assistant.server.auth import Access
from assistant.server.confirmations import ConfirmationTokens
from assistant.server.keys import (
    ACCESS,
    CONFIRMATIONS,
    LIMITER,
    PUBLIC_PATHS,
    SCHEDULER,
    SERVICES,
    SETTINGS,
)
from assistant.server.middleware import errors, guard, request_ids
from assistant.server.ratelimit import RateLimiter
from assistant.server.routes import add_routes
from assistant.server.services import open_services
from assistant.server.timers import TimerScheduler


def create_app(settings: Settings) -> web.Application:
    """The app for ``settings``; raises InsecureBindError (E701) when ``settings.host`` is
    beyond localhost and no API keys are set."""
    access = Access(settings)  # E720 for a broken keys file
    settings.check_bind(stored_keys=access.keyring.configured)
    app = web.Application(middlewares=[request_ids, errors, edge.edge, guard],
                          client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    edge.install(app, settings)
    app[LIMITER] = RateLimiter(settings.rate_limit_per_minute)
    app[ACCESS] = access
    app[CONFIRMATIONS] = ConfirmationTokens()
    app[PUBLIC_PATHS] = add_routes(app)
    app.cleanup_ctx.append(_services)
    app.cleanup_ctx.append(_timers)
    return app


async def _services(app: web.Application) -> AsyncIterator[None]:
    async with open_services(app[SETTINGS]) as services:
        app[SERVICES] = services
        yield


async def _timers(app: web.Application) -> AsyncIterator[None]:
    scheduler = TimerScheduler(app[SERVICES])
    app[SCHEDULER] = scheduler
    scheduler.start()
    yield
    await scheduler.close()
