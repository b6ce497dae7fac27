"""The timer scheduler: a background task of the app that fires due timers from storage.

Timers are rows (``storage.add_timer``), so a restart keeps them: the first pass after
start-up fires every timer that came due while the server was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from assistant.server.services import Services
from assistant.server.turns import fire_timer
from assistant.storage import TimerState

logger = logging.getLogger(__name__)


class TimerScheduler:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._task: asyncio.Task[None] | None = None
        self.fired = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="timers")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        wakeup = self._services.timer_wakeup
        while True:
            wakeup.clear()
            try:
                await self.fire_due()
                delay = await self._next_delay()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must outlive one bad timer or a database hiccup
                logger.exception("timer scheduler pass failed")
                delay = self._services.settings.timer_poll_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout=delay)

    async def fire_due(self) -> int:
        fired = 0
        for timer in await self._services.storage.due_timers():
            if await fire_timer(self._services, timer):
                fired += 1
        self.fired += fired
        return fired

    async def _next_delay(self) -> float:
        poll = self._services.settings.timer_poll_s
        running = await self._services.storage.list_timers(state=TimerState.RUNNING)
        if not running:
            return poll * 4
        wait = (running[0].fires_at - datetime.now(UTC)).total_seconds()
        return max(0.01, min(poll, wait))
