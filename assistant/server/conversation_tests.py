"""End-to-end conversation tests (``assistant test dialogue``): YAML stories run through the
whole stack in-process: the real NLU model, the real dialogue engine, the device simulator
and SQLite in a temporary folder, every message sent as ``POST /api/v1/messages``.

A stories file is a list of conversations::

    - name: turn on a light
      turns:
        - user: turn on the kitchen light            # plain text, parsed by the real model
          replies: [Turned on the kitchen light.]    # substrings, or /regex/, of the replies
          actions: [{action: turn_on, devices: [kitchen_light]}]   # exact list; [] = none
          states: {kitchen_light: {"on": true}}      # simulator state after the turn

``actions`` entries may add ``params: {...}``, compared only when given. A key left out is
not checked. Each conversation gets its own conversation id and starts from the simulator's
initial device states; it stops at its first failing turn (the rest are reported skipped).

    report = run_dialogue_tests(Path("stories"), model_dir=Path("models/nlu"),
                                out=Path("reports/dialogue.json"))
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientSession, web

from assistant.config import Settings, load_settings
from assistant.errors import AssistantError, Problem, ProblemsError
from assistant.server.app import create_app
from assistant.server.keys import SERVICES

MESSAGES_PATH = "/api/v1/messages"
_CONVERSATION_KEYS = {"name", "turns"}
_TURN_KEYS = {"user", "replies", "actions", "states"}
_ACTION_KEYS = {"action", "devices", "params"}


class ConversationTestError(ProblemsError):
    """A stories file has problems; ``problems`` lists all of them."""

    code = "E711"
    status = 500
    subject = "the conversation tests"
    consequence = "nothing was run"


# -- stories ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Turn:
    user: str
    replies: tuple[str, ...] = ()
    actions: tuple[dict[str, Any], ...] | None = None  # None: not checked
    states: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    name: str
    where: str  # "file:index"
    turns: tuple[Turn, ...]


def load_stories(path: Path) -> list[Conversation]:
    """The conversations of a YAML file, or of every ``*.yml``/``*.yaml`` in a folder (sorted).
    Raises ConversationTestError (E711) listing every problem."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))
    elif path.exists():
        files = [path]
    else:
        raise ConversationTestError([Problem(str(path), "no such file or folder",
                                             "pass --stories with a YAML file or a folder")])
    if not files:
        raise ConversationTestError([Problem(str(path), "no .yml or .yaml files in the folder")])
    problems: list[Problem] = []
    out: list[Conversation] = []
    for file in files:
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            problems.append(Problem(f"{file}:1", f"not valid YAML: {exc}"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(f"{file}:1", f"not UTF-8 text ({exc.reason})",
                                    "save the file as UTF-8"))
            continue
        except RecursionError:  # PyYAML composes nested collections recursively
            problems.append(Problem(f"{file}:1", "YAML nested too deeply to read",
                                    "flatten the nested lists and mappings"))
            continue
        if not isinstance(loaded, list):
            problems.append(Problem(f"{file}:1", "expected a list of conversations"))
            continue
        lines = _item_lines(file)
        for i, raw in enumerate(loaded):
            line, turn_lines = lines[i] if i < len(lines) else (1, [])
            conv = _conversation(raw, f"{file}:{line} #{i + 1}", problems, turn_lines)
            if conv is not None:
                out.append(conv)
    if problems:
        raise ConversationTestError(problems)
    return out


def _item_lines(file: Path) -> list[tuple[int, list[int]]]:
    """The line of each conversation of a stories file, and of each of its turns (1-based),
    from the composed YAML (the file already loaded, so it composes)."""
    root = yaml.compose(file.read_text(encoding="utf-8"))
    if not isinstance(root, yaml.SequenceNode):
        return []
    out: list[tuple[int, list[int]]] = []
    for item in root.value:
        turns: list[int] = []
        if isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                if key.value == "turns" and isinstance(value, yaml.SequenceNode):
                    turns = [t.start_mark.line + 1 for t in value.value]
        out.append((item.start_mark.line + 1, turns))
    return out


def _conversation(raw: Any, where: str, problems: list[Problem],
                  turn_lines: list[int] | None = None) -> Conversation | None:
    if not isinstance(raw, dict):
        problems.append(Problem(where, "a conversation must be a mapping with name and turns"))
        return None
    name = str(raw.get("name") or where)
    where = f"{where} ({name})"
    bad = set(raw) - _CONVERSATION_KEYS
    if bad:
        problems.append(Problem(where, f"unknown keys {sorted(bad)}",
                                f"known keys: {sorted(_CONVERSATION_KEYS)}"))
    turns_raw = raw.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        problems.append(Problem(where, "turns: expected a non-empty list"))
        return None
    turns = []
    turn_lines = turn_lines or []
    for j, t in enumerate(turns_raw):
        at = where
        if j < len(turn_lines):  # "file:LINE #i (name)" -> the turn's own line
            file_part, _, rest = where.partition(" #")
            at = f"{file_part.rsplit(':', 1)[0]}:{turn_lines[j]} #{rest}"
        turn = _turn(t, f"{at} turn {j + 1}", problems)
        if turn is not None:
            turns.append(turn)
    return Conversation(name, where, tuple(turns))


def _turn(raw: Any, where: str, problems: list[Problem]) -> Turn | None:
    if not isinstance(raw, dict):
        problems.append(Problem(where, "a turn must be a mapping with user: text"))
        return None
    count = len(problems)
    bad = set(raw) - _TURN_KEYS
    if bad:
        problems.append(Problem(where, f"unknown keys {sorted(bad)}",
                                f"known keys: {sorted(_TURN_KEYS)}"))
    user = raw.get("user")
    if not isinstance(user, str) or not user.strip():
        problems.append(Problem(where, f"user: expected text, got {user!r}",
                                'quote words YAML reads as booleans: user: "yes"'))
    replies = raw.get("replies", [])
    if not isinstance(replies, list) or not all(isinstance(r, str) for r in replies):
        problems.append(Problem(where, f"replies: expected a list of text, got {replies!r}",
                                "quote each expected reply"))
    actions = raw.get("actions")
    if actions is not None:
        if not isinstance(actions, list):
            problems.append(Problem(where, f"actions: expected a list, got {actions!r}"))
        else:
            for a in actions:
                if not isinstance(a, dict) or "action" not in a or set(a) - _ACTION_KEYS:
                    problems.append(Problem(where, f"actions: bad entry {a!r}",
                                            "use {action: turn_on, devices: [id], params: {}}"))
    states = raw.get("states", {})
    if not isinstance(states, dict) or not all(isinstance(v, dict) for v in states.values()):
        problems.append(Problem(where, f"states: expected {{device_id: {{key: value}}}}, "
                                       f"got {states!r}"))
    if len(problems) > count:
        return None
    return Turn(user=user, replies=tuple(replies),
                actions=None if actions is None else tuple(actions),
                states={str(k): dict(v) for k, v in states.items()})


# -- results ------------------------------------------------------------------------------

@dataclass
class Failure:
    check: str  # "reply", "actions", "state", "request"
    expected: Any
    got: Any


@dataclass
class TurnResult:
    index: int
    user: str
    passed: bool
    replies: list[str] = field(default_factory=list)
    intents: list[str | None] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    latency_ms: float = 0.0


@dataclass
class ConversationResult:
    name: str
    where: str
    conversation_id: str
    passed: bool
    turns: list[TurnResult] = field(default_factory=list)
    failed_turn: int | None = None  # 1-based
    skipped_turns: int = 0


@dataclass
class Report:
    stories: str
    model: str
    total: int
    passed: int
    failed: int
    seconds: float
    conversations: list[ConversationResult]

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}

    def write(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")


# -- checks -------------------------------------------------------------------------------

def reply_matches(expected: str, got: str) -> bool:
    """``/regex/`` is searched; anything else is a substring."""
    if len(expected) >= 2 and expected.startswith("/") and expected.endswith("/"):
        return re.search(expected[1:-1], got) is not None
    return expected in got


def _normal_action(spec: dict[str, Any], with_params: bool) -> dict[str, Any]:
    devices = spec.get("devices", spec.get("device_ids")) or []
    out: dict[str, Any] = {"action": spec.get("action"), "devices": sorted(map(str, devices))}
    if with_params:
        out["params"] = spec.get("params") or {}
    return out


def check_turn(turn: Turn, replies: list[str], actions: list[dict[str, Any]],
               states: dict[str, dict[str, Any]]) -> list[Failure]:
    """What differs between the expected turn and what the stack did (empty: it passed)."""
    failures: list[Failure] = []
    text = " ".join(replies)
    for expected in turn.replies:
        if not reply_matches(expected, text):
            failures.append(Failure("reply", expected, text))
    if turn.actions is not None:
        want = [_normal_action(a, "params" in a) for a in turn.actions]
        padded = list(turn.actions) + [{}] * len(actions)
        have = [_normal_action(a, "params" in w) for a, w in zip(actions, padded, strict=False)]
        if have != want:
            failures.append(Failure("actions", want, [_normal_action(a, True) for a in actions]))
    for device_id, expected_state in turn.states.items():
        actual = states.get(device_id)
        if actual is None:
            failures.append(Failure("state", {device_id: expected_state},
                                    {device_id: "no such simulated device"}))
            continue
        wrong = {k: actual.get(k) for k, v in expected_state.items() if actual.get(k) != v}
        if wrong:
            failures.append(Failure("state", {device_id: expected_state}, {device_id: wrong}))
    return failures


# -- running ------------------------------------------------------------------------------

async def run_conversations(conversations: list[Conversation], settings: Settings
                            ) -> list[ConversationResult]:
    """Start the real app for ``settings`` on 127.0.0.1 (an ephemeral port), wait until every
    component is loaded, run each conversation over HTTP, stop the app."""
    settings = settings.model_copy(update={"host": "127.0.0.1", "port": 0})
    app = create_app(settings)
    runner = web.AppRunner(app, handler_cancellation=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        services = app[SERVICES]
        for part in services.components():
            await part.wait()  # raises the component's coded error (no model, bad flows)
        headers = {}
        if settings.api_keys:
            headers["X-API-Key"] = settings.api_keys[0].get_secret_value()
        results = []
        async with ClientSession(f"http://127.0.0.1:{port}", headers=headers) as session:
            for conv in conversations:
                _reset_simulated_devices(services.simulator)
                results.append(await _run_one(conv, session, services.simulator))
        return results
    finally:
        await runner.cleanup()


async def _run_one(conv: Conversation, session: ClientSession, simulator: Any
                   ) -> ConversationResult:
    cid = "story-" + uuid.uuid4().hex[:16]
    result = ConversationResult(conv.name, conv.where, cid, passed=True)
    for i, turn in enumerate(conv.turns):
        started = time.perf_counter()
        tr = TurnResult(index=i + 1, user=turn.user, passed=True)
        try:
            async with session.post(MESSAGES_PATH, json={"text": turn.user,
                                                         "conversation_id": cid}) as resp:
                body = await resp.json(content_type=None)
                status = resp.status
        except Exception as exc:  # noqa: BLE001 - reported as the turn's failure
            status, body = 0, {"exception": repr(exc)}
        tr.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if status != 200 or not isinstance(body, dict):
            tr.failures.append(Failure("request", f"200 from POST {MESSAGES_PATH}",
                                       {"status": status, "body": body}))
        else:
            tr.replies = list(body.get("replies", []))
            tr.intents = [(p.get("intent") or {}).get("name") for p in body.get("nlu", [])]
            tr.actions = [a for a in body.get("actions", []) if isinstance(a, dict)]
            states = _states(simulator, turn.states)
            tr.failures = check_turn(turn, tr.replies, tr.actions, states)
        tr.passed = not tr.failures
        result.turns.append(tr)
        if not tr.passed:
            result.passed = False
            result.failed_turn = i + 1
            result.skipped_turns = len(conv.turns) - i - 1
            break
    return result


def _states(simulator: Any, wanted: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for device_id in wanted:
        if simulator is None:
            continue
        try:
            out[device_id] = simulator.state(device_id)
        except AssistantError:
            continue
    return out


def _reset_simulated_devices(simulator: Any) -> None:
    """Every simulated device back to its initial state, so each conversation starts from the
    same home."""
    if simulator is not None:
        simulator.reset_states()


def build_report(stories: Path, model: Path, results: list[ConversationResult],
                 seconds: float) -> Report:
    failed = sum(not r.passed for r in results)
    return Report(stories=str(stories), model=str(model), total=len(results),
                  passed=len(results) - failed, failed=failed, seconds=round(seconds, 2),
                  conversations=results)


def run_dialogue_tests(stories: Path, *, model_dir: Path, out: Path | None = None,
                       config_file: Path | None = None, **overrides: Any) -> Report:
    """Load the stories, run them through the whole stack (simulator on, SQLite in a temp
    folder, no rate limit), write the JSON report to ``out`` when given, return it.

    Other settings come from ``config_file``/the environment/``overrides`` as for ``run``.
    Raises ConversationTestError (E711) for bad stories, the stack's coded errors when it
    cannot start (E200 no model, ...)."""
    import asyncio

    conversations = load_stories(Path(stories))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="assistant-dialogue-") as tmp:
        settings = load_settings(config_file, **{
            "database_url": f"sqlite:///{Path(tmp) / 'assistant.db'}",
            "database_schema": None, "data_root": Path(tmp), "simulate": True,
            "simulator_base_port": 0, "rate_limit_per_minute": 0, **overrides,
            "model_dir": Path(model_dir), "host": "127.0.0.1", "port": 0})
        results = asyncio.run(run_conversations(conversations, settings))
    report = build_report(Path(stories), Path(model_dir), results,
                          time.perf_counter() - started)
    if out is not None:
        report.write(Path(out))
    return report


def format_result(result: ConversationResult) -> list[str]:
    """Lines for the console: PASS/FAIL and, for a failure, the turn quoted with expected vs
    got."""
    if result.passed:
        return [f"PASS  {result.name} ({len(result.turns)} turns)"]
    turn = result.turns[-1]
    lines = [f"FAIL  {result.name} ({result.where})",
             f"      turn {turn.index}: user: {turn.user!r}"]
    if turn.intents:
        lines.append(f"      intents: {turn.intents}")
    for f in turn.failures:
        lines.append(f"      {f.check}: expected {f.expected!r}")
        lines.append(f"      {' ' * len(f.check)}  got      {f.got!r}")
    if result.skipped_turns:
        lines.append(f"      ({result.skipped_turns} later turn(s) not run)")
    return lines
