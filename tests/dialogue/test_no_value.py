"""``no_value`` in a flow file: the flow a request means when it names none of the flow's
values ("set the bedroom thermostat" parsed as set_hvac_mode means its temperature). The
conversations are in conversations/climate.yml; these are the start-up checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.dialogue import FlowValidationError
from tests.dialogue.support import FLOWS, load_engine


def _climate_with(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(FLOWS, target, ignore=shutil.ignore_patterns("*.md"))
    path = target / "climate.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"climate.yml no longer has {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return target


def _problems(flows_dir: Path) -> list[str]:
    with pytest.raises(FlowValidationError) as caught:
        load_engine(flows_dir)
    return [str(p) for p in caught.value.problems]


def test_the_bundled_mode_flow_means_the_temperature_when_no_mode_is_said() -> None:
    spec = load_engine().flows["set_hvac_mode"].spec
    assert spec.no_value is not None and spec.no_value.flow == "set_temperature"
    assert "mode" in spec.no_value.unless_said


def test_an_unknown_flow_is_a_problem_with_its_line(tmp_path: Path) -> None:
    problems = _problems(_climate_with(tmp_path, "flow: set_temperature",
                                       "flow: set_temperatur"))
    assert any("climate.yml:" in p and "no_value: flow 'set_temperatur' of 'set_hvac_mode' "
               "is not another flow" in p and "did you mean 'set_temperature'" in p
               for p in problems), problems


def test_a_flow_cannot_mean_itself(tmp_path: Path) -> None:
    problems = _problems(_climate_with(tmp_path, "flow: set_temperature",
                                       "flow: set_hvac_mode"))
    assert any("no_value: flow 'set_hvac_mode' of 'set_hvac_mode' is not another flow" in p
               for p in problems), problems


def test_no_chains(tmp_path: Path) -> None:
    problems = _problems(_climate_with(
        tmp_path, "    intents: [set_temperature]\n",
        "    intents: [set_temperature]\n    no_value: {flow: set_fan_speed}\n"))
    assert any("no_value: flow 'set_temperature' of 'set_hvac_mode' has a no_value of its own"
               in p for p in problems), problems
