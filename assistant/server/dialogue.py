"""The one place that knows the dialogue package's API: load the engine, split clauses,
read and write the stored state."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.dialogue import DialogueEngine, DialogueState
    from assistant.dialogue.grounding import Vocabulary
    from assistant.nlu.backend import BackendInfo
    from assistant.types import Entity

log = logging.getLogger(__name__)


def load_engine(settings: Settings, nlu: BackendInfo | None) -> DialogueEngine:
    """The flows of ``settings.flows_dir``, checked against the intents and entity types the
    NLU can return (the data's domain, and the backend's ``nlu`` when it is there) and the
    device actions; a broken flow raises FlowValidationError (E600) listing every problem."""
    from assistant.actions.catalogue import ACTIONS, CAPABILITIES
    from assistant.dialogue import DialogueEngine
    from assistant.nlu.backend import known_labels

    intents, entities = known_labels(settings.data_dir, nlu)
    return DialogueEngine.load(Path(settings.flows_dir), intents=intents, actions=tuple(ACTIONS),
                               entities=entities or None, capabilities=CAPABILITIES,
                               vocabulary=vocabulary(settings))


def vocabulary(settings: Settings) -> Vocabulary | None:
    """The words each intent of ``data_dir`` is used with, and the home's device names,
    aliases and rooms: a command with any other word is not run (dialogue/grounding.py).
    None, with a warning, when the training data cannot be read: every parse is trusted."""
    from assistant.actions.registry import load_registry
    from assistant.dialogue.grounding import Vocabulary
    from assistant.nlu.data.loader import load_training_data

    try:
        data = load_training_data(settings.data_dir)
    except AssistantError as exc:
        log.warning("no vocabulary from %s (%s): commands are run on any parse",
                    settings.data_dir, exc.code)
        return None
    registry = load_registry(settings.devices_file)
    names = [n for d in registry for n in (d.name, *d.aliases, d.room)]
    return Vocabulary.build(((e.intent, e.text, [(a.start, a.end, a.entity) for a in e.entities])
                             for e in data.examples), names)


def split(text: str, entities: Sequence[Entity]) -> list[str]:
    """The clauses of a multi-command utterance (one clause: ``[text]``)."""
    from assistant.dialogue import split_clauses

    return [c for c in split_clauses(text, entities) if c.strip()] or [text]


def state_from(stored: Mapping[str, Any] | None) -> DialogueState:
    from assistant.dialogue import DialogueState

    return DialogueState.from_dict(stored) if stored else DialogueState()


def jsonable(value: Any) -> Any:
    """Dataclasses / mappings / tuples as plain JSON values (for storage and responses)."""
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    if hasattr(value, "__dataclass_fields__"):
        return {k: jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
