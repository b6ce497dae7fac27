"""Everything a turn needs, opened once and closed once: ``open_services(settings)``.

The app opens it in a ``cleanup_ctx``; ``assistant shell`` opens it directly. Order: the
thread pool, the registry and the scenes (checked), storage (migrated), the simulator (when
``simulate``), the device adapters (one per kind of connection in use); then the NLU
backend (``assistant.nlu.backend``), the device resolver (spaCy) and the dialogue engine
(from the backend's labels, once it is there) are built in the pool while the server
already answers (``/ready`` says when they are there).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.server._background import Background
from assistant.server.context import in_context
from assistant.server.events import EventBus

if TYPE_CHECKING:
    from assistant.actions.adapter import Adapters
    from assistant.actions.device import Registry
    from assistant.actions.resolve import DeviceResolver
    from assistant.actions.scenes import Scenes
    from assistant.actions.simulator import DeviceSimulator
    from assistant.nlu.backend import NLUBackend
    from assistant.storage import Storage

logger = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    pool: ThreadPoolExecutor
    storage: Storage
    registry: Registry
    adapters: Adapters  # each device to its adapter (rest, ...)
    simulator: DeviceSimulator | None
    nlu: Background[NLUBackend]
    resolver: Background[DeviceResolver]
    dialogue: Background[Any]  # assistant.dialogue.DialogueEngine
    scenes: Scenes
    timer_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    events: EventBus = field(default_factory=EventBus)  # push: what channels subscribe to
    simulator_running: bool = False

    async def run_blocking(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` in the thread pool, with the log ids of the caller."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, in_context(fn, *args))

    def components(self) -> list[Background[Any]]:
        return [self.nlu, self.resolver, self.dialogue]


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    from assistant.actions.adapter import AdapterOptions, Adapters
    from assistant.actions.registry import load_registry
    from assistant.actions.scenes import load_scenes
    from assistant.storage import Storage

    async with AsyncExitStack() as stack:
        pool = ThreadPoolExecutor(settings.worker_threads, thread_name_prefix="assistant")
        stack.callback(pool.shutdown, wait=False, cancel_futures=True)
        registry = load_registry(settings.devices_file)  # E510 lists every problem
        scenes = load_scenes(settings.scenes_file)  # E513 lists every problem
        storage = await Storage.open(settings.resolved_database_url,
                                     schema=settings.database_schema, upgrade=True,
                                     cache_conversations=settings.conversation_cache,
                                     timeout_s=settings.database_timeout_s)
        stack.push_async_callback(storage.close)
        await _warn_pending_calls(storage)
        simulator = None
        tokens: dict[str, str] | None = None
        if settings.simulate:
            from assistant.actions.simulator import DeviceSimulator

            simulator = DeviceSimulator(registry, base_port=settings.simulator_base_port)
            await stack.enter_async_context(simulator)
            registry, tokens = simulator.registry, simulator.tokens
        adapters = Adapters.for_registry(registry, AdapterOptions(
            timeout_s=settings.device_timeout_s, attempts=settings.device_attempts,
            deadline_s=settings.device_deadline_s,
            per_device_concurrency=settings.device_concurrency, tokens=tokens or {}))
        await stack.enter_async_context(adapters)

        nlu: Background[NLUBackend] = Background("NLU model",
                                                 lambda: _load_backend(settings, pool), pool)
        resolver = Background("device resolver", lambda: _build_resolver(registry), pool)
        dialogue = Background("dialogue engine", lambda: _load_dialogue(settings, nlu.value()),
                              pool, after=nlu)
        services = Services(settings, pool, storage, registry, adapters, simulator, nlu,
                            resolver, dialogue, scenes)
        stack.callback(services.events.close)  # subscriptions end at shut-down
        for part in services.components():
            part.start()
            stack.push_async_callback(part.close)
        services.simulator_running = simulator is not None
        try:
            yield services
        finally:
            services.simulator_running = False


async def _warn_pending_calls(storage: Storage) -> None:
    """Device calls whose intent was recorded but not their outcome (a crash or a database
    outage between the two): the device may have acted. Said once at start-up."""
    pending = await storage.list_device_calls(status="pending", limit=1000)
    if pending:
        logger.warning("%s device call(s) have no recorded outcome (status pending; the device "
                       "may have acted), the newest at %s", len(pending),
                       pending[0].started_at.isoformat())


def _load_backend(settings: Settings, pool: ThreadPoolExecutor) -> NLUBackend:
    from assistant.nlu.backend import load_local

    return load_local(settings.model_dir, pool, threads=settings.nlu_threads)


def _build_resolver(registry: Registry) -> DeviceResolver:
    from assistant.actions.resolve import DeviceResolver

    return DeviceResolver(registry)


def _load_dialogue(settings: Settings, nlu: NLUBackend | None) -> Any:
    from assistant.server.dialogue import load_engine

    return load_engine(settings, nlu.info() if nlu is not None else None)
