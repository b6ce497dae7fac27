"""The parsers of user files under atheris (training data with nested markup, flows,
devices.yaml, stories): a result or a coded error with file:line, never a crash or a hang.

The fuzz run (marker ``faults``) is bounded; ``bench/fuzz_parsers.py`` runs longer. The
regression tests below replay what fuzzing found and run in the fast suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.actions.errors import RegistryValidationError
from assistant.actions.registry import load_registry
from assistant.dialogue.loader import load_flows
from assistant.errors import DataValidationError, ProblemsError
from assistant.nlu.data.loader import load_training_data
from assistant.server.conversation_tests import ConversationTestError, load_stories

ROOT = Path(__file__).resolve().parents[2]
FUZZ_SECONDS = int(os.environ.get("ASSISTANT_TEST_FUZZ_SECONDS", "45"))
# a fixed seed, so a run replays the same inputs (longer runs in bench/ explore new ones)
FUZZ_SEED = int(os.environ.get("ASSISTANT_TEST_FUZZ_SEED", "1"))
FUZZ_RUNS = int(os.environ.get("ASSISTANT_TEST_FUZZ_RUNS", "6000"))  # FUZZ_SECONDS bounds it too
DEEP = "[" * 5000 + "]" * 5000  # PyYAML composes nested collections recursively


def _only_problem(exc: ProblemsError) -> str:
    assert len(exc.problems) == 1, exc.problems
    return str(exc.problems[0])


def test_deeply_nested_training_data_is_a_coded_problem(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(DEEP, encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_training_data(path)
    assert _only_problem(err.value).startswith(f"{path}:1: YAML nested too deeply")


def test_training_data_without_examples_names_the_data(tmp_path: Path) -> None:
    path = tmp_path / "domain.yml"
    path.write_text('version: "3.1"\nintents: [greet]\n', encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_training_data(path)
    assert _only_problem(err.value).startswith(f"{path}:1: no intent examples found")


def test_deeply_nested_flow_file_is_a_coded_problem(tmp_path: Path) -> None:
    (tmp_path / "flows.yml").write_text(DEEP, encoding="utf-8")
    with pytest.raises(ProblemsError) as err:
        load_flows(tmp_path, intents=["greet"], actions=["turn_on"])
    assert f"{tmp_path / 'flows.yml'}:1: YAML nested too deeply" in str(err.value)


def test_deeply_nested_registry_is_a_coded_problem(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text(DEEP, encoding="utf-8")
    with pytest.raises(RegistryValidationError) as err:
        load_registry(path)
    assert _only_problem(err.value).startswith(f"{path}:1: YAML nested too deeply")


def test_deeply_nested_stories_are_a_coded_problem(tmp_path: Path) -> None:
    path = tmp_path / "stories.yml"
    path.write_text(DEEP, encoding="utf-8")
    with pytest.raises(ConversationTestError) as err:
        load_stories(path)
    assert _only_problem(err.value).startswith(f"{path}:1: YAML nested too deeply")


def test_registry_not_utf8_is_a_coded_problem(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_bytes(b"version: 1\ndevices: [\xac]\n")
    with pytest.raises(RegistryValidationError) as err:
        load_registry(path)
    assert _only_problem(err.value).startswith(f"{path}:1: not UTF-8 text")


def test_stories_not_utf8_are_a_coded_problem(tmp_path: Path) -> None:
    path = tmp_path / "stories.yml"
    path.write_bytes(b"- name: \xff\n")
    with pytest.raises(ConversationTestError) as err:
        load_stories(path)
    assert _only_problem(err.value).startswith(f"{path}:1: not UTF-8 text")


def test_training_data_with_a_list_as_key_is_a_coded_problem(tmp_path: Path) -> None:
    """Found by the fuzzer: ``[a]: x`` as a key raised TypeError (unhashable list)."""
    data = tmp_path / "nlu.yml"
    data.write_text('version: "3.1"\n[a]: x\nnlu:\n- intent: a\n  {b: 1}: 2\n'
                    '  examples: |\n    - hi\n')
    with pytest.raises(DataValidationError) as info:
        load_training_data(data)
    assert [p.where for p in info.value.problems] == [f"{data}:2", f"{data}:5"]


def test_story_problems_name_their_line(tmp_path: Path) -> None:
    """Found by the fuzzer: story problems said "file#1 (name) turn 1", with no line."""
    stories = tmp_path / "stories.yml"
    stories.write_text("- name: a\n  turns:\n    - user: hi\n      zeplies: [x]\n"
                       "- name: b\n  bogus: 1\n  turns:\n    - user: x\n")
    with pytest.raises(ConversationTestError) as info:
        load_stories(stories)
    assert [p.where for p in info.value.problems] == [
        f"{stories}:3 #1 (a) turn 1", f"{stories}:5 #2 (b)"]


@pytest.mark.faults
def test_atheris_finds_no_crash_in_the_parsers(tmp_path: Path) -> None:
    """One atheris process over all five parsers (the first byte picks one), seeded from the
    bundled files, for FUZZ_SECONDS; an input that breaks the property fails the run and is
    kept under tmp_path as crash-*."""
    corpus = tmp_path / "corpus"  # seeded by the harness
    run = subprocess.run(
        [sys.executable, "-m", "tests.faults.fuzz_targets", "all", str(corpus),
         f"-max_total_time={FUZZ_SECONDS}", f"-seed={FUZZ_SEED}", f"-runs={FUZZ_RUNS}",
         "-timeout=300", "-rss_limit_mb=2048",
         f"-artifact_prefix={tmp_path}/", "-print_final_stats=1"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=FUZZ_SECONDS + 300)
    output = "\n".join(line for line in (run.stdout + run.stderr).splitlines()
                       if not line.startswith("INFO: Instrumenting"))
    crashes = sorted(tmp_path.glob("crash-*")) + sorted(tmp_path.glob("timeout-*"))
    found = output[output.find("=== Uncaught"):][:4000] if "=== Uncaught" in output else ""
    assert run.returncode == 0 and not crashes, \
        f"atheris: rc {run.returncode}, inputs kept: {crashes}\n{found or output[-4000:]}"
    assert "stat::number_of_executed_units" in output, output[-2000:]
