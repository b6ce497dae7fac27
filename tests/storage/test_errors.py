"""Coded errors for bad URLs and unreachable databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.storage import Storage, migrate
from assistant.storage._url import resolve_url
from assistant.storage.errors import DatabaseUnreachableError, DatabaseUrlError
from tests.storage._support import PG_URL, expect


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/a.db", "sqlite+aiosqlite:///data/a.db"),
        ("sqlite+aiosqlite:////abs/a.db", "sqlite+aiosqlite:////abs/a.db"),
        ("postgresql://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgres://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
    ],
)
def test_plain_urls_map_to_async_drivers(given: str, expected: str) -> None:
    got = resolve_url(given).render_as_string(hide_password=False)
    expect(got, expected, f"resolved {given}")


@pytest.mark.parametrize(
    "url",
    ["mysql://u@db/app", "sqlite://", "sqlite:///:memory:", "postgresql+psycopg2://u@h/d", "::"],
)
def test_unsupported_urls_are_E402(url: str) -> None:
    with pytest.raises(DatabaseUrlError) as info:
        resolve_url(url)
    expect(info.value.code, "E402", f"code for {url}")
    assert info.value.hint, f"expected a hint for {url}"


@pytest.mark.asyncio
async def test_postgres_not_listening_is_E400_with_a_hint() -> None:
    url = "postgresql://ann:s3cret@127.0.0.1:1/app"
    for attempt in (migrate(url), Storage.open(url)):
        with pytest.raises(DatabaseUnreachableError) as info:
            await attempt
        error = info.value
        expect((error.code, error.status), ("E400", 503), "code and status")
        assert "127.0.0.1:1" in error.hint, f"expected host:port in the hint, got {error.hint!r}"
        assert "s3cret" not in str(error), f"expected the password hidden, got {error}"


@pytest.mark.asyncio
@pytest.mark.skipif(not PG_URL, reason="needs ASSISTANT_TEST_DATABASE_URL")
async def test_missing_postgres_database_is_E400() -> None:
    url = resolve_url(PG_URL).set(database="assistant_no_such_db")
    with pytest.raises(DatabaseUnreachableError) as info:
        await migrate(url)
    assert "assistant_no_such_db" in str(info.value), f"expected the db name in {info.value}"


@pytest.mark.asyncio
async def test_sqlite_path_under_a_file_is_E400(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(DatabaseUnreachableError) as info:
        await migrate(f"sqlite:///{blocker / 'assistant.db'}")
    expect(info.value.code, "E400", "code")
    assert "writable path" in info.value.hint, f"unexpected hint {info.value.hint!r}"


@pytest.mark.asyncio
async def test_sqlite_path_that_is_a_folder_is_E400(tmp_path: Path) -> None:
    folder = tmp_path / "db-is-a-folder"
    folder.mkdir()
    with pytest.raises(DatabaseUnreachableError) as info:
        await Storage.open(f"sqlite:///{folder}")
    assert str(folder) in info.value.hint, f"expected the path in the hint, got {info.value.hint!r}"
