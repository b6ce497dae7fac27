"""The request and conversation ids of the work in progress, for every log record.

``request_id`` and ``conversation_id`` are context variables: the request-id middleware
sets the first, the turn handler the second, and ``IdsFilter`` copies both onto each
``logging.LogRecord`` (as ``record.request_id`` / ``record.conversation_id``, "-" when unset).
Code run in the thread pool goes through ``in_context`` so its log records carry them too.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                        default=None)
conversation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "conversation_id", default=None)

LOG_FORMAT = ("%(asctime)s %(levelname)s %(name)s [req=%(request_id)s conv=%(conversation_id)s]"
              " %(message)s")


class IdsFilter(logging.Filter):
    """Adds ``request_id`` and ``conversation_id`` to every record passing a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        if not hasattr(record, "conversation_id"):
            record.conversation_id = conversation_id.get() or "-"
        return True


def install_log_ids(handler: logging.Handler | None = None) -> None:
    """Put ``IdsFilter`` and ``LOG_FORMAT`` on ``handler`` (default: the root's handlers)."""
    handlers = [handler] if handler is not None else logging.getLogger().handlers
    for h in handlers:
        if not any(isinstance(f, IdsFilter) for f in h.filters):
            h.addFilter(IdsFilter())
        h.setFormatter(logging.Formatter(LOG_FORMAT))


def in_context(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    """``fn(*args)`` bound to a copy of the current context (for ``run_in_executor``)."""
    ctx = contextvars.copy_context()
    return functools.partial(ctx.run, fn, *args)
