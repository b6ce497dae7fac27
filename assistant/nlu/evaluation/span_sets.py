"""Entity spans as comparable ``(start, end, label)`` values, from gold data and predictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.nlu.data.types import EntityAnnotation, Example
from assistant.types import Entity, ParseResult


@dataclass(frozen=True, order=True)
class Span:
    """One labelled span; equality (and hashing) uses start, end and label only."""

    start: int
    end: int
    label: str
    text: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text}


def predicted_label(entity: Entity) -> str:
    """entity + "@role" + "#group", exactly as EntityAnnotation.label builds it."""
    return EntityAnnotation(entity.start, entity.end, entity.entity,
                            role=entity.role, group=entity.group).label


def gold_spans(example: Example) -> frozenset[Span]:
    """Every annotated span, nested ones included, each on its own."""
    return frozenset(
        Span(a.start, a.end, a.label, example.text[a.start : a.end]) for a in example.entities
    )


def predicted_spans(result: ParseResult) -> frozenset[Span]:
    """Every predicted span, parents and children alike, each on its own."""
    return frozenset(Span(e.start, e.end, predicted_label(e), e.text) for e in result.entities)
