"""Import the SNIPS benchmark as preprocessed by Goo et al. 2018: seq.in, seq.out, label."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import DataNotFoundError, DataValidationError, Problem
from assistant.nlu.data.types import EntityAnnotation, Example, TrainingData

logger = logging.getLogger(__name__)

_FILES = ("seq.in", "seq.out", "label")
_TAG = re.compile(r"^(?P<prefix>[BI])-(?P<type>\S+)$")


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token spans ``(first, last + 1, type)`` from BIO tags, conlleval style.

    ``B-x`` starts a span; ``I-x`` continues a span of the same type and otherwise (after
    ``O`` or another type) starts a new one. Tags must be ``O``, ``B-x`` or ``I-x``.
    """
    spans: list[tuple[int, int, str]] = []
    current: tuple[int, str] | None = None
    for index, tag in enumerate(tags):
        match = _TAG.match(tag)
        continues = (
            match is not None and match["prefix"] == "I"
            and current is not None and current[1] == match["type"]
        )
        if continues:
            continue
        if current is not None:
            spans.append((current[0], index, current[1]))
            current = None
        if match is not None:
            current = (index, match["type"])
    if current is not None:
        spans.append((current[0], len(tags), current[1]))
    return spans


def _read_lines(file: Path) -> list[str]:
    return file.read_text(encoding="utf-8").splitlines()


def _tag_problems(tags: Sequence[str], tokens: Sequence[str], number: int) -> list[Problem]:
    where = f"seq.out:{number}"
    problems: list[Problem] = []
    if len(tags) != len(tokens):
        problems.append(Problem(
            where, f"{len(tags)} tags for {len(tokens)} tokens in seq.in:{number}",
            "give exactly one BIO tag per whitespace-separated token",
        ))
    bad = [tag for tag in tags if tag != "O" and not _TAG.match(tag)]
    if bad:
        problems.append(Problem(
            where, f"unknown tag(s): {', '.join(sorted(set(bad)))}", "use O, B-<type> or I-<type>",
        ))
    return problems


def _example(tokens: list[str], tags: list[str], intent: str, source: str) -> Example:
    starts: list[int] = []
    position = 0
    for token in tokens:
        starts.append(position)
        position += len(token) + 1
    entities = tuple(
        EntityAnnotation(starts[first], starts[last - 1] + len(tokens[last - 1]), entity)
        for first, last, entity in bio_spans(tags)
    )
    return Example(" ".join(tokens), intent, entities, source)


def load_snips(path: str | Path) -> TrainingData:
    """Load one SNIPS split folder (``train``, ``valid`` or ``test``) in place.

    ``text`` is the tokens joined by single spaces; ``source`` is ``"<split>/seq.in:<line>"``.
    Raises DataNotFoundError for a missing folder or file and DataValidationError listing
    every line problem (tag/token count mismatch, unknown tag, empty line, line counts).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataNotFoundError(
            f"SNIPS split folder not found: {folder}",
            hint="pass a folder with seq.in, seq.out and label, e.g. ../shared/datasets/snips/test",
        )
    for name in _FILES:
        if not (folder / name).is_file():
            raise DataNotFoundError(
                f"{folder / name} is missing", hint="a SNIPS split needs seq.in, seq.out and label",
            )
    lines_in, lines_out, labels = (_read_lines(folder / name) for name in _FILES)
    problems: list[Problem] = []
    if not len(lines_in) == len(lines_out) == len(labels):
        problems.append(Problem(
            str(folder),
            f"line counts differ: seq.in {len(lines_in)}, seq.out {len(lines_out)}, "
            f"label {len(labels)}",
            "the three files must have one line per utterance",
        ))
    examples: list[Example] = []
    for number, (line_in, line_out, label) in enumerate(zip(lines_in, lines_out, labels), start=1):
        tokens, tags, intent = line_in.split(), line_out.split(), label.strip()
        line_problems = _tag_problems(tags, tokens, number)
        if not tokens:
            line_problems.append(Problem(f"seq.in:{number}", "empty utterance", "remove the line"))
        if not intent:
            line_problems.append(
                Problem(f"label:{number}", "empty intent", "give every line an intent")
            )
        if line_problems:
            problems.extend(line_problems)
            continue
        examples.append(_example(tokens, tags, intent, f"{folder.name}/seq.in:{number}"))
    if problems:
        raise DataValidationError(problems)
    logger.debug("loaded %d SNIPS examples from %s", len(examples), folder)
    return TrainingData(examples=tuple(examples))
