"""atheris harnesses for the parsers of user files: training data (nested markup), flows,
devices.yaml and stories. The property: any bytes in the file give a result or a coded
AssistantError whose every problem names the file and a line, never another exception or a
hang.

    python -m tests.faults.fuzz_targets TARGET CORPUS_DIR [libFuzzer flags]
    python -m tests.faults.fuzz_targets nlu /tmp/corpus -max_total_time=60 -timeout=300

TARGET is one of: nlu, markup, flows, devices, stories, or all (the first byte of an input
picks the parser: one process start-up for the five). ``write_seeds(target, folder)``
fills a corpus folder from the bundled files (done here when CORPUS_DIR does not exist). An input that breaks the property is a crash:
libFuzzer writes it to ``-artifact_prefix`` and exits non-zero. ``check(target, data)`` runs
one input without atheris (to replay a crash file in a regression test).
"""

from __future__ import annotations

import functools
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import atheris
import yaml

with atheris.instrument_imports(include=["assistant"]):
    from assistant.actions.catalogue import ACTIONS, CAPABILITIES
    from assistant.actions.registry import load_registry
    from assistant.dialogue.loader import load_flows
    from assistant.errors import AssistantError, ProblemsError
    from assistant.nlu.data._markup import MarkupError, parse_example
    from assistant.nlu.data.loader import load_training_data
    from assistant.server.conversation_tests import load_stories

ROOT = Path(__file__).resolve().parents[2]
_WORK = Path(tempfile.mkdtemp(prefix="fuzz-parsers-"))
_LINE = re.compile(r":\d+")
SLOW_S = 20.0  # one input of at most ~30 KB: far beyond this is a hang
_DOMAIN = yaml.safe_load((ROOT / "nlu_data" / "domain.yml").read_text(encoding="utf-8"))
_INTENTS = (*_DOMAIN["intents"], "out_of_scope")
_ENTITIES = tuple(_DOMAIN["entities"])


class PropertyBroken(AssertionError):
    """A parser answered an input with something other than a result or a coded error."""


def _file(name: str, data: bytes) -> Path:
    folder = _WORK / name
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yml"
    path.write_bytes(data)
    return path


def _located(exc: AssistantError, path: Path) -> None:
    """Every problem of a coded error says where: this file and a line."""
    if not isinstance(exc, ProblemsError):
        if str(path) not in exc.message:
            raise PropertyBroken(f"{exc.code} does not name the file: {exc.message}") from exc
        return
    for problem in exc.problems:
        # a problem across the files of a folder (flows: one fallback flow) names the folder
        where = problem.where
        place = str(path) if where.startswith(str(path)) else str(path.parent)
        if not where.startswith(place) or not _LINE.search(where[len(place):]):
            raise PropertyBroken(f"{exc.code} problem without file:line: {problem}") from exc


def _nlu(data: bytes) -> None:
    path = _file("nlu", data)
    try:
        load_training_data(path)
    except AssistantError as exc:
        _located(exc, path)


def _markup(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        parse_example(text)
    except MarkupError:
        pass


def _flows(data: bytes) -> None:
    path = _file("flows", data)
    try:
        load_flows(path.parent, intents=_INTENTS, actions=tuple(ACTIONS), entities=_ENTITIES,
                   capabilities=CAPABILITIES)
    except AssistantError as exc:
        _located(exc, path)


def _devices(data: bytes) -> None:
    path = _file("devices", data)
    try:
        load_registry(path)
    except AssistantError as exc:
        _located(exc, path)


def _stories(data: bytes) -> None:
    path = _file("stories", data)
    try:
        load_stories(path)
    except AssistantError as exc:
        _located(exc, path)


PARSERS: dict[str, Callable[[bytes], None]] = {
    "nlu": _nlu, "markup": _markup, "flows": _flows, "devices": _devices, "stories": _stories,
}
_ORDER = tuple(PARSERS)


def _all(data: bytes) -> None:
    """Every parser in one process (one start-up): the first byte picks the parser."""
    if data:
        _timed(PARSERS[_ORDER[data[0] % len(_ORDER)]], data[1:])


def _timed(parser: Callable[[bytes], None], data: bytes) -> None:
    """A hang is a crash too: an input slower than SLOW_S fails here with a report (runs pass
    a long -timeout, libFuzzer's SIGALRM, as the last resort for a true hang)."""
    started = time.monotonic()
    parser(data)
    took = time.monotonic() - started
    if took > SLOW_S:
        raise PropertyBroken(f"{parser.__name__[1:]} took {took:.1f} s for {len(data)} bytes")


TARGETS: dict[str, Callable[[bytes], None]] = {
    **{name: functools.partial(_timed, parser) for name, parser in PARSERS.items()},
    "all": _all,
}


def check(target: str, data: bytes) -> None:
    """One input; raises PropertyBroken, or the parser's unexpected exception."""
    TARGETS[target](data)


def seeds(target: str) -> list[bytes]:
    """The bundled files a target starts from (examples, one a line, for markup)."""
    if target == "all":
        return [bytes([i]) + seed for i, name in enumerate(_ORDER) for seed in seeds(name)]
    if target == "markup":
        lines = []
        for file in sorted((ROOT / "nlu_data").glob("*.yml")):
            for line in file.read_text(encoding="utf-8").splitlines():
                text = line.strip().removeprefix("- ")
                if "[" in text:
                    lines.append(text.encode())
        return lines[::7][:300] + [b"[[[kitchen](room) light](device) on](x)"]
    files = {
        "nlu": sorted((ROOT / "nlu_data").glob("*.yml")),
        "flows": sorted((ROOT / "flows").glob("*.yml")),
        "devices": [ROOT / "devices.yaml"],
        "stories": sorted((ROOT / "stories").glob("*.yml")),
    }[target]
    return [f.read_bytes() for f in files]


def write_seeds(target: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(seeds(target)):
        (folder / f"seed-{i:03d}").write_bytes(seed)
    return folder


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        raise SystemExit(f"usage: {argv[0]} {{{','.join(TARGETS)}}} CORPUS [libFuzzer flags]")
    target = TARGETS[argv[1]]
    corpus = Path(argv[2]) if len(argv) > 2 and not argv[2].startswith("-") else None
    if corpus is not None and not corpus.exists():
        write_seeds(argv[1], corpus)
    sys.setrecursionlimit(1000)  # the interpreter's default: a deep input must not crash it
    atheris.Setup([argv[0], *argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
