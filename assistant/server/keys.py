"""Typed application state (``app[KEY]``), set by ``create_app`` and its cleanup contexts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from assistant.config import Settings
from assistant.server.ratelimit import RateLimiter
from assistant.server.services import Services

if TYPE_CHECKING:
    from assistant.server.auth import Access
    from assistant.server.confirmations import ConfirmationTokens
    from assistant.server.timers import TimerScheduler

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
LIMITER = web.AppKey("rate_limiter", RateLimiter)
PUBLIC_PATHS: web.AppKey[frozenset[str]] = web.AppKey("public_paths")
SCHEDULER: web.AppKey[TimerScheduler] = web.AppKey("timer_scheduler")
ROUTE_SCOPES: web.AppKey[dict[str, str]] = web.AppKey("route_scopes")  # operation id -> scope
ACCESS: web.AppKey[Access] = web.AppKey("access")
CONFIRMATIONS: web.AppKey[ConfirmationTokens] = web.AppKey("confirmations")
