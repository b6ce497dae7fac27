"""Device states: open, closed, on, off, locked, unlocked, playing, paused."""

from __future__ import annotations

from assistant.nlu.normalize._phrase import lookup_phrase

_LEAD = frozenset({"the", "is", "be", "to"})
_TRAIL: frozenset[str] = frozenset()

_STATES: dict[str, str] = {
    **dict.fromkeys(("open", "opened"), "open"),
    **dict.fromkeys(("closed", "close", "shut"), "closed"),
    **dict.fromkeys(("on", "running", "turned on", "switched on"), "on"),
    **dict.fromkeys(("off", "turned off", "switched off"), "off"),
    **dict.fromkeys(("locked", "lock"), "locked"),
    **dict.fromkeys(("unlocked", "unlock"), "unlocked"),
    **dict.fromkeys(("playing", "play"), "playing"),
    **dict.fromkeys(("paused", "pause"), "paused"),
}


def parse_state(cleaned: str) -> str | None:
    """The canonical state, or None when the span names none."""
    return lookup_phrase(cleaned, _STATES, _LEAD, _TRAIL)
