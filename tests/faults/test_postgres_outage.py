"""A private PostgreSQL cluster (initdb + pg_ctl on its own port, never the system one)
stopped, killed and frozen under load: coded 503s within a bounded time, recovery by itself,
no acknowledged turn missing and no device call unaudited.

A real `assistant run` (database_timeout_s 2) and a real simulator process; three clients
send messages and commands the whole time. Phases: stop (pg_ctl stop -m fast), kill (SIGKILL
the postmaster and its backends), freeze (SIGSTOP every postgres process), each for a few
seconds, then start / SIGCONT and wait for the first 200.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.faults._support import PrivatePostgres, private_postgres, server, simulator

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

OUTAGE_S = 4.0
ANSWER_BOUND_S = 12.0  # database_timeout_s 2 plus retries and the device call, with margin
RECOVERY_S = 30.0
CODED = {502, 503, 504}  # a device or the database said no: with an error code


class Load:
    def __init__(self, url: str) -> None:
        self.url = url
        self.acked: list[tuple[str, int, str]] = []
        self.bad: list[str] = []
        self.slow: list[str] = []
        self.statuses: dict[int, int] = {}
        self.last_ok = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                         for i in range(3)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def _client(self, i: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            cid = f"pg-{i}-{n // 40}"  # keep each conversation within GET's last 50 turns
            started = time.monotonic()
            if n % 3 == 0:
                what = "command"
                req = {"device": "kitchen_light", "action": "turn_on" if n % 2 else "turn_off"}
                path = "/api/v1/commands"
            else:
                what = "turn on the hallway light" if n % 2 else "turn off the hallway light"
                req = {"text": what, "conversation_id": cid}
                path = "/api/v1/messages"
            try:
                resp = requests.post(f"{self.url}{path}", json=req, timeout=60)
            except requests.RequestException as exc:
                with self._lock:
                    self.bad.append(f"{what}: no answer ({exc.__class__.__name__})")
                continue
            took = time.monotonic() - started
            with self._lock:
                self.statuses[resp.status_code] = self.statuses.get(resp.status_code, 0) + 1
                if took > ANSWER_BOUND_S:
                    self.slow.append(f"{what}: {resp.status_code} after {took:.1f} s")
                if resp.status_code == 200:
                    self.last_ok = time.monotonic()
                    if path == "/api/v1/messages":
                        self.acked.append((cid, int(resp.json()["turn"]), what))
                elif resp.status_code in CODED:
                    body = resp.json() if "json" in resp.headers.get("Content-Type", "") else {}
                    if not body.get("error", {}).get("code"):
                        self.bad.append(f"{what}: {resp.status_code} without a code")
                    if resp.status_code == 503 and "Retry-After" not in resp.headers:
                        self.bad.append(f"{what}: 503 without Retry-After")
                else:
                    self.bad.append(f"{what}: {resp.status_code} {resp.text[:160]}")
            time.sleep(0.05)

    def recovered(self, since: float) -> None:
        deadline = time.monotonic() + RECOVERY_S
        while time.monotonic() < deadline:
            if self.last_ok > since:
                return
            time.sleep(0.2)
        raise AssertionError(f"no 200 within {RECOVERY_S} s of the database coming back")


def audit_counts(pg: PrivatePostgres) -> dict[str, int]:
    out = subprocess.run(
        [str(pg.bin / "psql"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-At",
         "-c", "SELECT device_id, count(*) FROM device_calls GROUP BY device_id", "postgres"],
        check=True, capture_output=True, text=True, timeout=30).stdout
    return {d: int(n) for d, n in (line.split("|") for line in out.splitlines() if line)}


def test_postgres_stopped_killed_frozen_under_load(
    bundled_model: Path, env_tokens: dict[str, str], tmp_path: Path
) -> None:
    with private_postgres(tmp_path) as pg, simulator(tmp_path, env_tokens) as (sim, devices):
        srv = server(tmp_path, model_dir=bundled_model, devices_file=devices,
                     database_url=pg.url, env_tokens=env_tokens, database_timeout_s="2")
        srv.start()
        load = Load(srv.url)
        try:
            load.start()
            time.sleep(2)
            for phase in ("stop", "kill", "freeze"):
                if phase == "stop":
                    pg.stop("fast")
                elif phase == "kill":
                    pg.kill()
                else:
                    pg.signal_all(signal.SIGSTOP)
                time.sleep(OUTAGE_S)
                if phase == "freeze":
                    pg.signal_all(signal.SIGCONT)
                else:
                    pg.start()
                back = time.monotonic()
                load.recovered(back)
            time.sleep(1)
        finally:
            load.stop()
        try:
            missing = []
            turns: dict[str, dict[int, str]] = {}
            for cid, index, text in load.acked:
                if cid not in turns:
                    resp = requests.get(f"{srv.url}/api/v1/conversations/{cid}", timeout=30)
                    assert resp.status_code == 200, resp.text
                    turns[cid] = {t["index"]: t["text"] for t in resp.json()["turns"]}
                if turns[cid].get(index) != text:
                    missing.append((cid, index, text))
            sent = sim.commands()
            audited = audit_counts(pg)
        finally:
            srv.proc.stop()
    unaudited = {d: (n, audited.get(d, 0)) for d, n in sent.items() if n > audited.get(d, 0)}
    logger.info("postgres: statuses %s, %d acknowledged turns, device commands %s, audit rows "
                "%s", load.statuses, len(load.acked), {d: n for d, n in sent.items() if n},
                audited)
    assert load.bad == [], f"answers that were not 200 or a coded 5xx: {load.bad[:20]}"
    assert load.slow == [], f"answers slower than {ANSWER_BOUND_S} s: {load.slow[:20]}"
    assert missing == [], f"acknowledged turns missing: {missing[:20]}"
    assert unaudited == {}, f"device commands without an audit row (sent, audited): {unaudited}"
    assert load.statuses.get(503, 0) > 0, f"no 503 during the outages: {load.statuses}"
