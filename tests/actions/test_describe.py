from __future__ import annotations

from types import MappingProxyType

from assistant.actions.describe import describe
from assistant.actions.device import Registry
from assistant.actions.result import ActionResult, Failure, Outcome


def _ok(device_id: str, action: str, response: object = None, **params: object) -> Outcome:
    return Outcome(device_id, action, MappingProxyType(params), None, 200, response, 5.0, 1)


def _failed(device_id: str, code: str, message: str = "", response: object = None) -> Outcome:
    return Outcome(device_id, "turn_off", MappingProxyType({}), Failure(device_id, code, message),
                   None, response, 5.0, 1)


def test_successes_and_failures_in_short_sentences(registry: Registry) -> None:
    result = ActionResult("user:1", (
        _ok("kitchen_light", "turn_off"),
        _ok("hallway_light", "turn_off"),
        _failed("bedroom_light", "E501"),
        _failed("living_room_lamp", "E506"),
    ), 250.0)
    assert describe(result, registry) == (
        "Turned off the kitchen light and the hallway light. "
        "The bedroom light didn't answer in time. I can't reach the living room lamp."
    )


def test_values_and_refusals(registry: Registry) -> None:
    assert describe(ActionResult("u", (_ok("kitchen_light", "set_brightness", brightness=30),), 1),
                    registry) == "Set the kitchen light to 30% brightness."
    assert describe(ActionResult("u", (_ok("bedroom_thermostat", "set_temperature",
                                           temperature=21.5),), 1),
                    registry) == "Set the bedroom thermostat to 21.5°C."
    assert describe(ActionResult("u", (_ok("bedroom_light", "set_color", rgb=[255, 0, 0]),), 1),
                    registry) == "Set the bedroom light to rgb(255, 0, 0)."
    body = {"error": {"code": "unsupported_action", "message": "this cover cannot lock"}}
    refused = _failed("garage_door", "E505", "x", body)
    assert describe(ActionResult("u", (refused,), 1), registry) == (
        "The garage door refused that: this cover cannot lock."
    )
    assert "not trying again" in describe(ActionResult("u", (_failed("tv", "E503"),), 1), registry)
    assert describe(ActionResult("u", (_failed("front_door_lock", "E504"),), 1),
                    registry).startswith("I'm not allowed to control the front door lock")


def test_state_sentences(registry: Registry) -> None:
    result = ActionResult("u", (
        _ok("kitchen_light", "get_state", {"state": {"on": True, "brightness": 40}}),
        _ok("front_door_lock", "get_state", {"state": {"locked": False}}),
        _ok("living_room_blinds", "get_state", {"state": {"position": 30}}),
        _ok("garden_sensor", "get_state", {"state": {"temperature": 18.5, "humidity": 55}}),
    ), 1)
    assert describe(result, registry) == (
        "The kitchen light is on at 40% brightness. The front door lock is unlocked. "
        "The living room blinds are 30% open. The garden sensor is at 18.5°C and 55% humidity."
    )


def test_a_busy_device_is_described(registry: Registry) -> None:
    text = describe(ActionResult("u", (_failed("ceiling_fan", "E507"),), 1), registry)
    assert text == ("I didn't send that to the ceiling fan: it is busy with other requests; "
                    "try again in a moment."), text
