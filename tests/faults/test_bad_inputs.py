"""Hand-written bad inputs (issue 15, defect 4) against a real server: never a 5xx, every
error a coded JSON 4xx, and a command with bad params never reaches the device.

Inputs: 10,000-deep JSON on every POST route, lone surrogates, NaN and 1e999, text ending
in NUL, ids with %00, an over-size header and URL, a body that is not JSON, a wrong content
type.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.faults._support import server, simulator

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

POST_ROUTES = {  # route -> the key holding user text
    "/api/v1/messages": "text", "/api/v1/parse": "text", "/webhooks/rest/webhook": "message",
    "/model/parse": "text", "/api/v1/commands": "device",
}
DEEP = "[" * 10_000 + "]" * 10_000
JSON = {"Content-Type": "application/json"}


def bodies(key: str) -> dict[str, str]:
    """Raw JSON texts (a lone surrogate or NaN cannot come from json.dumps defaults)."""
    return {
        "10,000-deep array": DEEP,
        "10,000-deep value": '{"%s": %s}' % (key, DEEP),  # noqa: UP031 - braces in JSON
        "lone surrogate": '{"%s": "turn on \\ud800 light"}' % key,  # noqa: UP031
        "NUL at the end": '{"%s": "turn on the kitchen light\\u0000"}' % key,  # noqa: UP031
        "NaN": '{"%s": NaN}' % key,  # noqa: UP031
        "1e999": '{"%s": 1e999}' % key,  # noqa: UP031
        "not JSON": "{",
        "a list": "[]",
        "empty": "",
    }


BAD_PARAMS = {
    "lone surrogate": '{"color": "\\ud800"}', "NaN": '{"brightness": NaN}',
    "1e999": '{"brightness": 1e999}', "-1e999": '{"brightness": -1e999}',
    "NUL": '{"color": "red\\u0000"}', "deep": '{"brightness": %s}' % DEEP,  # noqa: UP031
}


def problem(resp: requests.Response) -> str | None:
    """None when the answer is fine: below 500 and, for an error, a coded JSON body."""
    if resp.status_code >= 500:
        return f"{resp.status_code} {resp.text[:200]}"
    if resp.status_code >= 400:
        try:
            body: Any = resp.json()
        except ValueError:
            return f"{resp.status_code} not JSON: {resp.text[:200]!r}"
        if not (isinstance(body, dict) and isinstance(body.get("error"), dict)
                and body["error"].get("code")):
            return f"{resp.status_code} without an error code: {resp.text[:200]}"
    return None


def raw_request(port: int, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def test_bad_inputs_never_5xx_and_never_act(bundled_model: Path, env_tokens: dict[str, str],
                                            tmp_path: Path) -> None:
    failures: list[str] = []
    tried = 0
    with simulator(tmp_path, env_tokens) as (sim, devices_file):
        srv = server(tmp_path, model_dir=bundled_model, devices_file=devices_file,
                     database_url=f"sqlite:///{tmp_path / 'assistant.db'}", env_tokens=env_tokens)
        srv.start()
        try:
            url = srv.url

            def check(what: str, resp: requests.Response) -> None:
                nonlocal tried
                tried += 1
                found = problem(resp)
                if found:
                    failures.append(f"{what}: {found}")

            for route, key in POST_ROUTES.items():
                for name, body in bodies(key).items():
                    check(f"POST {route} {name}", requests.post(
                        f"{url}{route}", data=body.encode("utf-8", "surrogatepass"),
                        headers=JSON, timeout=30))
                check(f"POST {route} text/plain", requests.post(
                    f"{url}{route}", data=f'{{"{key}": "hi"}}',
                    headers={"Content-Type": "text/plain"}, timeout=30))
            before = sim.commands()
            for name, params in BAD_PARAMS.items():
                body = '{"device": "kitchen_light", "action": "set_color", "params": %s}' % params  # noqa: UP031
                resp = requests.post(f"{url}/api/v1/commands", data=body.encode(), headers=JSON,
                                     timeout=30)
                check(f"command params {name}", resp)
                if resp.status_code < 400:
                    failures.append(f"command params {name}: accepted ({resp.status_code})")
            after = sim.commands()
            if after != before:
                failures.append(f"bad params reached a device: {before} -> {after}")
            for path in ("/api/v1/conversations/a%00b", "/api/v1/conversations/%ud800",
                         "/api/v1/devices/a%00b", "/api/v1/conversations/" + "x" * 5000):
                check(f"GET {path[:60]}", requests.get(f"{url}{path}", timeout=30))
            check("over-size header", requests.get(f"{url}/api/v1/devices", timeout=30,
                                                   headers={"X-Big": "x" * 20_000}))
            check("over-size URL", requests.get(f"{url}/api/v1/devices?q={'x' * 20_000}",
                                                timeout=30))
            raw = raw_request(srv.port, b"GET /api/v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              + b"X-Big: " + b"y" * 20_000 + b"\r\nConnection: close\r\n\r\n")
            tried += 1
            status_line = raw.split(b"\r\n", 1)[0]
            if b" 5" in status_line[8:13] or b"application/json" not in raw.lower():
                failures.append(f"raw over-size header: {raw[:200]!r}")
        finally:
            srv.proc.stop()
    logger.info("bad inputs: %d requests, %d problems", tried, len(failures))
    assert failures == [], f"{len(failures)} of {tried} bad inputs answered badly:\n" + \
        "\n".join(failures)
