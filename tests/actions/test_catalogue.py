from __future__ import annotations

from assistant.actions.catalogue import (
    ACTIONS,
    DEVICE_TYPES,
    TYPE_CAPABILITIES,
    actions_for,
    is_idempotent,
)


def test_only_absolute_actions_are_idempotent() -> None:
    assert all(is_idempotent(a) for a in ("turn_on", "turn_off", "set_brightness", "lock", "open"))
    assert not any(is_idempotent(a) for a in
                   ("toggle", "brightness_up", "volume_down", "next_track", "no_such_action"))


def test_every_type_has_capabilities_and_every_action_a_known_capability() -> None:
    assert set(TYPE_CAPABILITIES) == set(DEVICE_TYPES)
    caps = set().union(*TYPE_CAPABILITIES.values())
    assert {spec.capability for spec in ACTIONS.values()} <= caps
    assert actions_for("sensor", ("temperature",)) == ()
    assert actions_for("climate", ("temperature",)) == ("set_temperature",)
