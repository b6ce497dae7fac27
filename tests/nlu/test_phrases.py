"""Phrases: matched by their wording (case, accents, punctuation, one address word aside)."""

from __future__ import annotations

import pytest

from assistant.nlu.data.types import Phrase
from assistant.nlu.phrases import PhraseTable, phrase_key


@pytest.mark.parametrize(
    ("text", "key"),
    [("¡Adiós, House!", "adios house"), ("  Merci   beaucoup ", "merci beaucoup"),
     ("d'accord", "d accord"), ("Grüß Gott", "gruss gott"), ("tschüss_house", "tschuss house"),
     ("ÇA VA?", "ca va"), ("!!!", ""), ("ｍｅｒｃｉ", "merci")],
)
def test_phrase_key(text: str, key: str) -> None:
    assert phrase_key(text) == key


TABLE = PhraseTable([
    Phrase("merci", "thanks", ("house", "assistant")),
    Phrase("ja", "affirm", ("house",)),
    Phrase("ja ne", "goodbye"),
    Phrase("hasta luego", "goodbye", ("house",)),
])


@pytest.mark.parametrize(
    ("text", "intent"),
    [("merci", "thanks"), ("Merci!", "thanks"), ("merci, house", "thanks"), ("assistant merci", "thanks"),
     ("ja", "affirm"), ("ja ne", "goodbye"), ("Hasta luego, house.", "goodbye"),
     ("house hasta luego", "goodbye"),
     ("merci kitchen", None),  # not an address word
     ("ja ne house", None),  # this phrase takes none
     ("house merci house", None),  # one address word, not two
     ("thanks", None), ("merci beaucoup", None), ("house", None)],
)
def test_match(text: str, intent: str | None) -> None:
    assert TABLE.match(text) == intent


def test_json_round_trip() -> None:
    again = PhraseTable.from_json(TABLE.to_json())
    assert again.to_json() == TABLE.to_json() and len(again) == 4
    for text in ("merci, house", "ja ne", "house hasta luego", "ja ne house"):
        assert again.match(text) == TABLE.match(text)


def test_an_empty_table_matches_nothing() -> None:
    assert PhraseTable().match("merci") is None and len(PhraseTable()) == 0
