"""`assistant run`, `assistant devices simulate` and `assistant shell`, as a user runs them."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server._support import ROOT, expect

READY = re.compile(r"assistant ready at (http://127\.0\.0\.1:\d+) in ([\d.]+) s")


def _env(model: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(PYTHONUNBUFFERED="1", ASSISTANT_MODEL_DIR=str(model),
               ASSISTANT_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
               ASSISTANT_FLOWS_DIR=str(ROOT / "flows"), ASSISTANT_DATA_DIR=str(ROOT / "nlu_data"),
               ASSISTANT_DEVICES_FILE=str(ROOT / "devices.yaml"), **extra)
    return env


@contextmanager
def _spawn(*args: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from assistant.cli.main import main; main()", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=ROOT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _read_until(proc: subprocess.Popen[str], pattern: re.Pattern[str], timeout_s: float
                ) -> re.Match[str]:
    """The first stdout line matching ``pattern``; fails after ``timeout_s`` (a reader
    thread, so a silent process cannot hang the test)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    seen: list[str] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if not line:
            break
        seen.append(line)
        if match := pattern.search(line):
            return match
    proc.kill()
    err = proc.stderr.read() if proc.stderr else ""
    raise AssertionError(f"expected a line matching {pattern.pattern!r} within {timeout_s} s, "
                         f"got {seen}; stderr: {err[-2000:]}")


def _post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def test_run_serves_until_interrupted(bundled_model: Path, tmp_path: Path) -> None:
    # the time to ready is bench/startup.py's to measure, not a test's
    with _spawn("run", "--port", "0", env=_env(bundled_model, tmp_path)) as proc:
        url = _read_until(proc, READY, timeout_s=60).group(1)
        with urllib.request.urlopen(url + "/ready", timeout=10) as resp:
            expect(resp.status, 200, "/ready")
        out = _post(url + "/api/v1/messages", {"text": "turn on the kitchen light"})
        expect(out["replies"], ["Turned on the kitchen light."], "replies")
        proc.send_signal(signal.SIGINT)
        expect(proc.wait(20), 0, "exit code after Ctrl-C")


def test_run_refuses_a_public_address_without_keys(bundled_model: Path, tmp_path: Path) -> None:
    with _spawn("run", "--host", "0.0.0.0", env=_env(bundled_model, tmp_path)) as proc:
        _, err = proc.communicate(timeout=120)
    expect(proc.returncode, 2, f"exit code ({err})")
    assert "E701" in err and "ASSISTANT_API_KEYS" in err, err


def test_devices_simulate_serves_the_registry(tmp_path: Path) -> None:
    line = re.compile(r"^\s+kitchen_light\s+(http://127\.0\.0\.1:\d+)\s+generated token (\S+)")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    with _spawn("devices", "simulate", "--base-port", "0", env={**env, "PYTHONUNBUFFERED": "1"}
                ) as proc:
        match = _read_until(proc, line, timeout_s=60)
        request = urllib.request.Request(match.group(1) + "/api/v1/state",
                                         headers={"Authorization": f"Bearer {match.group(2)}"})
        with urllib.request.urlopen(request, timeout=10) as resp:
            state = json.loads(resp.read())
        expect((state["device_id"], state["state"]["on"]), ("kitchen_light", False), "state")
        proc.send_signal(signal.SIGINT)
        expect(proc.wait(20), 0, "exit code after Ctrl-C")


def test_shell_chats_with_the_assistant(bundled_model: Path, tmp_path: Path) -> None:
    with _spawn("shell", "--model", str(bundled_model),
                env=_env(bundled_model, tmp_path)) as proc:
        out, err = proc.communicate("turn on the kitchen light\n\n/exit\n", timeout=120)
    expect(proc.returncode, 0, f"exit code ({err})")
    assert "assistant> Turned on the kitchen light." in out, out
    assert "E302" in out, f"an empty line: expected a coded error, got {out}"


def test_shell_nlu_prints_the_parse(bundled_model: Path, tmp_path: Path) -> None:
    with _spawn("shell", "--nlu", "--model", str(bundled_model),
                env=_env(bundled_model, tmp_path)) as proc:
        out, err = proc.communicate("turn on the kitchen light\n/exit\n", timeout=120)
    expect(proc.returncode, 0, f"exit code ({err})")
    assert '"name": "turn_on"' in out, out
