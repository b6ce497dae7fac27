"""``assistant test dialogue``'s runner: YAML stories through the real app (the tiny test
model, the simulator, SQLite in a temp folder), one passing and one failing conversation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.server.conversation_tests import (
    ConversationTestError,
    format_result,
    load_stories,
    run_dialogue_tests,
)
from tests.server._support import ROOT, expect

STORIES = """
- name: kitchen light on, then off by context
  turns:
    - user: turn on the kitchen light
      replies: [Turned on the kitchen light.]
      actions: [{action: turn_on, devices: [kitchen_light]}]
      states: {kitchen_light: {"on": true}}
    - user: turn it off
      replies: ["/^Turned off the kitchen/"]
      states: {kitchen_light: {"on": false}}

- name: deliberately wrong device
  turns:
    - user: turn on the kitchen light
      replies: [Turned on the bedroom light.]
      actions: [{action: turn_on, devices: [bedroom_light]}]
      states: {bedroom_light: {"on": true}}
    - user: turn it off
"""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)


def test_a_passing_and_a_failing_conversation_are_reported(
        bundled_model: Path, tmp_path: Path, clean_env: None) -> None:
    stories = tmp_path / "stories.yml"
    stories.write_text(STORIES, encoding="utf-8")
    out = tmp_path / "reports" / "dialogue.json"

    report = run_dialogue_tests(stories, model_dir=bundled_model, out=out,
                                data_dir=ROOT / "nlu_data", flows_dir=ROOT / "flows",
                                devices_file=ROOT / "devices.yaml")

    data = json.loads(out.read_text(encoding="utf-8"))
    expect((data["ok"], data["total"], data["passed"], data["failed"]), (False, 2, 1, 1),
           "report totals")
    good, bad = data["conversations"]
    expect((good["name"], good["passed"], good["failed_turn"]),
           ("kitchen light on, then off by context", True, None), "passing conversation")
    expect([t["passed"] for t in good["turns"]], [True, True], "passing turns")
    expect(good["turns"][0]["intents"], ["turn_on"], "first turn's intents")

    expect((bad["passed"], bad["failed_turn"], bad["skipped_turns"], len(bad["turns"])),
           (False, 1, 1, 1), "failing conversation stops at its first turn")
    failures = {f["check"]: f for f in bad["turns"][0]["failures"]}
    expect(sorted(failures), ["actions", "reply", "state"], "failed checks")
    expect(failures["reply"]["got"], "Turned on the kitchen light.", "reply got")
    expect(failures["actions"]["got"],
           [{"action": "turn_on", "devices": ["kitchen_light"], "params": {}}], "actions got")
    # each conversation starts from the initial states: the bedroom light was never on
    expect(failures["state"]["got"], {"bedroom_light": {"on": False}}, "state got")

    lines = format_result(report.conversations[1])
    assert lines[0].startswith("FAIL  deliberately wrong device"), lines
    assert "turn 1: user: 'turn on the kitchen light'" in lines[1], lines


def test_bad_stories_list_every_problem(tmp_path: Path) -> None:
    stories = tmp_path / "bad.yml"
    stories.write_text("- name: x\n  turns:\n    - user: yes\n      foo: 1\n"
                       "- name: y\n  turns: []\n", encoding="utf-8")
    with pytest.raises(ConversationTestError) as info:
        load_stories(stories)
    messages = [p.message for p in info.value.problems]
    expect(len(messages), 3, f"problems {messages}")
    assert any("unknown keys ['foo']" in m for m in messages), messages
    assert any("user: expected text" in m for m in messages), messages
    assert any("turns: expected a non-empty list" in m for m in messages), messages


def test_the_bundled_smoke_stories_load() -> None:
    conversations = load_stories(ROOT / "stories")
    assert len(conversations) >= 5, [c.name for c in conversations]
