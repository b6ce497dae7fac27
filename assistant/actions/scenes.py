"""Scenes: a name (and synonyms) -> device actions by type or capability, from ``scenes.yaml``.

    version: 1
    scenes:
      - name: movie night
        synonyms: [movie, cinema]
        room: living room          # where it applies when the user names no room
        steps:
          - {type: light, capability: brightness, action: set_brightness,
             params: {brightness: 15}}
          - {type: cover, capability: position, action: close}

A step picks every device of a type (optionally only those with a capability) that accepts
the action; ``Scene.plan(registry, room)`` limits that to the room said, else to the scene's
own room when the home has it, else the whole home. Every step is checked against the action
catalogue at load, and every problem is listed at once with file:line (``ScenesValidationError``,
E513).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.actions.catalogue import (
    ACTIONS,
    CAPABILITIES,
    DEVICE_TYPES,
    TYPE_CAPABILITIES,
    actions_for,
)
from assistant.actions.device import Device, Registry
from assistant.actions.errors import ScenesValidationError

# The line-keeping YAML helpers of the device registry (one shared module is to come).
from assistant.actions.registry import _duplicate_keys, _node_at, _where
from assistant.errors import Problem

DEFAULT_SCENES = Path(__file__).resolve().parents[2] / "scenes.yaml"

# -- the file's shape (pydantic, unknown keys rejected) -------------------------------------


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    action: str
    capability: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class SceneSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)
    room: str | None = Field(None, min_length=1)
    steps: list[StepSpec] = Field(min_length=1)


class ScenesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    scenes: list[SceneSpec]


FIELD_HINTS: dict[str, str] = {
    "version": "write `version: 1` at the top of the file",
    "scenes": "a list of scenes under `scenes:`",
    "name": "the name people say, e.g. movie night",
    "synonyms": "a list of other names, e.g. [movie, cinema]",
    "room": "the room the scene applies to when none is said, e.g. living room",
    "steps": "a list of steps such as {type: light, action: turn_off}",
    "type": "one of the device types, e.g. light",
    "action": "an action of the catalogue, e.g. turn_off",
    "capability": "only devices with this capability, e.g. brightness",
    "params": "the action's parameters, e.g. {brightness: 30}",
}

_MODELS: dict[int, type[BaseModel]] = {1: ScenesFile, 3: SceneSpec, 5: StepSpec}  # by loc depth


# -- the scenes as the rest of the code sees them -------------------------------------------


@dataclass(frozen=True)
class Step:
    device_type: str
    action: str
    params: Mapping[str, Any] = field(default_factory=dict)
    capability: str | None = None

    def matches(self, device: Device) -> bool:
        return device.type == self.device_type and (
            self.capability is None or device.supports(self.capability)) and device.accepts(
            self.action)


@dataclass(frozen=True)
class PlannedStep:
    step: Step
    devices: tuple[Device, ...]


@dataclass(frozen=True)
class Plan:
    """What activating a scene does: the room it applies to and the steps that have devices."""

    scene: Scene
    room: str | None
    steps: tuple[PlannedStep, ...]


@dataclass(frozen=True)
class Scene:
    name: str
    synonyms: tuple[str, ...]
    steps: tuple[Step, ...]
    room: str | None = None  # where it applies when the user names no room

    def plan(self, registry: Registry, room: str | None = None) -> Plan:
        """The devices each step moves: in ``room`` if said, else in the scene's own room
        when the home has it, else in the whole home. Steps without devices are left out."""
        room = room or (self.room if self.room in registry.rooms else None)
        steps = []
        for step in self.steps:
            devices = tuple(d for d in registry if step.matches(d)
                            and (room is None or d.room.lower() == room.lower()))
            if devices:
                steps.append(PlannedStep(step, devices))
        return Plan(self, room, tuple(steps))


@dataclass(frozen=True)
class Scenes:
    """Every scene, in file order. ``source`` is the file they came from, for messages."""

    scenes: tuple[Scene, ...]
    source: str = "<memory>"

    def __iter__(self) -> Iterator[Scene]:
        return iter(self.scenes)

    def __len__(self) -> int:
        return len(self.scenes)

    def find(self, name: str) -> Scene | None:
        """The scene called ``name`` or one of its synonyms ("movie night mode" too)."""
        wanted = _key(name.lower().replace("mode", " ")) or name.lower()
        for scene in self.scenes:
            if wanted == scene.name or wanted in scene.synonyms:
                return scene
        return None

    def names(self) -> list[str]:
        return [s.name for s in self.scenes]


def _key(text: str) -> str:
    return " ".join(text.lower().split())


# -- loading --------------------------------------------------------------------------------


def load_scenes(path: str | Path = DEFAULT_SCENES) -> Scenes:
    """The scenes of ``path``; raises ``ScenesValidationError`` (E513) listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenesValidationError([Problem(
            f"{path}:1", "the scenes file does not exist",
            "create it (see the bundled scenes.yaml) or point the scenes_file setting "
            "(ASSISTANT_SCENES_FILE) at it")]) from None
    except UnicodeDecodeError as exc:
        raise ScenesValidationError([Problem(f"{path}:1", f"not UTF-8 text ({exc.reason})",
                                             "save the file as UTF-8")]) from None
    return parse_scenes(text, source=str(path))


def parse_scenes(text: str, source: str = "<string>") -> Scenes:
    """The scenes in ``text``; raises ``ScenesValidationError`` listing every problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenesValidationError(
            [Problem(f"{source}:{line}", f"not valid YAML: {problem}", "fix the YAML syntax")]
        ) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ScenesValidationError(
            [Problem(f"{source}:1", "YAML nested too deeply to read",
                     "flatten the nested lists and mappings")]
        ) from None
    if root is None or not isinstance(data, dict):
        raise ScenesValidationError(
            [Problem(f"{source}:1", "expected a mapping with `version: 1` and `scenes:`",
                     FIELD_HINTS["scenes"])])
    problems = [*_duplicate_keys(root, source)]
    try:
        parsed: ScenesFile | None = ScenesFile.model_validate(data)
    except ValidationError as exc:
        parsed = None
        problems += [_from_pydantic(err, data, root, source) for err in exc.errors()]
    scenes = data.get("scenes")
    if isinstance(scenes, list):
        problems += _meaning_problems(scenes, root, source)
    if problems or parsed is None:
        problems.sort(key=lambda p: int(p.where.rsplit(":", 1)[1]))
        raise ScenesValidationError(problems)
    return Scenes(tuple(_to_scene(spec) for spec in parsed.scenes), source=source)


def _to_scene(spec: SceneSpec) -> Scene:
    return Scene(
        name=_key(spec.name),
        synonyms=tuple(dict.fromkeys(_key(s) for s in spec.synonyms if s.strip())),
        steps=tuple(Step(s.type, s.action, dict(s.params), s.capability) for s in spec.steps),
        room=spec.room.strip() if spec.room else None,
    )


# -- problems -------------------------------------------------------------------------------


def _label(data: dict[str, Any], loc: tuple[Any, ...]) -> tuple[str, int]:
    """"scene #2 (away) step #1: " for a location inside a scene, and how much of it that
    names; ("", 0) for the top of the file."""
    scenes = data.get("scenes")
    if len(loc) < 2 or loc[0] != "scenes" or not isinstance(loc[1], int):
        return "", 0
    item = scenes[loc[1]] if isinstance(scenes, list) and loc[1] < len(scenes) else None
    label = _scene_label(item, loc[1])
    if len(loc) >= 4 and loc[2] == "steps" and isinstance(loc[3], int):
        return f"{label} step #{loc[3] + 1}: ", 4
    return label + ": ", 2


def _scene_label(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return f"scene #{index + 1} ({item['name']})"
    return f"scene #{index + 1}"


def _from_pydantic(err: Any, data: dict[str, Any], root: yaml.Node, source: str) -> Problem:
    loc = tuple(err["loc"])
    prefix, named = _label(data, loc)
    field_name = str(loc[-1]) if loc else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        node = _node_at(root, loc, key=True)
        allowed = list(_MODELS.get(len(loc), ScenesFile).model_fields)
        close = difflib.get_close_matches(field_name, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
        return Problem(_where(source, node), f"{prefix}unknown key {field_name!r}", hint)
    node = _node_at(root, loc)
    hint = FIELD_HINTS.get(next((str(p) for p in reversed(loc) if isinstance(p, str)), ""), "")
    if kind == "missing":
        return Problem(_where(source, node), f"{prefix}missing key {field_name!r}",
                       f"add a `{field_name}:` line: {hint}")
    message = str(err["msg"]).removeprefix("Value error, ")
    path = ".".join(map(str, loc[named:])) or "value"
    return Problem(_where(source, node), f"{prefix}{path}: {message}", hint)


def _meaning_problems(scenes: list[Any], root: yaml.Node, source: str) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, str] = {}  # a name or synonym -> where it was first used
    for i, item in enumerate(scenes):
        if not isinstance(item, dict):
            continue
        label = _scene_label(item, i)
        said: list[tuple[str | int, Any]] = [("name", item.get("name"))]
        synonyms = item.get("synonyms")
        if isinstance(synonyms, list):
            said += [(j, s) for j, s in enumerate(synonyms)]
        for part, name in said:
            if not isinstance(name, str) or not name.strip():
                continue
            loc = ("scenes", i, "name") if part == "name" else ("scenes", i, "synonyms", part)
            where = _where(source, _node_at(root, loc))
            key = _key(name)
            if key in first:
                problems.append(Problem(where, f"{label}: {name!r} is already a scene's name "
                                        f"or synonym", f"first used at {first[key]}; a name "
                                        "must call one scene"))
            else:
                first[key] = where
        steps = item.get("steps")
        if isinstance(steps, list):
            for j, step in enumerate(steps):
                if isinstance(step, dict):
                    problems += _step_problems(step, ("scenes", i, "steps", j), label, root,
                                               source)
    return problems


def _step_problems(step: dict[str, Any], loc: tuple[Any, ...], label: str, root: yaml.Node,
                   source: str) -> Iterator[Problem]:
    label = f"{label} step #{loc[-1] + 1}"

    def where(key: str) -> str:
        return _where(source, _node_at(root, (*loc, key)))

    said_type, action, cap = step.get("type"), step.get("action"), step.get("capability")
    dtype = said_type if isinstance(said_type, str) and said_type in DEVICE_TYPES else None
    if isinstance(said_type, str) and dtype is None:
        yield Problem(where("type"), f"{label}: unknown type {said_type!r}",
                      _suggest(said_type, DEVICE_TYPES))
    if isinstance(cap, str):
        if cap not in CAPABILITIES:
            yield Problem(where("capability"), f"{label}: unknown capability {cap!r}",
                          _suggest(cap, CAPABILITIES))
        elif dtype is not None and cap not in TYPE_CAPABILITIES[dtype]:
            valid = ", ".join(sorted(TYPE_CAPABILITIES[dtype]))
            yield Problem(where("capability"), f"{label}: a {dtype} cannot have capability "
                          f"{cap!r}", f"a {dtype} supports: {valid}")
    if isinstance(action, str):
        if action not in ACTIONS:
            yield Problem(where("action"), f"{label}: unknown action {action!r}",
                          _suggest(action, tuple(ACTIONS)))
        elif dtype is not None:
            offered = actions_for(dtype, TYPE_CAPABILITIES[dtype])
            if action not in offered:
                yield Problem(where("action"), f"{label}: no {dtype} accepts {action!r}",
                              f"a {dtype} accepts: {', '.join(offered)}" if offered
                              else f"a {dtype} only reports; it accepts no action")


def _suggest(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    listed = f"one of: {', '.join(choices)}"
    return f"did you mean {close[0]!r}? ({listed})" if close else listed
