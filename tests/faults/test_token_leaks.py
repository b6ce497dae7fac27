"""Device tokens never appear in responses, logs, the database or metrics.

Known tokens (one per bundled device, through each device's token_env) go to a real
simulator process and a real `assistant run` (debug logging, SQLite file). The test drives
messages, commands, device reads, a device answering 500, a device that is down and a
device that rejects the token; then it searches every response body and header, the
server's whole log output, every row of every table and /metrics (when the server has it).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
import requests

from tests.faults._support import server, simulator

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

MESSAGES = ("turn on the kitchen light", "turn off the kitchen light", "unlock the front door",
            "yes", "set the bedroom thermostat to 21 degrees", "is the kitchen light on",
            "turn on the hallway light", "turn on the living room lamp", "what can you do")


def test_device_tokens_appear_nowhere(bundled_model: Path, env_tokens: dict[str, str],
                                      tmp_path: Path) -> None:
    db = tmp_path / "assistant.db"
    seen: list[tuple[str, str]] = []  # (what, text) searched afterwards
    with simulator(tmp_path, env_tokens) as (sim, devices_file):
        # the server's bedroom light token is wrong: the device answers 401
        server_tokens = {**env_tokens, "BEDROOM_LIGHT_TOKEN": env_tokens["BEDROOM_LIGHT_TOKEN"]
                         + "-wrong"}
        srv = server(tmp_path, model_dir=bundled_model, devices_file=devices_file,
                     database_url=f"sqlite:///{db}", env_tokens=server_tokens)
        srv.proc.args.insert(1, "--verbose")  # debug logs: the most the server ever writes
        srv.start()
        try:
            sim.faults("kitchen_light", error_rate=1.0)  # every call answers 500
            sim.faults("hallway_light", down=True)  # connection refused
            url = srv.url

            def keep(resp: requests.Response, what: str) -> None:
                seen.append((f"{what} body", resp.text))
                seen.append((f"{what} headers", repr(dict(resp.headers))))

            cid = "token-search"
            for text in MESSAGES:
                keep(requests.post(f"{url}/api/v1/messages", timeout=30,
                                   json={"text": text, "conversation_id": cid}), text)
            for device, action in (("kitchen_light", "turn_on"), ("hallway_light", "turn_on"),
                                   ("bedroom_light", "turn_on"), ("living_room_lamp", "turn_on"),
                                   ("front_door_lock", "unlock"), ("nope", "turn_on")):
                keep(requests.post(f"{url}/api/v1/commands", timeout=30,
                                   json={"device": device, "action": action}),
                     f"command {device}")
            for path in ("/api/v1/devices", "/api/v1/devices/kitchen_light",
                         "/api/v1/devices/bedroom_light", f"/api/v1/conversations/{cid}",
                         "/ready", "/health", "/api/openapi.json", "/metrics"):
                keep(requests.get(f"{url}{path}", timeout=30), f"GET {path}")
        finally:
            srv.proc.stop()
    seen.append(("server log", srv.proc.output()))
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            seen.append((f"table {table}", repr(rows)))
    assert len(tables) >= 5, tables
    assert "device_calls" in tables
    leaks = [(what, token_env) for what, text in seen
             for token_env, token in env_tokens.items() if token in text]
    leaks += [(what, "BEDROOM_LIGHT_TOKEN (wrong)") for what, text in seen
              if server_tokens["BEDROOM_LIGHT_TOKEN"] in text]
    assert leaks == [], f"device tokens found in: {leaks}"
    logger.info("tokens: %d outputs searched (%d tables), no token found", len(seen), len(tables))
