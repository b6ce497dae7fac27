"""Helpers shared by the storage tests (imported by conftest and the test modules)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assistant.storage import Storage, migrate

PG_URL = os.environ.get("ASSISTANT_TEST_DATABASE_URL", "")


@dataclass(frozen=True)
class Database:
    """Where one test's database lives: pass ``url`` and ``schema`` to migrate/open."""

    backend: str
    url: str
    schema: str | None

    async def open(self, **kwargs: object) -> Storage:
        return await Storage.open(self.url, schema=self.schema, **kwargs)  # type: ignore[arg-type]

    async def migrate(self) -> str:
        return await migrate(self.url, schema=self.schema)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def expect(got: object, expected: object, what: str) -> None:
    """Assert equality with a message that quotes both sides."""
    assert got == expected, f"{what}: expected {expected!r}, got {got!r}"
