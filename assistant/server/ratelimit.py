"""Token buckets per client (API key or address): ``limit`` requests a minute, in bursts of
at most ``limit``; and a count of failed attempts per address. In memory, per process."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last time)

    def take(self, client: str) -> float:
        """0.0 if the request may go ahead; else the seconds until it may (Retry-After)."""
        if self.per_minute <= 0:
            return 0.0
        now = self._clock()
        tokens, last = self._buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self._rate)
        if tokens >= 1.0:
            self._store(client, tokens - 1.0, now)
            return 0.0
        self._store(client, tokens, now)
        return (1.0 - tokens) / self._rate

    def _store(self, client: str, tokens: float, now: float) -> None:
        if client not in self._buckets and len(self._buckets) >= self._max_clients:
            full = [k for k, (t, last) in self._buckets.items()
                    if t + (now - last) * self._rate >= self.per_minute]
            for k in full or list(self._buckets)[: len(self._buckets) // 2]:
                del self._buckets[k]
        self._buckets[client] = (tokens, now)


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


class FailureLimiter:
    """Failed attempts (wrong API keys) per client address: after ``limit`` failures within
    a minute the address is blocked until the oldest of them is a minute old."""

    WINDOW_S = 60.0

    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        self.limit = limit
        self._clock = clock
        self._max_clients = max_clients
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, address: str) -> float:
        """0.0 if the address may try; else the seconds until it may (Retry-After)."""
        times = self._failures.get(address)
        if not times:
            return 0.0
        now = self._clock()
        while times and now - times[0] >= self.WINDOW_S:
            times.popleft()
        if not times:
            del self._failures[address]
            return 0.0
        if len(times) < self.limit:
            return 0.0
        return times[0] + self.WINDOW_S - now

    def record(self, address: str) -> None:
        times = self._failures.get(address)
        if times is None:
            if len(self._failures) >= self._max_clients:
                self._forget_oldest()
            times = self._failures[address] = deque(maxlen=self.limit)
        times.append(self._clock())

    def _forget_oldest(self) -> None:
        by_last = sorted(self._failures, key=lambda a: self._failures[a][-1])
        for address in by_last[: len(by_last) // 2 or 1]:
            del self._failures[address]
