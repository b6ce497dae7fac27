"""schemathesis against a real server's /api/openapi.json: at least 2,000 generated requests,
checks not_a_server_error and response_schema_conformance, 0 failures.

A real `assistant run` (tiny model, SQLite) and a real simulator process; the schemathesis
CLI with a fixed seed, so a failure is replayed by the same command.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.faults._support import BIN, ROOT, server, simulator

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

EXAMPLES = int(os.environ.get("ASSISTANT_TEST_SCHEMATHESIS_EXAMPLES", "200"))
MIN_REQUESTS = 2000


def test_schemathesis_finds_no_failure(bundled_model: Path, env_tokens: dict[str, str],
                                       tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    with simulator(tmp_path, env_tokens) as (_sim, devices_file):
        srv = server(tmp_path, model_dir=bundled_model, devices_file=devices_file,
                     database_url=f"sqlite:///{tmp_path / 'assistant.db'}", env_tokens=env_tokens)
        srv.start()
        try:
            run = subprocess.run(
                [str(BIN / "schemathesis"), "run", f"{srv.url}/api/openapi.json",
                 "--checks", "not_a_server_error,response_schema_conformance",
                 "--max-examples", str(EXAMPLES), "--seed", "15", "--workers", "2",
                 "--report", "ndjson", "--report-ndjson-path", str(events)],
                check=False, cwd=ROOT, capture_output=True, text=True, timeout=420)
        finally:
            srv.proc.stop()
    output = run.stdout + run.stderr
    requests_made = 0
    for line in events.read_text(encoding="utf-8").splitlines() if events.exists() else []:
        requests_made += line.count('"response"')
    logger.info("schemathesis: rc %d, about %d requests", run.returncode, requests_made)
    assert run.returncode == 0, f"schemathesis failed (rc {run.returncode}):\n{output[-6000:]}"
    assert requests_made >= MIN_REQUESTS or _cases(output) >= MIN_REQUESTS, \
        f"expected >= {MIN_REQUESTS} requests, got about {requests_made}:\n{output[-3000:]}"


def _cases(output: str) -> int:
    """The test cases the CLI's summary counts (``N generated``), 0 when absent."""
    found = re.findall(r"(\d+) generated", output)
    return sum(int(n) for n in found) if found else 0

