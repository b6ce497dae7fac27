"""Load ``devices.yaml`` into a ``Registry``, listing every problem at once with file:line.

    version: 1
    devices:
      - id: kitchen_light
        name: kitchen light
        aliases: [ceiling light]
        room: kitchen
        type: light
        capabilities: [on_off, brightness, color]
        adapter: rest                       # how it is reached; rest is the default
        endpoint: http://kitchen-light:5000  # the rest adapter's own keys
        token_env: KITCHEN_LIGHT_TOKEN

A device's keys beyond the common ones belong to its adapter kind (``adapter.py``) and are
checked against that kind's model; an unknown ``adapter:`` lists the known ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.actions._schema import FIELD_HINTS, DeviceSpec, RegistryFile
from assistant.actions.adapter import DEFAULT_ADAPTER, AdapterKind, find_kind, kind_names
from assistant.actions.catalogue import CAPABILITIES, DEVICE_TYPES, TYPE_CAPABILITIES
from assistant.actions.device import Device, Registry
from assistant.actions.errors import RegistryNotFoundError, RegistryValidationError
from assistant.errors import Problem

DEFAULT_REGISTRY = Path(__file__).resolve().parents[2] / "devices.yaml"


def load_registry(path: str | Path = DEFAULT_REGISTRY) -> Registry:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryNotFoundError(
            f"device registry {path} does not exist",
            hint="create it (see the bundled devices.yaml) or pass another path",
        ) from None
    except UnicodeDecodeError as exc:
        raise RegistryValidationError(
            [Problem(f"{path}:1", f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")]
        ) from None
    return parse_registry(text, source=str(path))


def parse_registry(text: str, source: str = "<string>") -> Registry:
    """The registry in ``text``; raises ``RegistryValidationError`` listing every problem."""
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise RegistryValidationError(
            [Problem(f"{source}:{line}", f"not valid YAML: {problem}", "fix the YAML syntax")]
        ) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise RegistryValidationError(
            [Problem(f"{source}:1", "YAML nested too deeply to read",
                     "flatten the nested lists and mappings")]
        ) from None
    if root is None or not isinstance(data, dict):
        raise RegistryValidationError(
            [Problem(f"{source}:1", "expected a mapping with `version: 1` and `devices:`",
                     FIELD_HINTS["devices"])]
        )
    problems += _duplicate_keys(root, source)
    problems += _shape_problems(data, root, source)
    devices = data.get("devices")
    if isinstance(devices, list):
        problems += _connection_problems(devices, data, root, source)
        problems += _meaning_problems(devices, root, source)
    if problems:
        problems.sort(key=_line_of)
        raise RegistryValidationError(problems)
    parsed = RegistryFile.model_validate(data)
    return Registry(tuple(_to_device(spec) for spec in parsed.devices), source=source)


def _to_device(spec: DeviceSpec) -> Device:
    kind = find_kind(spec.adapter)
    assert kind is not None  # checked by _connection_problems
    connection = kind.connection(kind.spec.model_validate(spec.model_extra or {}))
    return Device(
        id=spec.id,
        name=spec.name.strip(),
        aliases=tuple(a.strip() for a in spec.aliases if a.strip()),
        room=spec.room.strip(),
        type=spec.type,
        capabilities=tuple(dict.fromkeys(spec.capabilities)),
        connection=connection,
    )


# -- locating problems --------------------------------------------------------------------


def _line_of(problem: Problem) -> int:
    return int(problem.where.rsplit(":", 1)[1])


def _where(source: str, node: yaml.Node) -> str:
    return f"{source}:{node.start_mark.line + 1}"


def _child(node: yaml.Node, part: Any, *, key: bool = False) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                found: yaml.Node = k if key else v
                return found
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


def _node_at(root: yaml.Node, loc: tuple[Any, ...], *, key: bool = False) -> yaml.Node:
    node = root
    for i, part in enumerate(loc):
        found = _child(node, part, key=key and i == len(loc) - 1)
        if found is None:
            break
        node = found
    return node


def _label(data: dict[str, Any], index: int) -> str:
    items = data.get("devices")
    item = items[index] if isinstance(items, list) and index < len(items) else None
    return _item_label(item, index)


def _item_label(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f"device #{index + 1} ({item['id']})"
    return f"device #{index + 1}"


# -- problems -----------------------------------------------------------------------------


def _duplicate_keys(node: yaml.Node, source: str) -> Iterator[Problem]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    yield Problem(_where(source, k), f"key {k.value!r} appears twice",
                                  "keep one of them")
                seen.add(k.value)
            yield from _duplicate_keys(v, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, source)


def _shape_problems(data: dict[str, Any], root: yaml.Node, source: str) -> list[Problem]:
    try:
        RegistryFile.model_validate(data)
    except ValidationError as exc:
        return [_from_pydantic(err, data, root, source) for err in exc.errors()]
    return []


def _connection_problems(devices: list[Any], data: dict[str, Any], root: yaml.Node,
                         source: str) -> list[Problem]:
    """Each device's ``adapter:`` is a known kind, and its other keys fit that kind."""
    problems: list[Problem] = []
    for i, item in enumerate(devices):
        if not isinstance(item, dict):
            continue
        name = item.get("adapter", DEFAULT_ADAPTER)
        if not isinstance(name, str):
            continue  # DeviceSpec reports it
        kind = find_kind(name)
        if kind is None:
            where = _where(source, _node_at(root, ("devices", i, "adapter")))
            problems.append(Problem(where, f"{_item_label(item, i)}: unknown adapter {name!r}",
                                    _suggest(name, kind_names())))
            continue
        own = {k: v for k, v in item.items()  # a key that is no string: DeviceSpec says so
               if isinstance(k, str) and k not in DeviceSpec.model_fields}
        try:
            kind.spec.model_validate(own)
        except ValidationError as exc:
            problems += [_from_pydantic({**e, "loc": ("devices", i, *e["loc"])}, data, root,
                                        source, adapter=kind) for e in exc.errors()]
    return problems


def _from_pydantic(err: Any, data: dict[str, Any], root: yaml.Node, source: str,
                   adapter: AdapterKind | None = None) -> Problem:
    """One problem from a pydantic error; ``adapter``: the error is in that kind's keys."""
    loc = tuple(err["loc"])
    prefix = "" if len(loc) < 2 or loc[0] != "devices" else _label(data, int(loc[1])) + ": "
    field = str(loc[-1]) if loc else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        node = _node_at(root, loc, key=True)
        allowed = list(RegistryFile.model_fields)
        if len(loc) == 3:
            allowed = [*DeviceSpec.model_fields, *(adapter.spec.model_fields if adapter else ())]
        close = difflib.get_close_matches(field, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
        return Problem(_where(source, node), f"{prefix}unknown key {field!r}", hint)
    node = _node_at(root, loc)
    field_name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    hint = {**FIELD_HINTS, **(adapter.hints if adapter else {})}.get(field_name, "")
    if kind == "missing":
        return Problem(_where(source, node), f"{prefix}missing key {field!r}",
                       f"add a `{field}:` line: {hint}")
    message = str(err["msg"]).removeprefix("Value error, ")
    path = ".".join(map(str, loc[2:] or loc))
    return Problem(_where(source, node), f"{prefix}{path}: {message}", hint)


def _meaning_problems(devices: list[Any], root: yaml.Node, source: str) -> list[Problem]:
    problems: list[Problem] = []
    first_line: dict[str, str] = {}
    for i, item in enumerate(devices):
        if not isinstance(item, dict):
            continue
        label = _item_label(item, i)
        device_id = item.get("id")
        if isinstance(device_id, str):
            where = _where(source, _node_at(root, ("devices", i, "id")))
            if device_id in first_line:
                hint = f"ids must be unique; first used at {first_line[device_id]}"
                problems.append(Problem(where, f"{label}: duplicate id {device_id!r}", hint))
            else:
                first_line[device_id] = where
        raw_type = item.get("type")
        dtype = raw_type if isinstance(raw_type, str) else ""
        known_type = dtype in DEVICE_TYPES
        if isinstance(raw_type, str) and not known_type:
            where = _where(source, _node_at(root, ("devices", i, "type")))
            problems.append(Problem(where, f"{label}: unknown type {dtype!r}",
                                    _suggest(dtype, DEVICE_TYPES)))
        caps = item.get("capabilities")
        if not isinstance(caps, list):
            continue
        for j, cap in enumerate(caps):
            if not isinstance(cap, str):
                continue
            where = _where(source, _node_at(root, ("devices", i, "capabilities", j)))
            if cap not in CAPABILITIES:
                problems.append(Problem(where, f"{label}: unknown capability {cap!r}",
                                        _suggest(cap, CAPABILITIES)))
            elif known_type and cap not in TYPE_CAPABILITIES[dtype]:
                valid = ", ".join(sorted(TYPE_CAPABILITIES[dtype]))
                problems.append(Problem(where, f"{label}: a {dtype} cannot have capability {cap!r}",
                                        f"a {dtype} supports: {valid}"))
    return problems


def _suggest(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    listed = f"one of: {', '.join(choices)}"
    return f"did you mean {close[0]!r}? ({listed})" if close else listed
