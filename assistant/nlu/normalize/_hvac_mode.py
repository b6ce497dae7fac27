"""HVAC modes, named as Home Assistant names them: heat, cool, heat_cool, auto, off, dry,
fan_only, eco."""

from __future__ import annotations

from assistant.nlu.normalize._phrase import lookup_phrase

_LEAD = frozenset({"the", "my", "on", "to", "in"})
_TRAIL = frozenset({"mode", "setting"})

_MODES: dict[str, str] = {
    **dict.fromkeys(("heat", "heating", "heater", "warm", "warming"), "heat"),
    **dict.fromkeys(
        (
            "cool",
            "cooling",
            "cold",
            "ac",
            "a c",
            "air conditioning",
            "air conditioner",
            "air con",
            "aircon",
        ),
        "cool",
    ),
    **dict.fromkeys(
        ("heat cool", "heat and cool", "heating and cooling", "heat or cool"), "heat_cool"
    ),
    **dict.fromkeys(("auto", "automatic", "automatically"), "auto"),
    **dict.fromkeys(("off", "turned off", "switched off"), "off"),
    **dict.fromkeys(
        ("dry", "drying", "dehumidify", "dehumidifying", "dehumidifier", "dehumidification"),
        "dry",
    ),
    **dict.fromkeys(("fan", "fan only", "only fan", "ventilation", "ventilate"), "fan_only"),
    **dict.fromkeys(("eco", "economy", "economic", "energy saving", "energy saver", "away"), "eco"),
}


def parse_hvac_mode(cleaned: str) -> str | None:
    """The canonical mode, or None when the span names none."""
    return lookup_phrase(cleaned, _MODES, _LEAD, _TRAIL)
