"""Split "turn off the lights and lock the front door" into one clause per command.

The server parses the whole utterance, calls ``split_clauses(text, parse.entities)``, and
when that gives several clauses parses each one and passes the list to
``DialogueEngine.handle_turn``. The engine itself never calls the NLU.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.dialogue._text import normalise, words_outside
from assistant.types import Entity

_SEPARATOR = re.compile(r"\s*(?:,\s*(?:and\s+)?(?:then\s+)?|;\s*|\s+and\s+then\s+|\s+and\s+"
                        r"|\s+then\s+)", re.IGNORECASE)
# words that carry no command: a clause made only of these and entities is a list item
# ("... and the hallway lamp"), not a command of its own
_FILLER = frozenset({
    "the", "a", "an", "my", "our", "all", "both", "too", "also", "as", "well", "please", "to",
    "in", "on", "at", "of", "for", "with", "and", "then", "one", "ones",
})
# without entities, a clause must start with one of these to stand alone
_VERBS = frozenset({
    "turn", "switch", "set", "dim", "brighten", "make", "change", "open", "close", "shut",
    "lock", "unlock", "play", "pause", "stop", "resume", "start", "activate", "cancel",
    "raise", "lower", "increase", "decrease", "put", "lights", "what", "what's", "whats", "is",
    "are", "how", "run", "enable", "disable", "mute", "unmute", "heat", "cool",
})


def split_clauses(text: str, entities: Sequence[Entity] | None = None) -> list[str]:
    """The clauses of ``text``, split at "and", "then", "," or ";".

    With the whole utterance's ``entities`` (offsets into ``text``), a split is kept only when
    both sides carry an entity and the right side has a word of its own outside its entities
    ("and the hallway lamp" stays with its verb). Without entities the right side must start
    with a command word. Conjunctions inside an entity ("rock and roll") never split.
    """
    spans = [(e.start, e.end) for e in entities or ()]
    cuts = [m for m in _SEPARATOR.finditer(text)
            if not any(s < m.start() < e or s < m.end() < e for s, e in spans)]
    bounds = [0] + [p for m in cuts for p in (m.start(), m.end())] + [len(text)]
    pieces = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    clauses: list[tuple[int, int]] = []
    for start, end in pieces:
        if not text[start:end].strip():
            continue
        if clauses and _stands_alone(text, clauses[-1], (start, end), entities):
            clauses.append((start, end))
        elif clauses:
            clauses[-1] = (clauses[-1][0], end)
        else:
            clauses.append((start, end))
    return [text[s:e].strip() for s, e in clauses] or [text.strip()]


def _stands_alone(text: str, left: tuple[int, int], right: tuple[int, int],
                  entities: Sequence[Entity] | None) -> bool:
    if entities is None:
        words = normalise(text[right[0]:right[1]]).split()
        return bool(words) and words[0] in _VERBS
    inside = [(e.start, e.end) for e in entities if e.parent is None]

    def has_entity(part: tuple[int, int]) -> bool:
        return any(part[0] <= s and e <= part[1] for s, e in inside)

    if not (has_entity(left) and has_entity(right)):
        return False
    own = words_outside(text[right[0]:right[1]],
                        [(s - right[0], e - right[0]) for s, e in inside])
    return any(w not in _FILLER for w in own)
