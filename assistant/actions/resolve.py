"""Find the devices an utterance means, from the NLU's device / room / type values.

Matching runs on the registry's own names, aliases and rooms (spaCy ``PhraseMatcher`` on
lower-case, singular forms), so a user's device names work without retraining the NLU model.
Misspelt words are first corrected against the registry's vocabulary with the ``Matcher``'s
``FUZZY`` operator ("kitchn lihgt" -> "kitchen light"), keeping only corrections of one edit
(a swap of two letters counts as one) in words up to 7 letters, two in longer ones: a short
word two edits away from a device word is another word ("shed" is not "shade").

Order, for the phrase with articles, quantifiers and fillers removed:

1. the phrase is a device's name or alias (with the room given separately, or without) -> exact;
2. a room in the phrase (or the ``room`` value) narrows the candidates; what is left, the head,
   must name a device: every head word in its name or alias, and the same last word ("lamp"
   matches "reading lamp") -> name; or be a generic type word ("lights") -> type;
   a plural generic word ("the lights") prefers the type over names;
3. no head at all: everything in the room -> room; "everything" -> every device.

Several devices for a singular phrase is ``ambiguous``: the dialogue asks ``question``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from assistant.actions._spacy import Doc, Language, Matcher, PhraseMatcher, spacy
from assistant.actions._words import DETERMINERS, FILLERS, QUANTIFIERS, TYPE_WORDS, singular
from assistant.actions.catalogue import DEVICE_TYPES
from assistant.actions.device import Device, Registry
from assistant.types import Entity

Reason = Literal[
    "exact", "name", "type", "room", "everything",
    "no_match", "unknown_room", "unsupported", "empty",
]


@dataclass(frozen=True)
class Resolution:
    """The devices meant. When ``ambiguous``, ``devices`` are the candidates to choose from."""

    devices: tuple[Device, ...]
    ambiguous: bool
    reason: Reason
    detail: str = ""  # one English sentence, for logs and fallback replies
    fuzzy: bool = False  # a misspelt word was corrected
    unsupported: tuple[Device, ...] = ()  # matched, but lack the capability asked for

    @property
    def found(self) -> bool:
        return bool(self.devices) and not self.ambiguous

    @property
    def question(self) -> str | None:
        """ "Which one: kitchen light or kitchen lamp?" for an ambiguous result, else None."""
        if not self.ambiguous:
            return None
        names = [d.name for d in self.devices]
        return f"Which one: {', '.join(names[:-1])} or {names[-1]}?"


@dataclass(frozen=True)
class _Phrase:
    tokens: tuple[str, ...]
    plural: bool = False
    quantified: bool = False
    fuzzy: bool = False


@dataclass(frozen=True)
class _Entry:
    device: Device
    tokens: tuple[str, ...]  # the name or alias, canonical
    head: tuple[str, ...]  # the same without the device's room words


class DeviceResolver:
    """Built once per registry; ``resolve`` is cheap and thread-safe (no shared mutation)."""

    def __init__(self, registry: Registry, nlp: Language | None = None) -> None:
        self._registry = registry
        self._nlp = nlp or spacy.blank("en")
        self._rooms: dict[tuple[str, ...], str] = {}
        self._joined: dict[str, tuple[str, ...]] = {}  # "livingroom" -> ("living", "room")
        for room in registry.rooms:
            tokens = self._plain(room)
            self._rooms[tokens] = room
            if len(tokens) > 1:
                self._joined["".join(tokens)] = tokens
        self._entries = [
            self._entry(device, text)
            for device in registry
            for text in (device.name, *device.aliases)
        ]
        self._vocab = {t for e in self._entries for t in e.tokens}
        self._vocab |= {t for r in self._rooms for t in r}
        self._vocab |= {t for w in TYPE_WORDS for t in w.split()}
        self._phrases = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for i, entry in enumerate(self._entries):
            self._phrases.add(f"D{i}", [self._nlp.make_doc(" ".join(entry.tokens))])
        for tokens, room in self._rooms.items():
            self._phrases.add(f"R{room}", [self._nlp.make_doc(" ".join(tokens))])
        for word, dtype in TYPE_WORDS.items():
            self._phrases.add(f"T{dtype}", [self._nlp.make_doc(word)])
        self._fuzzy = Matcher(self._nlp.vocab)
        for word in sorted(self._vocab):
            for form in (word, word + "s"):  # "lihgts" is closer to "lights" than to "light"
                if len(form) >= 4:  # short words ("tv", "ac") would match anything
                    op = "FUZZY" if len(form) >= 5 else "FUZZY1"
                    self._fuzzy.add(form, [[{"LOWER": {op: form}}]])

    # -- public ---------------------------------------------------------------------------

    def resolve(
        self,
        device: str | None = None,
        *,
        room: str | None = None,
        device_type: str | None = None,
        capability: str | None = None,
    ) -> Resolution:
        """Devices for a device phrase and/or room and/or type word; ``capability`` (e.g. the
        one the intent's action needs) drops devices that cannot do it."""
        phrase = self._canonical(device or "")
        fuzzy = phrase.fuzzy
        room_name: str | None = None
        if room:
            room_phrase = self._canonical(room)
            room_name = self._rooms.get(room_phrase.tokens)
            fuzzy |= room_phrase.fuzzy
        head, phrase_room = self._split_room(phrase.tokens)
        if room and room_name is None and phrase_room is None:
            return Resolution((), False, "unknown_room", f"I don't know a room called {room!r}.")
        room_name = phrase_room or room_name
        dtype, type_plural = self._type_of(device_type)
        if device_type and dtype is None:
            return Resolution((), False, "no_match", f"I don't know a device type {device_type!r}.")
        many = phrase.plural or phrase.quantified or type_plural

        candidates = [d for d in self._registry if room_name in (None, d.room)]
        if dtype is not None:
            candidates = [d for d in candidates if d.type == dtype]
        reason: Reason
        exact = self._exact(phrase.tokens, room_name) if phrase.tokens else []
        generic = TYPE_WORDS.get(" ".join(head)) if head else None
        if exact and not (many and generic):
            found, reason = [d for d in exact if d in candidates], "exact"
        else:
            found, reason = [], "no_match"
        if not found and head:
            named = self._named(head, candidates)
            if generic and (many or not named):
                found, reason = [d for d in candidates if d.type == generic], "type"
            elif named:
                found, reason = named, "name"
        elif not found and not head:
            if dtype is not None:
                found, reason = candidates, "type"
            elif room_name is not None:
                found, reason, many = candidates, "room", True
            elif phrase.quantified:
                found, reason, many = candidates, "everything", True
            else:
                return Resolution((), False, "empty", "No device, room or type was given.")
        if not found:
            where = f" in the {room_name}" if room_name else ""
            said = device or device_type or ""
            return Resolution((), False, "no_match",
                              f"I don't know a device called {said!r}{where}.", fuzzy)
        return self._finish(found, reason, many, capability, fuzzy)

    def resolve_entities(
        self, entities: Iterable[Entity], *, capability: str | None = None
    ) -> Resolution:
        """``resolve`` fed from NLU entities: the first ``device`` and ``room`` spans."""
        device = room = None
        for ent in entities:
            value = ent.value if isinstance(ent.value, str) else ent.text
            if ent.entity == "device" and device is None:
                device = value
            elif ent.entity == "room" and room is None:
                room = value
        return self.resolve(device, room=room, capability=capability)

    # -- steps ----------------------------------------------------------------------------

    def _finish(self, found: list[Device], reason: Reason, many: bool, capability: str | None,
                fuzzy: bool) -> Resolution:
        found = list(dict.fromkeys(found))
        if capability is not None:
            able = [d for d in found if d.supports(capability)]
            if not able:
                names = ", ".join(d.name for d in found)
                return Resolution((), False, "unsupported",
                                  f"{names} cannot do {capability.replace('_', ' ')}.",
                                  fuzzy, tuple(found))
            found = able
        ambiguous = len(found) > 1 and not many
        detail = f"{len(found)} devices match." if ambiguous else ""
        return Resolution(tuple(found), ambiguous, reason, detail, fuzzy)

    def _exact(self, tokens: tuple[str, ...], room: str | None) -> list[Device]:
        tries = [tokens]
        if room is not None:
            tries.append(self._plain(room) + tokens)
        for attempt in tries:
            doc = self._nlp.make_doc(" ".join(attempt))
            hits = [self._entries[int(self._key(m)[1:])].device
                    for m, start, end in self._phrases(doc)
                    if self._key(m).startswith("D") and start == 0 and end == len(doc)]
            if hits:
                return hits
        return []

    def _named(self, head: tuple[str, ...], candidates: list[Device]) -> list[Device]:
        allowed = set(candidates)
        want = set(head)
        return [e.device for e in self._entries
                if e.device in allowed and e.head and e.head[-1] == head[-1]
                and want <= set(e.head)]

    def _split_room(self, tokens: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
        if not tokens:
            return tokens, None
        doc = self._nlp.make_doc(" ".join(tokens))
        rooms = [(end - start, -start, start, end, self._key(m)[1:])
                 for m, start, end in self._phrases(doc) if self._key(m).startswith("R")]
        if not rooms:
            return tokens, None
        _, _, start, end, room = max(rooms)
        return tokens[:start] + tokens[end:], room

    def _type_of(self, word: str | None) -> tuple[str | None, bool]:
        if not word:
            return None, False
        raw = word.strip().lower().replace(" ", "_")
        if raw in DEVICE_TYPES:
            return raw, False
        phrase = self._canonical(word)
        return TYPE_WORDS.get(" ".join(phrase.tokens)), phrase.plural or phrase.quantified

    # -- text -----------------------------------------------------------------------------

    def _key(self, match_id: int) -> str:
        return self._nlp.vocab.strings[match_id]

    def _plain(self, text: str) -> tuple[str, ...]:
        """Lower-case singular words, punctuation and articles dropped (registry side)."""
        doc = self._nlp.make_doc(text.lower())
        return tuple(singular(t.lower_) for t in doc
                     if not (t.is_punct or t.is_space) and t.lower_ not in DETERMINERS)

    def _entry(self, device: Device, text: str) -> _Entry:
        tokens = self._plain(text)
        room = self._plain(device.room)
        head = tokens
        for i in range(len(tokens) - len(room) + 1):
            if tokens[i : i + len(room)] == room:
                head = tokens[:i] + tokens[i + len(room) :]
                break
        return _Entry(device, tokens, head)

    def _canonical(self, text: str) -> _Phrase:
        """The user's words: lower-case, singular, misspellings corrected (utterance side)."""
        doc = self._nlp.make_doc(text.lower().strip())
        corrections = self._corrections(doc)
        out: list[str] = []
        plural = quantified = fuzzy = False
        for tok in doc:
            word = tok.lower_
            if tok.is_punct or tok.is_space or word in DETERMINERS or word in FILLERS:
                continue
            if word in QUANTIFIERS:
                quantified = True
                continue
            if word in self._joined:
                out.extend(self._joined[word])
                continue
            one = singular(word)
            if one != word and one in self._vocab:
                plural = True
            elif one not in self._vocab and tok.i in corrections:
                target, fuzzy = corrections[tok.i], True
                one = singular(target)
                plural = plural or one != target
            out.append(one)
        return _Phrase(tuple(out), plural, quantified, fuzzy)

    def _corrections(self, doc: Doc) -> dict[int, str]:
        """Token index -> the closest registry word, for tokens not in the vocabulary."""
        best: dict[int, tuple[int, str]] = {}
        for match_id, start, _ in self._fuzzy(doc):
            word = doc[start].lower_
            if singular(word) in self._vocab or word in self._vocab:
                continue
            target = self._key(match_id)
            edits = typo_edits(word, target)
            if edits > max_typo_edits(word):  # "shed" is not "shade": a word, not a typo
                continue
            score = (edits, target)
            if start not in best or score < best[start]:
                best[start] = score
        return {i: target for i, (_, target) in best.items()}


def max_typo_edits(word: str) -> int:
    """Edits a misspelling of ``word``'s length may carry: 1 up to 7 letters, 2 above."""
    return 1 if len(word) <= 7 else 2


def typo_edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    two adjacent letters ("lihgt" -> "light" is one edit)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]
