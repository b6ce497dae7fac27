"""The bundled scenes.yaml: every scene loads with its steps, and a broken file lists every
problem with file:line (E513)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.actions.device import Registry
from assistant.actions.errors import ScenesValidationError
from assistant.actions.scenes import Scenes, load_scenes, parse_scenes

SCENES_YAML = Path(__file__).resolve().parents[2] / "scenes.yaml"

# name -> (synonyms, room, steps as (type, action, params, capability)): the scenes as they
# were written in Python before they became data; the file must say exactly this.
BUNDLED: dict[str, tuple[tuple[str, ...], str | None, list[tuple[str, str, dict[str, Any],
                                                                 str | None]]]] = {
    "good night": (("bedtime", "night", "sleep"), None, [
        ("light", "turn_off", {}, None), ("media_player", "turn_off", {}, None),
        ("lock", "lock", {}, None)]),
    "away": (("leaving home", "leaving", "goodbye"), None, [
        ("light", "turn_off", {}, None), ("plug", "turn_off", {}, None),
        ("fan", "turn_off", {}, None), ("media_player", "turn_off", {}, None),
        ("lock", "lock", {}, None)]),
    "good morning": (("wake up", "morning", "bright"), None, [
        ("light", "turn_on", {}, None),
        ("light", "set_brightness", {"brightness": 100}, "brightness"),
        ("cover", "open", {}, "position")]),
    "movie night": (("movie", "cinema"), "living room", [
        ("light", "set_brightness", {"brightness": 15}, "brightness"),
        ("cover", "close", {}, "position"), ("media_player", "turn_on", {}, None)]),
    "relax": (("cozy", "chill", "romantic", "date night", "dinner", "dinner party"), None, [
        ("light", "set_brightness", {"brightness": 30}, "brightness")]),
    "reading": (("read",), None, [
        ("light", "set_brightness", {"brightness": 80}, "brightness")]),
    "party": (("party mode",), None, [
        ("light", "turn_on", {}, None), ("media_player", "play", {}, None)]),
}


@pytest.fixture(scope="module")
def scenes() -> Scenes:
    return load_scenes(SCENES_YAML)


def test_every_scene_loads_in_file_order(scenes: Scenes) -> None:
    assert scenes.names() == list(BUNDLED), scenes.names()
    assert scenes.source == str(SCENES_YAML)


@pytest.mark.parametrize("name", list(BUNDLED))
def test_each_bundled_scene_has_its_steps(scenes: Scenes, name: str) -> None:
    scene = scenes.find(name)
    assert scene is not None, f"{name!r} not found; have {scenes.names()}"
    synonyms, room, steps = BUNDLED[name]
    got = [(s.device_type, s.action, dict(s.params), s.capability) for s in scene.steps]
    assert (scene.synonyms, scene.room, got) == (synonyms, room, steps), (
        f"{name}: expected {(synonyms, room, steps)}, got {(scene.synonyms, scene.room, got)}")


@pytest.mark.parametrize(("said", "scene"), [
    ("movie night", "movie night"), ("Movie Night", "movie night"), ("cinema", "movie night"),
    ("movie night mode", "movie night"), ("  good   night ", "good night"),
    ("party mode", "party"), ("bedtime", "good night"), ("dinner party", "relax"),
])
def test_a_scene_is_found_by_name_or_synonym(scenes: Scenes, said: str, scene: str) -> None:
    found = scenes.find(said)
    assert found is not None and found.name == scene, f"{said!r}: expected {scene}, got {found}"


def test_an_unknown_scene_is_none(scenes: Scenes) -> None:
    assert scenes.find("disco") is None


def _plan(scenes: Scenes, registry: Registry, name: str,
          room: str | None = None) -> tuple[str | None, list[tuple[str, list[str]]]]:
    scene = scenes.find(name)
    assert scene is not None
    plan = scene.plan(registry, room)
    return plan.room, [(p.step.action, [d.id for d in p.devices]) for p in plan.steps]


def test_movie_night_stays_in_the_living_room(scenes: Scenes, registry: Registry) -> None:
    room, steps = _plan(scenes, registry, "movie night")
    assert (room, steps) == ("living room", [("set_brightness", ["living_room_lamp"]),
                                             ("close", ["living_room_blinds"]),
                                             ("turn_on", ["living_room_tv"])]), steps


def test_a_room_said_beats_the_scenes_own_room(scenes: Scenes, registry: Registry) -> None:
    room, steps = _plan(scenes, registry, "movie night", "Bedroom")
    assert (room, steps) == ("Bedroom", [("set_brightness", ["bedroom_light"])]), steps


def test_a_scene_room_the_home_lacks_means_the_whole_home(registry: Registry) -> None:
    scenes = parse_scenes("version: 1\nscenes:\n  - name: attic\n    room: attic\n"
                          "    steps:\n      - {type: lock, action: lock}\n")
    assert _plan(scenes, registry, "attic") == (
        None, [("lock", ["front_door_lock", "back_door_lock"])])


def test_no_scene_opens_the_garage_door(scenes: Scenes, registry: Registry) -> None:
    garage = {d.id for d in registry if d.room == "garage"}
    assert garage, "the bundled home should have a garage"
    for scene in scenes:
        _, steps = _plan(scenes, registry, scene.name)
        moved = {device for _, devices in steps for device in devices}
        assert not moved & garage, f"{scene.name} moves {sorted(moved & garage)}"


BAD = """\
version: 1
scenes:
  - name: good night
    synonyms: [bedtime]
    steps:
      - {type: lihgt, action: turn_off}
      - {type: lock, action: lock, colour: red}
  - name: evening
    synonyms: [bedtime]
    steps:
      - type: light
        capability: brightnes
        action: set_brightness
      - type: lock
        capability: position
        action: turn_on
      - {type: sensor, action: turn_off}
      - {type: fan, action: spin}
  - name: empty
    mood: calm
    steps: []
  - synonyms: [nameless]
    steps:
      - {action: turn_on}
"""

# (line, words the message must contain, words the hint must contain)
EXPECTED = [
    (6, "step #1: unknown type 'lihgt'", "did you mean 'light'"),
    (7, "step #2: unknown key 'colour'", "allowed keys"),
    (9, "'bedtime' is already a scene's name or synonym", "first used at bad.yaml:4"),
    (12, "unknown capability 'brightnes'", "did you mean 'brightness'"),
    (15, "a lock cannot have capability 'position'", "a lock supports: lock"),
    (16, "no lock accepts 'turn_on'", "a lock accepts: lock, unlock"),
    (17, "no sensor accepts 'turn_off'", "a sensor only reports; it accepts no action"),
    (18, "unknown action 'spin'", "one of: turn_on"),
    (20, "scene #3 (empty): unknown key 'mood'", "allowed keys: name, synonyms, room, steps"),
    (21, "scene #3 (empty): steps: List should have at least 1 item", "a list of steps"),
    (22, "scene #4: missing key 'name'", "add a `name:` line"),
    (24, "scene #4 step #1: missing key 'type'", "device types"),
]


def _problems(text: str, source: str = "bad.yaml") -> list[tuple[int, str, str]]:
    with pytest.raises(ScenesValidationError) as info:
        parse_scenes(text, source=source)
    assert info.value.code == "E513"
    assert all(p.where.startswith(f"{source}:") for p in info.value.problems)
    return [(int(p.where.rsplit(":", 1)[1]), p.message, p.hint) for p in info.value.problems]


def test_a_broken_file_lists_every_problem_with_its_line() -> None:
    got = _problems(BAD)
    assert len(got) == len(EXPECTED), "\n".join(map(str, got))
    for (line, message, hint), (want_line, want_message, want_hint) in zip(got, EXPECTED):
        assert (line, want_message in message, want_hint in hint) == (want_line, True, True), (
            f"expected line {want_line} {want_message!r} / {want_hint!r}, "
            f"got {line} {message!r} / {hint!r}")


def test_unknown_keys_and_the_version_are_checked() -> None:
    got = _problems("version: 2\nscene: []\nscenes: []\n", source="s.yaml")
    assert [(line, "version" in message) for line, message, _ in got][:1] == [(1, True)], got
    assert (2, "unknown key 'scene'", "did you mean 'scenes'?") in got, got


def test_a_duplicate_key_is_a_problem() -> None:
    text = "version: 1\nscenes:\n  - name: a\n    name: b\n    steps: [{type: fan, action: stop}]\n"
    got = _problems(text)
    assert (4, "key 'name' appears twice", "keep one of them") in got, got


@pytest.mark.parametrize(("text", "line", "message"), [
    ("version: 1\nscenes:\n  - name: a: b\n", 3, "not valid YAML"),
    ("", 1, "expected a mapping"),
    ("- just a list\n", 1, "expected a mapping"),
])
def test_unreadable_text_is_one_problem(text: str, line: int, message: str) -> None:
    got = _problems(text)
    assert len(got) == 1 and got[0][0] == line and message in got[0][1], got


def test_a_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(ScenesValidationError) as info:
        load_scenes(tmp_path / "nowhere.yaml")
    (problem,) = info.value.problems
    assert problem.where == f"{tmp_path / 'nowhere.yaml'}:1", problem
    assert "does not exist" in problem.message and "scenes_file" in problem.hint, problem
