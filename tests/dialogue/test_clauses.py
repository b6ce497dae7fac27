from __future__ import annotations

import pytest

from assistant.dialogue import split_clauses
from tests.dialogue.markup import parse


@pytest.mark.parametrize(("marked", "clauses"), [
    ("turn off the [lights](device) and lock the [front door](device)",
     ["turn off the lights", "lock the front door"]),
    ("dim the [lamp](device), then close the [blinds](device)",
     ["dim the lamp", "close the blinds"]),
    ("set a timer for [[5](number) minutes](duration) and then turn on the [tv](device)",
     ["set a timer for 5 minutes", "turn on the tv"]),
    # a list of devices for one verb is one clause
    ("turn on the [[porch](room) light](device) and the [[hallway](room) lamp](device)",
     ["turn on the porch light and the hallway lamp"]),
    # a conjunction inside an entity never splits
    ("play [rock and roll](media) in the [kitchen](room)",
     ["play rock and roll in the kitchen"]),
    # the second half has no entity: not a command of its own
    ("turn on the [[kitchen](room) light](device) and make it nice",
     ["turn on the kitchen light and make it nice"]),
])
def test_split_with_entities(marked: str, clauses: list[str]) -> None:
    parsed = parse(marked, "turn_on")
    assert split_clauses(parsed.text, parsed.entities) == clauses


def test_split_without_entities_needs_a_command_word() -> None:
    assert split_clauses("turn off the lights and lock the door") == [
        "turn off the lights", "lock the door"]
    assert split_clauses("salt and pepper") == ["salt and pepper"]
    assert split_clauses("  ") == [""]
