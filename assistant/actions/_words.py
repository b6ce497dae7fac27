"""Word lists for device resolution: articles, quantifiers, fillers, generic type words."""

from __future__ import annotations

DETERMINERS = frozenset(
    {"the", "a", "an", "my", "our", "your", "this", "that", "these", "those", "some"}
)
# words that ask for every matching device ("all the lights", "both lamps", "everything")
QUANTIFIERS = frozenset({"all", "every", "each", "both", "everything", "everywhere"})
# words an entity span may carry that name nothing
FILLERS = frozenset(
    {"please", "of", "in", "on", "at", "for", "from", "now", "'s", "s", "device", "devices",
     "thing", "things", "one", "ones", "and"}
)

# Generic words for a whole device type, in singular form. Words that name a kind of device
# rather than a type ("lamp", "blinds", "tv", "door") are left to device names and aliases.
TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(("light", "lighting", "bulb"), "light"),
    **dict.fromkeys(("switch",), "switch"),
    **dict.fromkeys(("plug", "outlet", "socket", "smart plug"), "plug"),
    **dict.fromkeys(("fan",), "fan"),
    **dict.fromkeys(
        ("thermostat", "heating", "heater", "ac", "aircon", "air conditioning",
         "air conditioner", "climate", "hvac"),
        "climate",
    ),
    **dict.fromkeys(("cover",), "cover"),
    **dict.fromkeys(("lock",), "lock"),
    **dict.fromkeys(("media player", "media"), "media_player"),
    **dict.fromkeys(("sensor",), "sensor"),
}

_KEEP = ("ss", "us", "is")


def singular(word: str) -> str:
    """ "lights" -> "light", "switches" -> "switch", "batteries" -> "battery"; others as-is."""
    if len(word) < 3 or not word.isalpha() or word.endswith(_KEEP) or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes")):
        return word[:-2]
    return word[:-1]
