"""The real app over real parts: a tiny-encoder model trained on the bundled nlu_data, the
in-process device simulator, SQLite in tmp_path (PostgreSQL too when
ASSISTANT_TEST_DATABASE_URL is set, each test in a fresh schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from assistant.config import Settings
from assistant.storage._url import resolve_url
from tests.server._support import ROOT, settings_for
from tests.storage._support import PG_URL

# Set to a folder to keep the trained test model between runs (it is retrained when the
# data or the config change); by default it is trained once per session into a temp folder.
MODEL_CACHE = os.environ.get("ASSISTANT_TEST_SERVER_MODEL_CACHE", "")
EPOCHS = 10

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
        not PG_URL, reason="set ASSISTANT_TEST_DATABASE_URL=postgresql://... to run")),
]


@pytest.fixture(scope="session")
def bundled_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny encoder trained on the bundled nlu_data (about 30 s on 2 cores; intent
    accuracy on its training data about 0.99)."""
    from assistant.nlu.config import load_config
    from assistant.nlu.training.pipeline import train_model

    out = Path(MODEL_CACHE) if MODEL_CACHE else tmp_path_factory.mktemp("server_model") / "nlu"
    outcome = train_model(ROOT / "nlu_data", out,
                          load_config(None, encoder="tiny", epochs=EPOCHS, threads=1))
    accuracy = float(outcome.metrics.get("intent_accuracy", 0))
    assert accuracy >= 0.95, f"test model intent accuracy: expected >= 0.95, got {accuracy}"
    return out


async def _drop_schema(schema: str) -> None:
    engine = create_async_engine(resolve_url(PG_URL))
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path
                   ) -> AsyncIterator[dict[str, Any]]:
    """Settings for an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield {"database_url": f"sqlite:///{tmp_path / 'db' / 'assistant.db'}"}
        return
    schema = f"assistant_srv_{uuid.uuid4().hex[:12]}"
    try:
        yield {"database_url": PG_URL, "database_schema": schema}
    finally:
        await _drop_schema(schema)


@pytest.fixture
def make_settings(bundled_model: Path, database: dict[str, Any], tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Settings]]:
    """``make_settings(**overrides)``: settings for the real app in this test's database."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name != "ASSISTANT_TEST_DATABASE_URL":
            monkeypatch.delenv(name)

    def make(**overrides: Any) -> Settings:
        return settings_for(bundled_model, tmp_path, **{**database, **overrides})

    yield make
