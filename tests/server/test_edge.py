"""The HTTP edge against the real app: JSON content type only, Host and Origin allowlists,
CORS preflights, security headers; and against the real server (``serve``, a TCP port):
coded JSON for what aiohttp's parser refuses, bounded waits for half-sent requests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from assistant.actions.simulator import DeviceSimulator
from assistant.config import Settings, load_settings
from assistant.server.edge import MAX_FIELD_BYTES, MAX_URL_BYTES, SERVER_NAME, EdgePolicy
from assistant.server.runner import serve
from tests.server._support import Running, expect, expect_error, running, settings_for

pytestmark = pytest.mark.asyncio(loop_scope="module")
JSON = {"Content-Type": "application/json"}
UNLOCK = {"device": "front_door_lock", "action": "unlock"}
BODY_ROUTES = ["/api/v1/messages", "/api/v1/parse", "/api/v1/commands",
               "/webhooks/rest/webhook", "/model/parse"]
BODIES = {"/api/v1/messages": {"text": "turn on the kitchen light"},
          "/api/v1/parse": {"text": "turn on the kitchen light"},
          "/api/v1/commands": UNLOCK,
          "/webhooks/rest/webhook": {"sender": "edge", "message": "turn on the kitchen light"},
          "/model/parse": {"text": "turn on the kitchen light"}}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def srv(bundled_model: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> AsyncIterator[Running]:
    settings = settings_for(bundled_model, tmp_path_factory.mktemp("edge"),
                            rate_limit_per_minute=0)
    async with running(settings) as r:
        yield r


def commands_sent(sim: DeviceSimulator) -> int:
    return sum(sim.stats(device.id).commands for device in sim.registry)


# -- content type -------------------------------------------------------------------------

NOT_JSON: list[tuple[str, dict[str, Any]]] = [
    ("text/plain", {"headers": {"Content-Type": "text/plain"}}),
    ("no content type", {"skip_auto_headers": ["Content-Type"]}),
    ("form", {"headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("multipart", {"headers": {"Content-Type": "multipart/form-data; boundary=x"}}),
    ("octet-stream", {"headers": {"Content-Type": "application/octet-stream"}}),
    ("latin-1 JSON", {"headers": {"Content-Type": "application/json; charset=latin-1"}}),
]


@pytest.mark.parametrize("path", BODY_ROUTES)
@pytest.mark.parametrize(("kind", "kwargs"), NOT_JSON, ids=[c[0] for c in NOT_JSON])
async def test_a_body_that_is_not_json_is_refused_before_it_acts(
        srv: Running, path: str, kind: str, kwargs: dict[str, Any]) -> None:
    before, lock = commands_sent(srv.simulator), srv.simulator.state("front_door_lock")
    resp = await srv.client.post(path, data=json.dumps(BODIES[path]).encode(), **kwargs)
    await expect_error(resp, 415, "E712")
    expect(commands_sent(srv.simulator), before, f"device commands after a {kind} body")
    expect(srv.simulator.state("front_door_lock"), lock, "the lock's state")


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON; charset=UTF-8"])
async def test_json_with_or_without_a_utf8_charset_is_served(srv: Running,
                                                             content_type: str) -> None:
    resp = await srv.client.post("/api/v1/parse", data=b'{"text": "turn on the lamp"}',
                                 headers={"Content-Type": content_type})
    expect(resp.status, 200, f"status for {content_type}")


async def test_gets_need_no_content_type(srv: Running) -> None:
    resp = await srv.client.get("/api/v1/devices", skip_auto_headers=["Content-Type"])
    expect(resp.status, 200, "GET /api/v1/devices")


# -- Host and Origin ----------------------------------------------------------------------

FOREIGN_HOSTS = ["evil.example", "evil.example:8080", "localhost.evil.example",
                 "127.0.0.1.nip.io:80", "[::2]:8080", "bad host", "localhost:port"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
async def test_a_foreign_host_is_refused_dns_rebinding(srv: Running, host: str) -> None:
    before = commands_sent(srv.simulator)
    resp = await srv.client.post("/api/v1/commands", json=UNLOCK, headers={"Host": host})
    await expect_error(resp, 403, "E713")
    resp = await srv.client.get("/api/v1/devices", headers={"Host": host})
    await expect_error(resp, 403, "E713")
    expect(commands_sent(srv.simulator), before, f"device commands with Host {host!r}")


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "LOCALHOST.", "127.0.0.1",
                                  "127.0.0.1:1", "[::1]", "[::1]:8080", "127.1.2.3:9"])
async def test_loopback_hosts_with_any_port_are_served(srv: Running, host: str) -> None:
    resp = await srv.client.get("/api/v1/devices", headers={"Host": host})
    expect(resp.status, 200, f"GET with Host {host!r}")


FOREIGN_ORIGINS = ["http://evil.example", "https://evil.example:8443", "null",
                   "http://localhost.evil.example", "file://", "http://192.168.1.20:8080",
                   "ftp://localhost"]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
async def test_a_foreign_origin_cannot_unlock_the_door(srv: Running, origin: str) -> None:
    before, lock = commands_sent(srv.simulator), srv.simulator.state("front_door_lock")
    for headers in ({"Origin": origin, "Content-Type": "text/plain"},
                    {"Origin": origin, **JSON}):
        resp = await srv.client.post("/api/v1/commands", data=json.dumps(UNLOCK).encode(),
                                     headers=headers)
        await expect_error(resp, 403, "E714")
        assert "Access-Control-Allow-Origin" not in resp.headers, dict(resp.headers)
    expect(commands_sent(srv.simulator), before, f"device commands from {origin!r}")
    expect(srv.simulator.state("front_door_lock"), lock, "the lock's state")


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
async def test_no_preflight_for_a_foreign_origin(srv: Running, origin: str) -> None:
    resp = await srv.client.options("/api/v1/commands", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST"})
    await expect_error(resp, 403, "E714")
    assert "Access-Control-Allow-Origin" not in resp.headers, dict(resp.headers)


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:8080",
                                    "https://[::1]:5173", "http://localhost"])
async def test_a_loopback_origin_gets_a_preflight_and_cors_headers(srv: Running,
                                                                   origin: str) -> None:
    resp = await srv.client.options("/api/v1/parse", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    expect(resp.status, 204, "preflight status")
    expect(resp.headers.get("Access-Control-Allow-Origin"), origin, "allowed origin")
    expect(resp.headers.get("Access-Control-Allow-Methods"), "POST", "allowed methods")
    assert "content-type" in resp.headers["Access-Control-Allow-Headers"].lower()
    expect(resp.headers.get("Vary"), "Origin", "Vary")
    resp = await srv.client.post("/api/v1/parse", json={"text": "turn on the lamp"},
                                 headers={"Origin": origin})
    expect(resp.status, 200, "POST from the allowed origin")
    expect(resp.headers.get("Access-Control-Allow-Origin"), origin, "allowed origin")
    assert "Origin" in resp.headers.get("Vary", ""), dict(resp.headers)


def _policy(**overrides: Any) -> EdgePolicy:
    return EdgePolicy.from_settings(load_settings(None, **overrides))


async def test_policy_settings_extend_the_allowlists() -> None:
    policy = _policy(allowed_hosts=["assistant.lan"], allowed_origins=["https://ui.lan:8443"])
    expect(policy.host_allowed("assistant.lan:8080"), True, "configured host")
    expect(policy.host_allowed("other.lan"), False, "other host")
    expect(policy.origin_allowed("https://ui.lan:8443"), True, "configured origin")
    expect(policy.origin_allowed("https://ui.lan:8444"), False, "configured origin, other port")
    expect(_policy(allowed_hosts=["*"]).host_allowed("anything.example"), True, "'*' host")


async def test_policy_the_bound_host_and_a_wildcard_bind() -> None:
    named = _policy(host="::1")
    expect(named.host_allowed("[::1]:8080"), True, "bound IPv6 host")
    lan = _policy(host="0.0.0.0", api_keys=["k" * 32])
    expect(lan.host_allowed("192.168.1.20:8080"), True, "an IP address (no DNS to rebind)")
    expect(lan.host_allowed("evil.example"), False, "a name on a wildcard bind")
    expect(lan.origin_allowed("http://192.168.1.20:8080"), False, "a LAN page's origin")


async def test_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_ALLOWED_HOSTS", "a.lan, b.lan")
    monkeypatch.setenv("ASSISTANT_ALLOWED_ORIGINS", "https://ui.lan")
    settings = load_settings(None)
    expect(settings.allowed_hosts, ["a.lan", "b.lan"], "allowed_hosts from the environment")
    expect(settings.allowed_origins, ["https://ui.lan"], "allowed_origins")


# -- headers on every response --------------------------------------------------------------


async def test_security_headers_on_answers_and_errors(srv: Running) -> None:
    calls = [srv.client.get("/api/v1/devices"), srv.client.get("/health"),
             srv.client.get("/api/v1/nothing"), srv.client.post("/api/v1/parse", data=b"x"),
             srv.client.post("/api/v1/parse", json={"text": "turn on the lamp"},
                             headers={"Origin": "http://evil.example"})]
    for call in calls:
        resp = await call
        what = f"{resp.method} {resp.url.path} ({resp.status})"
        expect(resp.headers.get("X-Content-Type-Options"), "nosniff", what)
        expect(resp.headers.get("X-Frame-Options"), "DENY", what)
        expect(resp.headers.get("Referrer-Policy"), "no-referrer", what)
        expect(resp.headers.get("Cache-Control"), "no-store", what)
        assert "frame-ancestors 'none'" in resp.headers.get("Content-Security-Policy", ""), what
        expect(resp.headers.get("Server"), SERVER_NAME, f"Server header of {what}")


# -- the real server: what the parser refuses, and bounded waits ----------------------------


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[int]:
    """``serve`` (the code of ``assistant run``) on a free port; yields the port."""
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop,
                                     on_ready=lambda url, _s: ready.set_result(url)))
    try:
        waiting: set[asyncio.Future[Any]] = {task, ready}
        done, _ = await asyncio.wait(waiting, timeout=60,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        assert ready.done(), "the server was not ready within 60 s"
        yield int(ready.result().rsplit(":", 1)[1])
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def port(bundled_model: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> AsyncIterator[int]:
    settings = settings_for(bundled_model, tmp_path_factory.mktemp("edge_tcp"),
                            rate_limit_per_minute=0, body_timeout_s=0.5, idle_timeout_s=1.0)
    async with served(settings) as p:
        yield p


async def _exchange(port: int, data: bytes, timeout: float = 10.0
                    ) -> tuple[int, dict[str, str], Any]:
    """Send ``data`` on a new connection; the answer's status, headers and JSON body, read
    until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


_JSON_POST = (b"POST /api/v1/parse HTTP/1.1\r\nHost: localhost\r\n"
              b"Content-Type: application/json\r\n")
MALFORMED: list[tuple[str, bytes, int, str]] = [
    ("URL over the limit", b"GET /api/v1/devices/" + b"a" * MAX_URL_BYTES
     + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "E716"),
    ("header value over the limit", b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: "
     + b"b" * 2 * MAX_FIELD_BYTES + b"\r\n\r\n", 431, "E717"),
    ("header name over the limit", b"GET /health HTTP/1.1\r\nHost: localhost\r\n"
     + b"X" * 2 * MAX_FIELD_BYTES + b": 1\r\n\r\n", 431, "E717"),
    ("too many headers", b"GET /health HTTP/1.1\r\nHost: localhost\r\n"
     + b"".join(b"X-H%d: 1\r\n" % i for i in range(200)) + b"\r\n", 431, "E717"),
    ("not HTTP", b"HELLO THERE\r\n\r\n", 400, "E718"),
    ("bad method", b"G\x01T / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "E718"),
    ("bad Content-Length", (b"POST /api/v1/parse HTTP/1.1\r\nHost: localhost\r\n"
                            b"Content-Length: -5\r\n\r\n"), 400, "E718"),
    ("broken chunked body",
     _JSON_POST + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n", 400, "E718"),
    ("broken gzip body",
     _JSON_POST + b"Content-Encoding: gzip\r\nContent-Length: 10\r\n\r\n0123456789", 400, "E718"),
    ("key that is not UTF-8",
     (b"GET /api/v1/devices HTTP/1.1\r\nHost: localhost\r\n"
      b"Authorization: Bearer \xff\xfe\r\n\r\n"), 400, "E718"),
    ("path that is not UTF-8",
     b"GET /api/v1/conversations/%ED%A0%80 HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "E703"),
]


@pytest.mark.parametrize(("case", "data", "status", "code"), MALFORMED,
                         ids=[c[0] for c in MALFORMED])
async def test_malformed_requests_get_a_coded_json_error(
        port: int, case: str, data: bytes, status: int, code: str) -> None:
    got, headers, body = await _exchange(port, data)
    expect((got, (body or {}).get("error", {}).get("code")), (status, code), case)
    assert body["error"]["hint"], f"{case}: no hint in {body}"
    expect(headers.get("Content-Type", "").split(";")[0], "application/json", case)
    expect(headers.get("Server"), SERVER_NAME, f"{case}: Server header")
    expect(headers.get("X-Content-Type-Options"), "nosniff", case)
    expect(body["error"].get("request_id"), headers.get("X-Request-ID"), f"{case}: request id")


async def test_the_server_header_names_no_version(port: int) -> None:
    status, headers, _ = await _exchange(
        port, b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    expect((status, headers.get("Server")), (200, SERVER_NAME), "GET /health")


CONNECTIONS = 50


async def test_bodies_shorter_than_their_length_time_out_and_close(port: int) -> None:
    """50 requests that promise 100 bytes and send 10: each gets 408 (E715) and its
    connection closed, within body_timeout_s (0.5) + the linger (1) + slack."""
    request = (b"POST /api/v1/messages HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\": \"")
    started = time.perf_counter()
    answers = await asyncio.gather(*(_exchange(port, request) for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    codes = sorted({(s, (b or {}).get("error", {}).get("code")) for s, _, b in answers})
    expect(codes, [(408, "E715")], f"answers to {CONNECTIONS} short bodies")
    assert all(h.get("Connection", "").lower() == "close" for _, h, _ in answers), answers[0]
    assert elapsed < 6, f"{CONNECTIONS} short bodies: closed after {elapsed:.1f} s, bound 6 s"


async def test_headers_that_never_end_are_closed(port: int) -> None:
    """50 connections that send half a request line and headers: closed by idle_timeout_s
    (1 s) + slack, with nothing answered."""
    async def half(part: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(part)
            await writer.drain()
            return await asyncio.wait_for(reader.read(), 10)
        finally:
            writer.close()

    parts = [b"GET /health HTTP/1.1\r\nHost: loc", b"POST /api/v1/parse HT", b""]
    started = time.perf_counter()
    got = await asyncio.gather(*(half(parts[i % len(parts)]) for i in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    expect(sorted(set(got)), [b""], "what half-sent requests were answered")
    assert elapsed < 5, f"{CONNECTIONS} half-sent headers: closed after {elapsed:.1f} s, bound 5 s"


async def test_a_keep_alive_connection_serves_after_a_refused_body(port: int) -> None:
    """A 415 does not poison the connection: the next request on it is served."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        body = b'{"text": "hi"}'
        writer.write(b"POST /api/v1/parse HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                     b"text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        writer.write(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)
    expect(statuses, [b"415", b"200"], "statuses on one connection")


async def test_an_unexpected_error_is_logged_but_shows_no_internals(
        srv: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    secret = "postgresql://admin:hunter2@db/internal at /srv/app/storage.py:42"

    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(secret)

    monkeypatch.setattr(srv.services.storage, "get_conversation", broken)
    with caplog.at_level("ERROR", logger="assistant.server.middleware"):
        resp = await srv.client.get("/api/v1/conversations/any-id")
        text = await resp.text()
    error = json.loads(text)["error"]
    expect((resp.status, error["code"]), (500, "E000"), "unexpected error")
    assert "hunter2" not in text and "storage.py" not in text and "RuntimeError" not in text, text
    assert any(secret in (r.exc_text or "") or secret in str(r.exc_info) for r in caplog.records), \
        "the exception was not logged"
