"""SIGKILL the server mid-conversation, restart it: every conversation goes on.

A real `assistant run` process (tiny model, SQLite file) and a real simulator process. Before
the kill: a question is pending (which thermostat?), a confirmation is pending (unlock the
front door?), a timer is running, and four clients keep sending messages. After the restart:
the question and the confirmation are answered where they stopped, the timer fires once,
and every turn a client got a 200 for is in storage.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.faults._support import Server, server, simulator, wait_until

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

CLIENTS = 4


def say(url: str, text: str, cid: str) -> dict[str, Any]:
    resp = requests.post(f"{url}/api/v1/messages", json={"text": text, "conversation_id": cid},
                         timeout=20)
    assert resp.status_code == 200, f"{text!r} in {cid}: got {resp.status_code} {resp.text}"
    return dict(resp.json())


def conversation(url: str, cid: str) -> dict[str, Any]:
    resp = requests.get(f"{url}/api/v1/conversations/{cid}", timeout=10)
    assert resp.status_code == 200, f"GET {cid}: got {resp.status_code} {resp.text}"
    return dict(resp.json())


class Load:
    """Clients that send messages until stopped, each in its own conversation, and remember
    every acknowledged turn (conversation, index, text)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acked: list[tuple[str, int, str]] = []
        self.failed = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                         for i in range(CLIENTS)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)

    def _client(self, i: int) -> None:
        cid = f"load-{i}"
        n = 0
        while not self._stop.is_set():
            text = "turn on the kitchen light" if n % 2 else "turn off the hallway light"
            n += 1
            try:
                resp = requests.post(f"{self.url}/api/v1/messages", timeout=10,
                                     json={"text": text, "conversation_id": cid})
            except requests.RequestException:
                self.failed += 1  # the kill: not acknowledged, so nothing is owed
                time.sleep(0.05)
                continue
            if resp.status_code == 200:
                self.acked.append((cid, int(resp.json()["turn"]), text))
            else:
                self.failed += 1
            if n >= 40:  # keep every turn within what GET /conversations shows (50)
                return


def test_sigkill_mid_conversation_loses_nothing(
    bundled_model: Path, env_tokens: dict[str, str], tmp_path: Path
) -> None:
    with simulator(tmp_path, env_tokens) as (sim, devices_file):
        srv: Server = server(tmp_path, model_dir=bundled_model, devices_file=devices_file,
                             database_url=f"sqlite:///{tmp_path / 'assistant.db'}",
                             env_tokens=env_tokens)
        srv.start()
        try:
            url = srv.url
            asked = say(url, "set the thermostat to 21 degrees", "question")
            assert "Which thermostat" in " ".join(asked["replies"]), asked["replies"]
            confirm = say(url, "unlock the front door", "confirm")
            assert "Unlock the front door lock?" in " ".join(confirm["replies"]), \
                confirm["replies"]
            timer = say(url, "set a timer for 3 seconds", "timer")
            assert timer["actions"], f"the timer was not set: {timer}"
            before = conversation(url, "timer")["timers"]
            assert [t["state"] for t in before] == ["running"], before

            load = Load(url)
            load.start()
            wait_until(lambda: len(load.acked) >= 8, "some load turns acknowledged", 30)
            srv.proc.kill(signal.SIGKILL)  # requests are in flight now
            load.stop()
            assert not srv.proc.alive()

            srv.restart()

            answered = say(url, "bedroom", "question")
            assert "Set the bedroom thermostat to 21" in " ".join(answered["replies"]), \
                answered["replies"]
            yes = say(url, "yes", "confirm")
            assert "Unlocked the front door lock." in " ".join(yes["replies"]), yes["replies"]
            assert sim.stats("front_door_lock")["actions"].get("unlock") == 1

            def fired() -> dict[str, Any] | None:
                conv = conversation(url, "timer")
                return conv if conv["timers"][0]["state"] != "running" else None

            wait_until(fired, "the timer fired after the restart", 20)
            time.sleep(1.0)  # more scheduler passes: it must not fire again
            conv = conversation(url, "timer")
            assert [t["state"] for t in conv["timers"]] == ["fired"], conv["timers"]
            timer_id = conv["timers"][0]["id"]
            replies = [p for p in conv["pending_replies"] if p.get("timer_id") == timer_id]
            assert len(replies) == 1, f"timer replies: expected 1, got {replies}"

            missing = []
            stored: dict[str, dict[int, str]] = {}
            for cid, index, text in load.acked:
                if cid not in stored:
                    stored[cid] = {t["index"]: t["text"] for t in conversation(url, cid)["turns"]}
                if stored[cid].get(index) != text:
                    missing.append((cid, index, text))
            assert len(load.acked) >= 8
            assert missing == [], f"acknowledged turns missing after the kill: {missing}"
            logger.info("kill: %d load turns acknowledged, %d cut off by the kill, 0 missing",
                        len(load.acked), load.failed)
        finally:
            srv.proc.stop()
