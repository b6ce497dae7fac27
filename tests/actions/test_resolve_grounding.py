"""Resolution stays grounded in the user's words: a real misspelling is corrected, another
word that happens to be close to a device word is not ("shed" is not "shade")."""

from __future__ import annotations

import pytest

from assistant.actions.device import Registry
from assistant.actions.resolve import DeviceResolver, max_typo_edits, typo_edits


@pytest.fixture(scope="module")
def resolver(registry: Registry) -> DeviceResolver:
    return DeviceResolver(registry)


@pytest.mark.parametrize("a, b, edits", [
    ("light", "light", 0), ("lihgt", "light", 1), ("kitchn", "kitchen", 1),
    ("shed", "shade", 2), ("bedrom", "bedroom", 1), ("thermostta", "thermostat", 1),
    ("ab", "ba", 1), ("", "fan", 3),
])
def test_typo_edits_count_a_swap_as_one(a: str, b: str, edits: int) -> None:
    assert typo_edits(a, b) == edits, f"{a!r} -> {b!r}: expected {edits}, got {typo_edits(a, b)}"


def test_longer_words_may_carry_two_edits() -> None:
    assert (max_typo_edits("lamp"), max_typo_edits("kitchen"), max_typo_edits("thermostat")) \
        == (1, 1, 2)


@pytest.mark.parametrize("phrase", [
    "shed", "shed door", "robot vacuum", "vacuum", "hoover", "next song", "car", "oven",
    "channel", "subtitles", "gate", "christmas tree", "porch light", "aquarium light",
])
def test_things_the_home_does_not_have_match_no_device(resolver: DeviceResolver,
                                                       phrase: str) -> None:
    got = resolver.resolve(phrase)
    assert not got.devices, f"{phrase!r}: expected no device, got " \
                            f"{[d.id for d in got.devices]} ({got.reason}, fuzzy={got.fuzzy})"


@pytest.mark.parametrize("phrase, device", [
    ("kitchn lihgt", "kitchen_light"), ("garage dor", "garage_door"),
    ("livng room lamp", "living_room_lamp"), ("extractr fan", "bathroom_fan"),
])
def test_misspellings_are_still_corrected(resolver: DeviceResolver, phrase: str,
                                          device: str) -> None:
    got = resolver.resolve(phrase)
    assert [d.id for d in got.devices] == [device] and got.fuzzy, \
        f"{phrase!r}: expected [{device!r}] (fuzzy), got {[d.id for d in got.devices]} " \
        f"({got.reason}, fuzzy={got.fuzzy})"
