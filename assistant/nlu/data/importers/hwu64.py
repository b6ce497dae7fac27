"""Import HWU64 (NLU-Evaluation-Data): JSON lines with entities inline as ``[type : surface]``."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from assistant.errors import DataNotFoundError, DataValidationError, Problem
from assistant.nlu.data.types import EntityAnnotation, Example, TrainingData

logger = logging.getLogger(__name__)

# ``[entity_type : surface]``; the type stops at the first colon, so a surface such as
# "5:30 pm" keeps its own colons.
_MARKUP = re.compile(r"\[\s*(?P<type>[^\[\]:]+?)\s*:\s*(?P<surface>[^\[\]]*?)\s*\]")
_TOKEN = re.compile(r"\S+")
_REQUIRED = ("text", "intent", "annotation")


def parse_annotation(annotation: str) -> tuple[str, tuple[EntityAnnotation, ...]]:
    """Strip the inline markup; return the plain text and the entity spans into it.

    Markup with an empty surface (``[date : ]``) is dropped without a span.
    """
    pieces: list[str] = []
    entities: list[EntityAnnotation] = []
    length = 0
    position = 0
    for match in _MARKUP.finditer(annotation):
        plain = annotation[position : match.start()]
        surface = match.group("surface")
        pieces.append(plain)
        length += len(plain)
        if surface:
            entities.append(EntityAnnotation(length, length + len(surface), match.group("type")))
        pieces.append(surface)
        length += len(surface)
        position = match.end()
    pieces.append(annotation[position:])
    return "".join(pieces), tuple(entities)


def _normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def _collapse_whitespace(
    text: str, entities: tuple[EntityAnnotation, ...]
) -> tuple[str, tuple[EntityAnnotation, ...]]:
    """Strip ``text`` and collapse whitespace runs to one space, moving the spans along.

    Every span starts and ends on a non-space character (surfaces are stripped), so the
    mapping of those two characters is all that is needed.
    """
    mapping: dict[int, int] = {}
    tokens: list[str] = []
    length = 0
    for match in _TOKEN.finditer(text):
        if tokens:
            length += 1
        for offset in range(match.end() - match.start()):
            mapping[match.start() + offset] = length + offset
        tokens.append(match.group())
        length += len(match.group())
    moved = tuple(
        EntityAnnotation(
            mapping[e.start], mapping[e.end - 1] + 1, e.entity, e.value, e.role, e.group
        )
        for e in entities
    )
    return " ".join(tokens), moved


def _example(record: dict[str, str], source: str) -> tuple[Example, bool]:
    """Build one example; the flag is False when the annotation disagrees with ``text``."""
    text, intent, annotation = record["text"], record["intent"], record["annotation"]
    derived, entities = parse_annotation(annotation)
    if derived == text:
        return Example(text, intent, entities, source), True
    if _normalized(derived) == _normalized(text):
        derived, entities = _collapse_whitespace(derived, entities)
        return Example(derived, intent, entities, source), True
    logger.debug("%s: annotation %r does not match text %r; kept without entities",
                 source, annotation, text)
    return Example(text, intent, (), source), False


def _record(line: str, where: str) -> tuple[dict[str, str] | None, Problem | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, Problem(where, f"not valid JSON ({exc.msg})", "one JSON object per line")
    if not isinstance(record, dict):
        return None, Problem(where, "not a JSON object", "one JSON object per line")
    missing = [key for key in _REQUIRED if not isinstance(record.get(key), str)]
    if missing:
        return None, Problem(
            where, f"missing or non-string field(s): {', '.join(missing)}",
            "every line needs string fields text, intent and annotation",
        )
    return record, None


def load_hwu64(path: str | Path) -> TrainingData:
    """Load one HWU64 ``.jsonl`` split in place; ``source`` is ``"<file name>:<line>"``.

    Raises DataNotFoundError when the file is absent and DataValidationError listing every
    malformed line. Lines whose annotation does not reproduce ``text`` (beyond case and
    whitespace) keep ``text`` without entities; their count is logged as a warning.
    """
    file = Path(path)
    if not file.is_file():
        raise DataNotFoundError(
            f"HWU64 file not found: {file}",
            hint="pass a train.jsonl or test.jsonl file, e.g. ../shared/datasets/hwu64/test.jsonl",
        )
    examples: list[Example] = []
    problems: list[Problem] = []
    mismatched = 0
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{file.name}:{number}"
            record, problem = _record(line, where)
            if problem is not None:
                problems.append(problem)
                continue
            assert record is not None
            example, consistent = _example(record, where)
            examples.append(example)
            mismatched += 0 if consistent else 1
    if problems:
        raise DataValidationError(problems)
    if mismatched:
        logger.warning(
            "%s: %d of %d annotations do not match their text; those examples have no entities",
            file, mismatched, len(examples),
        )
    return TrainingData(examples=tuple(examples))
