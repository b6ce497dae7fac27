"""Is a command grounded in what the user said? The words an intent is used with.

A classifier always picks its nearest intent: "skip this song" comes out as ``media_play``,
"hoover the lounge" as ``set_volume``, "start the vacuum" as ``media_play``. Acting on such
a guess moves a device the user never asked about (the TV plays, the only player pauses).
A device command therefore runs only when every word outside the parse's entities (those its
flow's slots read; the words of any other entity count) is one its intent is used with (in
the training data, or the flow's own words such as "louder"), a word of the home (device
names, aliases, rooms), or a function word. A word one edit away
(a typo, a swap of two letters) counts as the word. Anything else ("skip", "vacuum", "milk")
is something the assistant did not understand, and it says it can't do that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from assistant.dialogue._schema import FlowSpec
from assistant.dialogue._text import normalise, words_outside
from assistant.dialogue.flow import Flow

# Words that carry no request of their own: articles, pronouns, prepositions, politeness
# (after ``normalise``: "let's" is "let s").
FUNCTION_WORDS = frozenset((
    "a", "an", "the", "this", "that", "these", "those", "some", "any", "my", "our", "your",
    "his", "her", "their", "its", "it", "them", "they", "i", "me", "we", "us", "you", "he",
    "she", "one", "ones", "to", "of", "in", "on", "at", "for", "from", "by", "with", "into",
    "onto", "up", "down", "off", "out", "over", "under", "about", "and", "or", "but", "so",
    "then", "than", "too", "also", "as", "if", "just", "now", "please", "kindly", "thanks",
    "thank", "can", "could", "would", "will", "shall", "should", "may", "might", "must", "do",
    "does", "did", "be", "is", "are", "am", "was", "were", "been", "hey", "hi", "ok", "okay",
    "yes", "oh", "um", "uh", "well", "right", "there", "here", "again", "still", "very",
    "really", "bit", "little", "quite", "let", "lets", "want", "wanna", "like", "need", "s",
    "d", "m", "re", "ll", "ve",
))
NAME_ENTITIES = frozenset({"device", "room"})  # open names: the home's registry knows them
_MIN_TYPO_LEN = 4  # a shorter word one edit away from a known one is another word


@dataclass(frozen=True)
class Vocabulary:
    """``by_intent``: the words each intent's examples use outside their entities;
    ``common``: words any command may carry (the home's device names, aliases, rooms)."""

    by_intent: Mapping[str, frozenset[str]]
    common: frozenset[str] = frozenset()
    # intent -> value entity -> the words inside its spans ("degrees" of a temperature), for
    # a parse that missed the span; device and room names are never learned words
    values: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    _by_length: dict[tuple[str, frozenset[str]], dict[int, frozenset[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, examples: Iterable[tuple[str, str, Iterable[tuple[int, int, str]]]],
              common: Iterable[str] = ()) -> Vocabulary:
        """From ``(intent, text, [(start, end, entity)])`` examples and the home's names."""
        words: dict[str, set[str]] = {}
        values: dict[str, dict[str, set[str]]] = {}
        for intent, text, spans in examples:
            spans = list(spans)
            words.setdefault(intent, set()).update(words_outside(text, [s[:2] for s in spans]))
            for start, end, entity in spans:
                if entity not in NAME_ENTITIES:
                    values.setdefault(intent, {}).setdefault(entity, set()).update(
                        normalise(text[start:end]).split())
        plain = {w for phrase in common for w in normalise(phrase).split()}
        return cls({k: frozenset(v) for k, v in words.items()}, frozenset(plain),
                   {i: {e: frozenset(w) for e, w in v.items()} for i, v in values.items()})

    def unexplained(self, intent: str, text: str, spans: Iterable[tuple[int, int]],
                    extra: frozenset[str] = frozenset(),
                    entities: frozenset[str] = frozenset()) -> list[str]:
        """The words of ``text`` outside ``spans`` that ``intent`` is never used with (outside
        its entities, or inside those of ``entities``, the ones its flow reads)."""
        known = self.by_intent.get(intent, frozenset()).union(
            *(v for e, v in self.values.get(intent, {}).items() if e in entities))
        out = []
        for word in words_outside(text, spans):
            if (word in FUNCTION_WORDS or word in known or word in self.common or word in extra
                    or word.isdigit() or self._typo_of(word, (intent, entities), known)):
                continue
            out.append(word)
        return out

    def _typo_of(self, word: str, key: tuple[str, frozenset[str]],
                 known: frozenset[str]) -> bool:
        if len(word) < _MIN_TYPO_LEN:
            return False
        lengths = self._by_length.get(key)
        if lengths is None:
            grouped: dict[int, set[str]] = {}
            for w in known | self.common:
                grouped.setdefault(len(w), set()).add(w)
            lengths = {n: frozenset(ws) for n, ws in grouped.items()}
            self._by_length[key] = lengths
        return any(one_edit(word, w) for n in (len(word) - 1, len(word), len(word) + 1)
                   for w in lengths.get(n, ()))


def one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one insertion, deletion, substitution or adjacent swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:] or (a[i + 2:] == b[i + 2:] and a[i:i + 2] == b[i:i + 2][::-1])
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1:] == shorter[i:]


def acts(flow: Flow) -> bool:
    """The flow moves devices: a device action, or a scene."""
    return flow.builtin is None or flow.spec.action == "scene.activate"


def flow_words(spec: FlowSpec) -> frozenset[str]:
    """Words a flow reads values from itself ("louder", "mute", "heating")."""
    phrases: list[str] = []
    for slot in spec.slots:
        phrases += [*slot.words, *slot.choices, *slot.aliases, *slot.aliases.values()]
        if slot.relative is not None:
            phrases += [*slot.relative.up, *slot.relative.down]
    return frozenset(w for p in phrases for w in normalise(str(p)).split())


def flow_entities(spec: FlowSpec) -> frozenset[str]:
    """The entities a flow's slots read; another entity is a part of the request the flow
    would drop ("play [jazz](media)" plays whatever was playing; "turn off the lights in
    [an hour](duration)" would turn them off now)."""
    return frozenset(e for slot in spec.slots for e in slot.entities)
