"""Training data as loaded from files: examples with (possibly nested) entity annotations."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntityAnnotation:
    """A labelled character span ``text[start:end]``; nesting is implied by containment."""

    start: int
    end: int
    entity: str
    value: str | None = None  # explicit value from the markup, else None (the surface text)
    role: str | None = None
    group: str | None = None

    @property
    def label(self) -> str:
        """The span-classifier label: entity, plus role and group when given."""
        label = self.entity
        if self.role:
            label += f"@{self.role}"
        if self.group:
            label += f"#{self.group}"
        return label


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[EntityAnnotation, ...] = ()
    source: str = ""  # "file:line"


@dataclass(frozen=True)
class Phrase:
    """An utterance matched by its wording rather than learned (``metadata: {match: phrase}``).

    ``address``: words that may come before or after it ("merci, house"); see nlu/phrases.py.
    """

    text: str
    intent: str
    address: tuple[str, ...] = ()
    source: str = ""  # "file:line"


@dataclass(frozen=True)
class TrainingData:
    examples: tuple[Example, ...]
    synonyms: dict[str, str] = field(default_factory=dict)  # lower-cased surface -> value
    regexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lookups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    phrases: tuple[Phrase, ...] = ()  # matched, not learned: never in training or its split

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples} | {p.intent for p in self.phrases})

    @property
    def entity_labels(self) -> list[str]:
        return sorted({a.label for e in self.examples for a in e.entities})


def label_parts(label: str) -> tuple[str, str | None, str | None]:
    """Split a span label back into (entity, role, group)."""
    group = None
    if "#" in label:
        label, group = label.split("#", 1)
    role = None
    if "@" in label:
        label, role = label.split("@", 1)
    return label, role, group
