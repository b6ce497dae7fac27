"""Phrases: intents matched by their exact wording, ahead of the model, never learned.

A data block marked ``metadata: {match: phrase}`` lists whole utterances ("merci", "hasta
luego") whose intent the model should not have to guess. The bundled data uses it for
greetings, thanks, yes and no in other languages: the encoder is English, and a word of
another language that the data holds once is a lookup, not something a model can learn
from its neighbours.

Matching ignores case, accents, punctuation and spacing, and one address word before or
after the phrase when its block lists them (``address: [house, assistant]``: "danke, house").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from assistant.nlu.data.types import Phrase

_NOT_WORD = re.compile(r"[\W_]+")


def phrase_key(text: str) -> str:
    """The form phrases are compared in: "¡Adiós, House!" -> "adios house"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", bare.casefold()).split())


class PhraseTable:
    """``match(text)`` -> the intent of the phrase ``text`` is, or None."""

    def __init__(self, phrases: Iterable[Phrase] = ()) -> None:
        self._intents: dict[str, str] = {}
        self._address: dict[str, frozenset[str]] = {}
        for p in phrases:
            key = phrase_key(p.text)
            self._intents[key] = p.intent
            self._address[key] = frozenset(phrase_key(a) for a in p.address)

    def __len__(self) -> int:
        return len(self._intents)

    def match(self, text: str) -> str | None:
        key = phrase_key(text)
        intent = self._intents.get(key)
        if intent is not None or " " not in key:
            return intent
        first, rest = key.split(" ", 1)
        if first in self._address.get(rest, ()):
            return self._intents[rest]
        rest, last = key.rsplit(" ", 1)
        if last in self._address.get(rest, ()):
            return self._intents[rest]
        return None

    def to_json(self) -> dict[str, Any]:
        return {"phrases": [{"key": k, "intent": i, "address": sorted(self._address[k])}
                            for k, i in sorted(self._intents.items())]}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> PhraseTable:
        return cls(Phrase(p["key"], p["intent"], tuple(p["address"])) for p in obj["phrases"])
