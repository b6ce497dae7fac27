"""A circuit breaker per device, on top of the ``circuitbreaker`` library.

Closed: calls pass. After ``threshold`` consecutive failed calls (timeout, 5xx, unreachable;
a refused or unauthorised call is an answer, not a failure) it opens: calls are refused
locally. After ``recovery_s`` it is half-open: the next call goes through; success closes it,
failure opens it again for another ``recovery_s``.
"""

from __future__ import annotations

from types import TracebackType

from circuitbreaker import STATE_OPEN, CircuitBreaker

from assistant.actions.errors import DeviceCallError


def _is_failure(_: type[BaseException], exc: BaseException) -> bool:
    return isinstance(exc, DeviceCallError) and exc.breaker_failure


class DeviceBreaker(CircuitBreaker):
    def __init__(self, device_id: str, *, threshold: int, recovery_s: float) -> None:
        super().__init__(
            failure_threshold=threshold,
            recovery_timeout=recovery_s,
            expected_exception=_is_failure,
            name=f"device:{device_id}",
        )

    @property
    def is_open(self) -> bool:
        return self.state == STATE_OPEN

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc_type is not None and not issubclass(exc_type, Exception):
            return False  # cancelled: neither a success nor a failure
        return bool(super().__exit__(exc_type, exc, tb))
