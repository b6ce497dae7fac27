from __future__ import annotations

from pathlib import Path

import pytest

from assistant.actions.device import Registry, RestConnection
from assistant.actions.errors import (
    RegistryNotFoundError,
    RegistryValidationError,
    UnknownDeviceError,
)
from assistant.actions.registry import load_registry, parse_registry

BAD = """\
version: 1
devices:
  - id: kitchen_light
    name: kitchen light
    room: kitchen
    type: light
    capabilities: [on_off, brightnes]
    endpoint: http://kitchen-light:5000
    token_env: KITCHEN_LIGHT_TOKEN
    colour: red
  - id: kitchen_light
    name: second kitchen light
    room: kitchen
    type: lihgt
    capabilities: [on_off]
    endpoint: http://kitchen-light-2:5000
    token_env: KITCHEN_LIGHT_2_TOKEN
  - id: front_door
    name: front door
    room: hallway
    type: lock
    capabilities: [lock, brightness]
    endpoint: http://front-door:5000
  - id: tv
    name: tv
    room: living room
    type: media_player
    capabilities: [volume]
    endpoint: ftp://tv
    token_env: TV_TOKEN
"""

# (line, words the message must contain, words the hint must contain)
EXPECTED = [
    (7, "unknown capability 'brightnes'", "did you mean 'brightness'"),
    (10, "unknown key 'colour'", "allowed keys"),
    (11, "duplicate id 'kitchen_light'", "first used at bad.yaml:3"),
    (14, "unknown type 'lihgt'", "did you mean 'light'"),
    (18, "missing key 'token_env'", "environment variable"),
    (22, "a lock cannot have capability 'brightness'", "a lock supports: lock"),
    (29, "not an http(s) base URL", "http://kitchen-light:5000"),
]


def test_bad_file_lists_every_problem_with_its_line() -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_registry(BAD, source="bad.yaml")
    got = [(int(p.where.rsplit(":", 1)[1]), p.message, p.hint) for p in info.value.problems]
    assert len(got) == len(EXPECTED), "\n".join(map(str, info.value.problems))
    for (line, message, hint), (want_line, want_message, want_hint) in zip(got, EXPECTED):
        assert (line, want_message in message, want_hint in hint) == (want_line, True, True), (
            f"expected line {want_line} {want_message!r} / {want_hint!r}, "
            f"got {line} {message!r} / {hint!r}"
        )
    assert info.value.code == "E510"
    assert all(p.where.startswith("bad.yaml:") for p in info.value.problems)


def test_version_and_top_level_keys_are_checked() -> None:
    text = "version: 2\ndevice: []\n"
    with pytest.raises(RegistryValidationError) as info:
        parse_registry(text, source="r.yaml")
    messages = [str(p) for p in info.value.problems]
    assert any("r.yaml:1" in m and "version" in m for m in messages), messages
    assert any("r.yaml:2" in m and "unknown key 'device'" in m and "'devices'" in m
               for m in messages), messages


def test_yaml_syntax_error_gives_its_line() -> None:
    with pytest.raises(RegistryValidationError) as info:
        parse_registry("version: 1\ndevices:\n  - id: [unclosed\n", source="s.yaml")
    assert info.value.problems[0].where.startswith("s.yaml:")
    assert "not valid YAML" in info.value.problems[0].message


def test_duplicate_yaml_key_is_a_problem() -> None:
    text = BAD.replace("    name: front door\n", "    name: front door\n    name: door\n")
    with pytest.raises(RegistryValidationError) as info:
        parse_registry(text, source="d.yaml")
    assert any(p.message == "key 'name' appears twice" for p in info.value.problems)


def test_empty_file_is_a_problem() -> None:
    with pytest.raises(RegistryValidationError):
        parse_registry("", source="e.yaml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryNotFoundError) as info:
        load_registry(tmp_path / "nope.yaml")
    assert info.value.code == "E511"


def test_with_endpoints_replaces_only_listed_devices(registry: Registry) -> None:
    moved = registry.with_endpoints({"kitchen_light": "http://127.0.0.1:5100/"})
    assert moved.get("kitchen_light").connection == RestConnection("http://127.0.0.1:5100",
                                                                   "KITCHEN_LIGHT_TOKEN")
    assert moved.get("garage_door").connection == registry.get("garage_door").connection
    with pytest.raises(UnknownDeviceError):
        registry.with_endpoints({"toaster": "http://127.0.0.1:1"})
    with pytest.raises(UnknownDeviceError):
        registry.get("toaster")
