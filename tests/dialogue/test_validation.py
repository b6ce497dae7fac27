"""Flow files are checked at start-up: every problem, with file:line, in one error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.dialogue import FlowsNotFoundError, FlowValidationError
from tests.dialogue.support import FLOWS, load_engine

BROKEN = """\
version: 1
flows:
  - name: turn_on
    intents: [turn_on, tunr_off]
    slots:
      - name: target
        type: device
        capability: on_off
        ask: What should I turn on?
    action: turn_onn
  - name: set_brightness
    intents: [set_brightness]
    slots:
      - name: target
        type: device
        capability: brightness
        ask: Which light?
      - name: brightness
        type: percentage
        ask: To what brightness?
        invalid: "{value} is not {brightnes}."
    action: set_brightness
    params: {brightness: "{level}"}
    responses:
      done: Set {target} to {colour}.
"""


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """A copy of the bundled flows, to break one file at a time."""
    target = tmp_path / "flows"
    shutil.copytree(FLOWS, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def _problems(flows_dir: Path) -> list[str]:
    with pytest.raises(FlowValidationError) as caught:
        load_engine(flows_dir)
    assert caught.value.code == "E600"
    return [str(p) for p in caught.value.problems]


def test_bundled_flows_load() -> None:
    engine = load_engine()
    assert len(engine.flows) == 30


def test_every_problem_is_listed_with_file_and_line(flows_dir: Path) -> None:
    lights = flows_dir / "lights.yml"
    lights.write_text(BROKEN, encoding="utf-8")
    problems = _problems(flows_dir)
    where = str(lights)
    expected = [
        (f"{where}:4:", "unknown intent 'tunr_off'", "did you mean 'turn_off'"),
        (f"{where}:10:", "unknown action 'turn_onn'", "did you mean 'turn_on'"),
        (f"{where}:21:", "template names {brightnes}", "slots: target, brightness"),
        (f"{where}:23:", "parameter 'brightness' names {level}, which is not a slot", ""),
        (f"{where}:25:", "template names {colour}", ""),
    ]
    for prefix, message, hint in expected:
        assert any(p.startswith(prefix) and message in p and hint in p for p in problems), (
            f"missing {prefix} {message}\n" + "\n".join(problems))
    # lights.yml no longer has flows for these: reported once, for the folder
    assert any("no flow for intent(s): change_brightness, set_color" in p for p in problems)


def test_schema_errors_point_at_the_key(flows_dir: Path) -> None:
    (flows_dir / "scenes.yml").write_text(
        "version: 1\nflows:\n  - name: activate_scene\n    intents: [activate_scene]\n"
        "    slots:\n      - name: scene\n        type: txt\n        entity: scene\n"
        "        ask: Which scene?\n    action: scene.activate\n    colour: red\n",
        encoding="utf-8")
    problems = _problems(flows_dir)
    assert any(":7: flows.0.slots.0.type: Input should be" in p for p in problems), problems
    assert any(":11: flows.0.colour: Extra inputs are not permitted" in p
               and "remove the key" in p for p in problems), problems


def test_yaml_syntax_error_has_its_line(flows_dir: Path) -> None:
    (flows_dir / "media.yml").write_text("version: 1\nflows:\n  - name: [oops\n",
                                         encoding="utf-8")
    problems = _problems(flows_dir)
    assert any("media.yml:4: YAML syntax error" in p for p in problems), problems


def test_cross_file_problems(flows_dir: Path) -> None:
    (flows_dir / "extra.yml").write_text(
        "version: 1\nflows:\n  - name: greet\n    intents: [greet]\n    action: reply\n"
        "    fallback: true\n    responses: {done: Hello again}\n", encoding="utf-8")
    problems = _problems(flows_dir)
    assert any("flow name 'greet' is used twice" in p for p in problems)
    assert any("intent 'greet' starts two flows" in p for p in problems)
    assert any("2 fallback flows" in p for p in problems)


def test_builtin_actions_check_their_params_and_responses(flows_dir: Path) -> None:
    text = (flows_dir / "timers.yml").read_text(encoding="utf-8")
    text = text.replace("      fired_named: Your {name} timer is done.\n", "")
    text = text.replace("params: {name: \"{name}\"}\n    responses:\n      done: OK, I've",
                        "params: {label: \"{name}\"}\n    responses:\n      done: OK, I've")
    (flows_dir / "timers.yml").write_text(text, encoding="utf-8")
    problems = _problems(flows_dir)
    assert any("timer.start needs a response 'fired_named'" in p for p in problems), problems
    assert any("timer.cancel takes no parameter 'label'" in p for p in problems), problems


def test_unknown_entity_and_capability(flows_dir: Path) -> None:
    text = (flows_dir / "locks.yml").read_text(encoding="utf-8")
    (flows_dir / "locks.yml").write_text(
        text.replace("capability: lock\n        ask: Which door should I lock?",
                     "capability: locking\n        entity: dvice\n"
                     "        ask: Which door should I lock?"), encoding="utf-8")
    problems = _problems(flows_dir)
    assert any("unknown capability 'locking'" in p and "did you mean 'lock'" in p
               for p in problems), problems
    assert any("unknown entity 'dvice'" in p for p in problems), problems


def test_no_flow_files(tmp_path: Path) -> None:
    with pytest.raises(FlowsNotFoundError) as caught:
        load_engine(tmp_path)
    assert caught.value.code == "E601"
