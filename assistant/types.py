"""Value types shared by every layer: the result of parsing one utterance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    """One recognised span. ``parent`` and ``children`` index into ``ParseResult.entities``."""

    start: int
    end: int
    text: str
    entity: str
    value: Any
    confidence: float
    role: str | None = None
    group: str | None = None
    parent: int | None = None
    children: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "value": self.value,
            "entity": self.entity,
            "confidence": round(self.confidence, 4),
            "parent": self.parent,
            "children": list(self.children),
        }
        if self.role is not None:
            out["role"] = self.role
        if self.group is not None:
            out["group"] = self.group
        return out


@dataclass(frozen=True)
class ParseSource:
    """Who answered a parse: the NLU backend (``local``, ...) and the model version."""

    backend: str
    model_version: str


@dataclass(frozen=True)
class ParseResult:
    text: str
    intent: IntentScore
    ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...] = field(default_factory=tuple)
    source: ParseSource | None = None  # set by the NLU backend that answered

    def to_dict(self) -> dict[str, Any]:
        """Rasa-compatible shape (``intent``, ``entities``, ``intent_ranking``) plus nesting
        and, when known, ``source`` (``{"backend": ..., "model_version": ...}``)."""
        out: dict[str, Any] = {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": round(self.intent.confidence, 4)},
            "entities": [e.to_dict() for e in self.entities],
            "intent_ranking": [
                {"name": s.name, "confidence": round(s.confidence, 4)} for s in self.ranking
            ],
        }
        if self.source is not None:
            out["source"] = {"backend": self.source.backend,
                             "model_version": self.source.model_version}
        return out
