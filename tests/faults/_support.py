"""Real processes for the reliability tests: the device simulator and the assistant server as
subprocesses (`assistant devices simulate`, `assistant run`), and a private PostgreSQL cluster
(initdb + pg_ctl on a free port, never the system one).

Every process is started here and stopped by its own pid; none outlives its fixture.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ASSISTANT = str(BIN / "assistant")
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_port_block(count: int) -> int:
    """A base port whose ``count`` consecutive ports are free now, below the ephemeral range
    (32768+ on Linux) so that no other process's outgoing connection takes one meanwhile."""
    rng = random.Random()
    for _ in range(50):
        base = rng.randrange(20000, 32000 - count)
        socks = []
        try:
            for i in range(count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError(f"no block of {count} free ports")


def device_tokens(prefix: str = "tok") -> dict[str, str]:
    """token_env -> a known, searchable token for every device of the bundled registry."""
    data = yaml.safe_load((ROOT / "devices.yaml").read_text(encoding="utf-8"))
    return {d["token_env"]: f"{prefix}-{d['id']}-{os.urandom(6).hex()}" for d in data["devices"]}


def registry_for(tmp: Path, base_port: int) -> tuple[Path, dict[str, str]]:
    """A copy of the bundled devices.yaml whose device i listens on 127.0.0.1:base_port+i (as
    `assistant devices simulate --base-port` serves them); also id -> URL."""
    data = yaml.safe_load((ROOT / "devices.yaml").read_text(encoding="utf-8"))
    urls = {}
    for i, device in enumerate(data["devices"]):
        device["endpoint"] = urls[device["id"]] = f"http://127.0.0.1:{base_port + i}"
    path = tmp / "devices.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path, urls


def _clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Proc:
    """A subprocess with its output in a file."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.popen = subprocess.Popen(self.args, env=self.env, stdout=out,
                                      stderr=subprocess.STDOUT, cwd=ROOT,
                                      start_new_session=True)
        out.close()

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was not started"
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            os.kill(self.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                assert self.popen is not None
                self.popen.wait(timeout=20)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if not self.alive():
            return
        assert self.popen is not None
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def wait_until(check: Any, what: str, timeout_s: float, proc: Proc | None = None) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise AssertionError(f"{proc.name} exited while waiting for {what}:\n"
                                 f"{proc.output()[-3000:]}")
        try:
            last = check()
            if last:
                return last
        except (requests.RequestException, OSError) as exc:
            last = exc
        time.sleep(0.1)
    tail = proc.output()[-3000:] if proc is not None else ""
    raise AssertionError(f"{what}: not within {timeout_s} s (last: {last!r})\n{tail}")


@dataclass
class Simulator:
    proc: Proc
    urls: dict[str, str]
    tokens: dict[str, str]  # device id -> token

    def stats(self, device_id: str) -> dict[str, Any]:
        resp = requests.get(f"{self.urls[device_id]}/_sim/stats", timeout=5,
                         headers={"Authorization": f"Bearer {self.tokens[device_id]}"})
        resp.raise_for_status()
        return dict(resp.json()["stats"])

    def commands(self) -> dict[str, int]:
        """Device id -> commands received (every attempt, answered or not)."""
        return {device_id: int(self.stats(device_id)["commands"]) for device_id in self.urls}

    def faults(self, device_id: str, **faults: Any) -> None:
        resp = requests.post(f"{self.urls[device_id]}/_sim/faults", json=faults, timeout=5,
                          headers={"Authorization": f"Bearer {self.tokens[device_id]}"})
        resp.raise_for_status()


@contextlib.contextmanager
def simulator(tmp: Path, env_tokens: Mapping[str, str]) -> Iterator[tuple[Simulator, Path]]:
    """`assistant devices simulate` in its own process; yields it and the devices file that
    points at it."""
    base = free_port_block(32)
    devices_file, urls = registry_for(tmp, base)
    data = yaml.safe_load(devices_file.read_text(encoding="utf-8"))
    tokens = {d["id"]: env_tokens[d["token_env"]] for d in data["devices"]}
    proc = Proc("simulator", [ASSISTANT, "devices", "simulate", "--registry",
                              str(devices_file), "--base-port", str(base)],
                _clean_env(env_tokens), tmp / "simulator.log")
    proc.start()
    sim = Simulator(proc, urls, tokens)
    try:
        last = list(urls)[-1]
        wait_until(lambda: sim.stats(last), "the simulator answers", START_TIMEOUT_S, proc)
        yield sim, devices_file
    finally:
        proc.stop()


@dataclass
class Server:
    """`assistant run --no-simulate` on a fixed port (so a restart keeps its URL)."""

    proc: Proc
    port: int
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc.start()
        wait_until(lambda: _ready(self.url), "the server is ready", START_TIMEOUT_S, self.proc)

    def restart(self) -> None:
        self.proc.popen = None
        self.start()


def _ready(url: str) -> bool:
    return requests.get(f"{url}/ready", timeout=2).status_code == 200


def server(tmp: Path, *, model_dir: Path, devices_file: Path, database_url: str,
           env_tokens: Mapping[str, str], **settings: str) -> Server:
    """A server (not started) over the bundled flows and data, this model and devices file."""
    port = free_port()
    env = _clean_env({
        **env_tokens,
        "ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_MODEL_DIR": str(model_dir),
        "ASSISTANT_DEVICES_FILE": str(devices_file), "ASSISTANT_FLOWS_DIR": str(ROOT / "flows"),
        "ASSISTANT_DATA_DIR": str(ROOT / "nlu_data"), "ASSISTANT_DATA_ROOT": str(tmp / "data"),
        "ASSISTANT_TIMER_POLL_S": "0.1", "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
        **{f"ASSISTANT_{k.upper()}": v for k, v in settings.items()},
    })
    args = [ASSISTANT, "run", "--no-simulate", "--port", str(port)]
    return Server(Proc("server", args, env, tmp / "server.log"), port, env)


# -- a private PostgreSQL cluster -------------------------------------------------------------


def pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl/postgres (Debian keeps them out of PATH)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class PrivatePostgres:
    """A cluster in ``folder`` on ``port``, owned by the ``postgres`` user when run as root."""

    bin: Path
    folder: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            shutil.chown(self.folder.parent, "postgres", "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.log), "-o", opts,
                  "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "-t", "30",
                  "stop", check=False)

    def postmaster_pid(self) -> int:
        pid_file = self.folder / "data" / "postmaster.pid"
        return int(pid_file.read_text().splitlines()[0])

    def pids(self) -> list[int]:
        """The postmaster and its children (backends), for SIGSTOP/SIGCONT."""
        import psutil

        main = psutil.Process(self.postmaster_pid())
        return [main.pid, *(c.pid for c in main.children(recursive=True))]

    def signal_all(self, sig: int) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def kill(self) -> None:
        """SIGKILL the postmaster; its backends exit when they notice; a start recovers."""
        import psutil

        pids = self.pids()
        os.kill(pids[0], signal.SIGKILL)
        for pid in pids[1:]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        psutil.wait_procs([p for p in _procs(pids)], timeout=10)
        with contextlib.suppress(FileNotFoundError):
            (self.folder / "data" / "postmaster.pid").unlink()


def _procs(pids: list[int]) -> list[Any]:
    import psutil

    out = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            out.append(psutil.Process(pid))
    return out


@contextlib.contextmanager
def private_postgres(tmp: Path) -> Iterator[PrivatePostgres]:
    """Skip (with the reason) when initdb is missing; never touches the system cluster."""
    import pytest

    folder = pg_bin()
    if folder is None:
        pytest.skip("PostgreSQL's initdb is not installed (apt-get install postgresql)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start postgres as its own user")
    base = Path("/tmp") / f"faults-pg-{os.getpid()}-{os.urandom(3).hex()}"
    pg = PrivatePostgres(folder, base / "cluster", free_port(), base / "postgres.log")
    base.mkdir()
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        with contextlib.suppress(Exception):
            pg.signal_all(signal.SIGCONT)
        pg.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
