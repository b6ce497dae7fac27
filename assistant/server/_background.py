"""A component built in the thread pool after start-up (the NLU model, the device resolver),
so the server listens at once and ``/ready`` says when each part is there. A component
built from another (the dialogue engine, from the NLU backend's labels) names it in
``after``: its build starts once that one is built or has failed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, Generic, TypeVar

from assistant.errors import AssistantError
from assistant.server.context import in_context
from assistant.server.errors import NotReadyError

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Background(Generic[T]):
    def __init__(self, name: str, build: Callable[[], T], pool: Executor, *,
                 after: Background[Any] | None = None) -> None:
        self.name = name
        self._after = after
        self._build = build
        self._pool = pool
        self._value: T | None = None
        self._error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self.seconds: float | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        if self._after is not None:
            self._after.start()
            await self._after.close()  # built or failed: the build reads its value()
        started = time.perf_counter()
        try:
            value = await asyncio.get_running_loop().run_in_executor(
                self._pool, in_context(self._build))
        except Exception as exc:  # noqa: BLE001 - kept and reported by /ready and by `get()`
            self._error = exc
            logger.error("%s failed to load: %s", self.name, exc)
        else:
            self._value = value
            self.seconds = time.perf_counter() - started
            logger.info("%s ready in %.2f s", self.name, self.seconds)

    async def wait(self) -> T:
        """The value once built; raises what the build raised."""
        self.start()
        assert self._task is not None
        await asyncio.shield(self._task)
        return self.get()

    async def close(self) -> None:
        """Wait for a build still running in its thread (a thread cannot be cancelled)."""
        if self._task is not None:
            await asyncio.gather(asyncio.shield(self._task), return_exceptions=True)

    @property
    def ready(self) -> bool:
        return self._value is not None

    def value(self) -> T | None:
        """The value once built, else None (never raises)."""
        return self._value

    def status(self) -> dict[str, object]:
        if self._value is not None:
            return {"ok": True, "seconds": round(self.seconds or 0.0, 3)}
        if self._error is not None:
            return {"ok": False, "error": _describe(self._error)}
        return {"ok": False, "error": {"code": NotReadyError.code, "message": "still loading"}}

    def get(self) -> T:
        """The value, or: the build's own coded error (e.g. E200 no model), or E707."""
        if self._value is not None:
            return self._value
        if isinstance(self._error, AssistantError):
            raise self._error.with_traceback(None)  # the same error each call; no growing tb
        if self._error is not None:
            raise NotReadyError(f"the {self.name} failed to load: {self._error}",
                                hint="see the server log; fix the cause and restart") from None
        raise NotReadyError(f"the {self.name} is still loading", hint="retry in a moment",
                            headers={"Retry-After": "1"})


def _describe(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, AssistantError):
        return exc.to_dict()
    return {"code": "E000", "message": f"{type(exc).__name__}: {exc}", "hint": ""}
