"""Serve the app until SIGINT/SIGTERM (``assistant run``), or drive it from a test."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Callable

from aiohttp import web

from assistant.config import Settings
from assistant.server.app import create_app
from assistant.server.edge import EdgeRunner
from assistant.server.keys import SERVICES

logger = logging.getLogger(__name__)


async def serve(settings: Settings, *, on_ready: Callable[[str, float], None] | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Listen on ``settings.host:port``; once every component is loaded call
    ``on_ready(url, seconds)``; run until ``stop`` is set or a signal comes.

    A component that fails to load (no model, a broken flow file) raises its coded error
    here, after the server is closed again: ``assistant run`` never serves half an assistant.
    """
    started = time.perf_counter()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    app = create_app(settings)
    runner = make_runner(app, settings)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        port = runner.addresses[0][1]
        url = settings.model_copy(update={"port": port}).url
        for part in app[SERVICES].components():
            await part.wait()
        # What start-up built (model, spaCy, flows) lives as long as the process: out of the
        # collector's sight, so a full collection under load scans only per-request objects.
        gc.collect()
        gc.freeze()
        if on_ready is not None:
            on_ready(url, time.perf_counter() - started)
        await stop.wait()
    finally:
        await runner.cleanup()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


def make_runner(app: web.Application, settings: Settings) -> web.AppRunner:
    """The runner ``serve`` uses: coded JSON for malformed requests, idle and half-sent
    headers closed after ``settings.idle_timeout_s``, URL and header limits (see edge.py)."""
    return EdgeRunner(app, settings, handler_cancellation=False)
