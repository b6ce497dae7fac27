"""ParseResult <-> JSON, for clauses that wait in the dialogue state for their turn."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.types import Entity, IntentScore, ParseResult


def parse_to_dict(parse: ParseResult) -> dict[str, Any]:
    return parse.to_dict()


def parse_from_dict(data: Mapping[str, Any]) -> ParseResult:
    intent = data.get("intent") or {}
    return ParseResult(
        text=str(data.get("text", "")),
        intent=IntentScore(str(intent.get("name", "")), float(intent.get("confidence", 0.0))),
        ranking=tuple(IntentScore(str(r["name"]), float(r["confidence"]))
                      for r in data.get("intent_ranking", ())),
        entities=tuple(
            Entity(start=int(e["start"]), end=int(e["end"]), text=str(e["text"]),
                   entity=str(e["entity"]), value=e.get("value"),
                   confidence=float(e.get("confidence", 1.0)), role=e.get("role"),
                   group=e.get("group"), parent=e.get("parent"),
                   children=tuple(e.get("children", ())))
            for e in data.get("entities", ())
        ),
    )


def unparsed(text: str) -> ParseResult:
    """An utterance with no intent: the fallback flow answers it."""
    return ParseResult(text=text, intent=IntentScore("", 0.0), ranking=())
