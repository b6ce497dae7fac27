"""Resolution table: one generated test per case; a failure quotes the case, expected vs got."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from typing import Any

import pytest

from assistant.actions.device import Device, Registry, RestConnection
from assistant.actions.resolve import DeviceResolver
from assistant.types import Entity

ALL_LIGHTS = ["kitchen_light", "living_room_lamp", "bedroom_light", "hallway_light"]

# (device phrase, keyword args, expected ids, ambiguous, reason, fuzzy)
CASES: list[tuple[str | None, dict[str, Any], list[str], bool, str, bool]] = [
    # exact names and aliases, any case, with articles
    ("kitchen light", {}, ["kitchen_light"], False, "exact", False),
    ("The Kitchen Light", {}, ["kitchen_light"], False, "exact", False),
    ("the reading lamp", {}, ["living_room_lamp"], False, "exact", False),
    ("TV", {}, ["living_room_tv"], False, "exact", False),
    ("coffee machine", {}, ["coffee_maker_plug"], False, "exact", False),
    ("livingroom tv", {}, ["living_room_tv"], False, "exact", False),
    # name given apart from its room
    ("light", {"room": "kitchen"}, ["kitchen_light"], False, "exact", False),
    ("thermostat", {"room": "bedroom"}, ["bedroom_thermostat"], False, "exact", False),
    ("bedroom thermostat", {}, ["bedroom_thermostat"], False, "exact", False),
    ("bedroom lamp", {}, ["bedroom_light"], False, "name", False),
    ("bedroom fan", {}, ["ceiling_fan"], False, "name", False),
    ("the lights in the kitchen", {}, ["kitchen_light"], False, "type", False),
    # plurals and quantifiers: every match, not a question
    ("lights", {"room": "living room"}, ["living_room_lamp"], False, "type", False),
    ("all the lights", {}, ALL_LIGHTS, False, "type", False),
    (None, {"device_type": "lights"}, ALL_LIGHTS, False, "type", False),
    ("fans", {}, ["bathroom_fan", "ceiling_fan"], False, "type", False),
    ("both thermostats", {}, ["hallway_thermostat", "bedroom_thermostat"], False, "type", False),
    ("everything", {"capability": "lock"}, ["front_door_lock", "back_door_lock"], False,
     "everything", False),
    # a room alone: everything there (the action's capability narrows it)
    (None, {"room": "bedroom", "capability": "temperature"}, ["bedroom_thermostat"], False,
     "room", False),
    ("kitchen", {"capability": "on_off"}, ["kitchen_light", "coffee_maker_plug"], False, "room",
     False),
    # typos
    ("kitchn light", {}, ["kitchen_light"], False, "exact", True),
    ("Bedrom Lamp", {}, ["bedroom_light"], False, "name", True),
    ("lihgts", {"room": "kitchen"}, ["kitchen_light"], False, "type", True),
    ("garage dor", {}, ["garage_door"], False, "exact", True),
    ("thermostat", {"room": "bedrom"}, ["bedroom_thermostat"], False, "exact", True),
    # ambiguous: the dialogue asks
    ("the lamp", {}, ["living_room_lamp", "bedroom_light"], True, "name", False),
    ("thermostat", {}, ["hallway_thermostat", "bedroom_thermostat"], True, "name", False),
    ("fan", {}, ["bathroom_fan", "ceiling_fan"], True, "name", False),
    ("the door", {"capability": "lock"}, ["front_door_lock", "back_door_lock"], True, "name",
     False),
    ("heating", {}, ["hallway_thermostat", "bedroom_thermostat"], True, "type", False),
    # the capability settles it
    ("the door", {"capability": "open_close"}, ["garage_door"], False, "name", False),
    # unknown
    ("toaster", {}, [], False, "no_match", False),
    ("tv", {"room": "kitchen"}, [], False, "no_match", False),
    ("light", {"room": "attic"}, [], False, "unknown_room", False),
    ("garage door", {"capability": "lock"}, [], False, "unsupported", False),
    (None, {}, [], False, "empty", False),
]


@pytest.fixture(scope="module")
def resolver(registry: Registry) -> DeviceResolver:
    return DeviceResolver(registry)


@pytest.mark.parametrize(
    "phrase, kwargs, ids, ambiguous, reason, fuzzy", CASES,
    ids=[f"{c[0]}|{','.join(f'{k}={v}' for k, v in c[1].items())}" for c in CASES],
)
def test_resolution(resolver: DeviceResolver, phrase: str | None, kwargs: dict[str, Any],
                    ids: list[str], ambiguous: bool, reason: str, fuzzy: bool) -> None:
    got = resolver.resolve(phrase, **kwargs)
    expected = (ids, ambiguous, reason, fuzzy)
    actual = ([d.id for d in got.devices], got.ambiguous, got.reason, got.fuzzy)
    assert actual == expected, (
        f"{phrase!r} {kwargs}: expected {expected}, got {actual} ({got.detail})"
    )


def test_ambiguous_result_asks_which_one(resolver: DeviceResolver) -> None:
    got = resolver.resolve("the lamp")
    assert got.question == "Which one: living room lamp or bedroom light?"
    assert not got.found
    assert resolver.resolve("kitchen light").question is None


def test_unsupported_names_the_devices(resolver: DeviceResolver) -> None:
    got = resolver.resolve("garage door", capability="lock")
    assert [d.id for d in got.unsupported] == ["garage_door"]
    assert "cannot do lock" in got.detail


def test_resolves_from_nested_nlu_entities(resolver: DeviceResolver) -> None:
    text = "dim the bedroom lamp"
    entities = (
        Entity(start=8, end=20, text="bedroom lamp", entity="device", value="bedroom lamp",
               confidence=0.9, children=(1,)),
        Entity(start=8, end=15, text="bedroom", entity="room", value="bedroom", confidence=0.9,
               parent=0),
    )
    assert text[8:20] == "bedroom lamp"
    got = resolver.resolve_entities(entities, capability="brightness")
    assert [d.id for d in got.devices] == ["bedroom_light"]


def test_users_own_names_work_without_retraining() -> None:
    granny = Device(id="granny_lamp", name="Granny's lamp", room="den", type="light",
                    capabilities=("on_off",),
                    connection=RestConnection("http://granny:5000", "GRANNY_TOKEN"),
                    aliases=("the big lamp",))
    resolver = DeviceResolver(Registry((granny,)))
    for phrase in ("granny's lamp", "big lamp", "Grany's lamp", "the lamp in the den"):
        assert [d.id for d in resolver.resolve(phrase).devices] == ["granny_lamp"], phrase


def test_the_resolver_loads_spacy_without_torch_and_leaves_torch_importable() -> None:
    """thinc imports torch whenever it is installed (the dev extra installs it): the server
    must not pay ~250 MB for it, and training in the same process must still get torch."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed here, so nothing could import it")
    code = (
        "import json, sys\n"
        "from assistant.actions.resolve import DeviceResolver\n"
        "import thinc.compat\n"
        "loaded = 'torch' in sys.modules\n"
        "import torch\n"
        "print(json.dumps({'torch_loaded_by_spacy': loaded, 'thinc_has_torch': "
        "thinc.compat.has_torch, 'torch_importable': hasattr(torch, 'tensor')}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"torch_loaded_by_spacy": False, "thinc_has_torch": False,
                   "torch_importable": True}
