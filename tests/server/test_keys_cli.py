"""`assistant keys create|list|revoke` and `assistant audit`, run as a user runs them (typer's
CliRunner over the real console script, a real SQLite database for the audit)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.server.auth import digest, read_keys_file
from assistant.storage import Storage
from tests.server._support import expect

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name != "ASSISTANT_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ASSISTANT_DATA_ROOT", str(tmp_path / "data"))
    yield tmp_path / "data"


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, f"assistant {' '.join(args)}: exit {result.exit_code}\n" \
                                  f"{result.output}{result.exception!r}"
    return result.output


def test_create_prints_the_key_once_and_stores_its_hash(env: Path) -> None:
    out = _run("keys", "create", "--name", "tablet", "--scopes", "chat,control")
    key = out.strip().splitlines()[-1]
    assert key.startswith("ha_") and len(key) >= 43, f"the key line: {key!r}"
    keys_file = env / "api_keys.json"
    text = keys_file.read_text()
    assert key not in text and digest(key) in text, "the file holds the hash, not the key"
    expect(oct(keys_file.stat().st_mode & 0o777), "0o600", "keys file mode")
    (made,) = read_keys_file(keys_file)
    expect((made.name, sorted(made.scopes), made.revoked_at), ("tablet", ["chat", "control"],
                                                               None), "stored key")

    listed = [json.loads(line) for line in _run("keys", "list", "--json").splitlines()]
    expect([(k["id"], k["name"], k["revoked_at"]) for k in listed], [(made.id, "tablet", None)],
           "keys list")
    assert key not in _run("keys", "list"), "keys list never shows a key"

    _run("keys", "revoke", made.id)
    (revoked,) = read_keys_file(keys_file)
    assert revoked.revoked_at is not None, "revoked_at after revoke"

    actions = [json.loads(line) for line in _run("audit", "--admin", "--json").splitlines()]
    expect([(a["action"], a["target"]) for a in actions],
           [("keys.revoke", made.id), ("keys.create", made.id)], "admin actions, newest first")
    assert all(a["actor"].startswith("cli:") for a in actions), actions


@pytest.mark.parametrize("args", [
    ("keys", "create", "--name", "x", "--scopes", "chat,fly"),
    ("keys", "create", "--name", "", "--scopes", "chat"),
    ("keys", "revoke", "0123456789ab"),
    ("audit", "--since", "yesterday"),
])
def test_bad_options_are_coded_errors(env: Path, args: tuple[str, ...]) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0, f"{args}: expected a failure, got {result.output}"
    assert isinstance(result.exception, Exception) and getattr(
        result.exception, "code", "").startswith("E72"), f"{args}: {result.exception!r}"


def test_audit_prints_the_device_calls(env: Path) -> None:
    url = f"sqlite:///{env / 'assistant.db'}"

    async def fill() -> None:
        storage = await Storage.open(url, upgrade=True)
        try:
            for device, action, ok in (("kitchen_light", "turn_on", True),
                                       ("front_door_lock", "unlock", False)):
                await storage.record_device_call(
                    device_id=device, action=action, params={}, requested_by="key:abc",
                    success=ok, started_at=datetime.now(UTC),
                    error_code=None if ok else "E506")
        finally:
            await storage.close()

    asyncio.run(fill())
    rows = [json.loads(line) for line in _run("audit", "--json").splitlines()]
    expect([(r["device"], r["action"], r["outcome"]) for r in rows],
           [("front_door_lock", "unlock", "E506"), ("kitchen_light", "turn_on", "ok")],
           "audit rows, newest first")
    rows = [json.loads(line) for line in _run("audit", "--json", "--device", "kitchen_light",
                                              "--since", "1h").splitlines()]
    expect([r["device"] for r in rows], ["kitchen_light"], "--device")
    assert "front_door_lock" in _run("audit", "--limit", "1"), "the table form"
