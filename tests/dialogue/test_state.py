from __future__ import annotations

import json

import pytest

from assistant.dialogue import DialogueState, DialogueStateError


def test_round_trip_through_json() -> None:
    state = DialogueState("set_temperature", "collect_temperature",
                          {"target": {"ids": ["hallway_thermostat"], "names": ["hall"]}},
                          {"last": {"flow": "turn_on", "ids": ["a"], "names": ["A"]}}, 2)
    again = DialogueState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    assert again.label == "set_temperature.collect_temperature" and again.active


def test_idle_by_default() -> None:
    state = DialogueState()
    assert not state.active and state.label == "idle"
    assert DialogueState.from_dict(state.to_dict()) == state


@pytest.mark.parametrize("data", [
    [],
    {"flow": 3},
    {"flow": "x", "tries": -1},
    {"flow": "x", "slots": []},
    {"flow": "x", "step": "a", "extra": 1},
])
def test_bad_stored_state_is_an_error(data: object) -> None:
    with pytest.raises(DialogueStateError) as caught:
        DialogueState.from_dict(data)  # type: ignore[arg-type]
    assert caught.value.code == "E602"
