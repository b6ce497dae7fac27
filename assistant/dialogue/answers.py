"""What an answer to a yes/no question means: yes, no, unclear (ask again), or something else.

A risky action (unlocking a door, opening the garage) runs only on an unambiguous yes, so
the reading is conservative; when in doubt it is not a yes:

- a negation anywhere ("no", "don't", "never", "cancel", "stop", "nevermind", "not now")
  is a **no**, whatever else is said ("yeah no", "sure, no thanks", "okay no don't");
- a hedge ("maybe", "wait", "hold on", "not sure", "I guess", "hmm", "let me think") is
  **unclear**: the question is asked again;
- a **yes** needs a yes word ("yes", "sure", "ok", "yep", "confirm") or phrase ("go ahead",
  "do it"), and every other word must be filler ("please", "it", "now") or a word of the
  question itself ("yes, unlock the front door"); anything else ("yes, the back door",
  "ok and the lights") makes it unclear, and so does a question mark ("yes?");
- the NLU's intent is a second signal only: a ``deny`` parse is a no (it wins over a yes
  word), an ``affirm`` parse without a yes word is unclear (never a yes on its own), and
  neither overrides a negation or a hedge;
- with none of these the utterance is **other**: not an answer (a question, a command), for
  the engine to route as it routes any utterance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from enum import Enum


class Answer(Enum):
    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"  # an answer, but not a plain yes or no: ask again
    OTHER = "other"  # not an answer at all


def _phrases(*items: str) -> tuple[tuple[str, ...], ...]:
    """Phrases as word tuples, longest first (so "not sure" is read before "not")."""
    return tuple(sorted((tuple(i.split()) for i in items), key=lambda p: -len(p)))


# read first: they contain words that would otherwise count as a negation or a yes
_HEDGES = _phrases(
    "not sure", "im not sure", "not certain", "dont know", "do not know", "no idea",
    "let me think", "i think", "think so", "i guess", "guess so", "i suppose", "suppose so",
    "hold on", "hang on", "one moment", "a moment", "one sec", "a sec", "a second",
    "one second", "just a minute", "kind of", "sort of", "if you want", "up to you",
    "maybe", "perhaps", "possibly", "probably", "wait", "hold", "hmm", "hm", "mm", "um",
    "umm", "uh", "uhh", "er", "erm", "eh", "unsure", "dunno", "idk", "kinda", "sorta",
    "huh", "well", "if", "unless", "or", "but", "depends", "actually",
    "think", "guess", "suppose", "moment", "sec", "minute", "hesitant", "mhm", "whatever",
)
_NEGATIONS = _phrases(
    "no", "nope", "nah", "naw", "nay", "n", "not", "dont", "never", "nevermind", "cancel",
    "cancelled", "canceled", "stop", "abort", "negative", "wont", "cant", "cannot",
    "shouldnt", "wouldnt", "isnt", "didnt", "doesnt", "arent", "wasnt", "neither", "nor",
    "none", "nothing", "later", "leave", "forget", "skip", "refuse", "decline", "deny",
    "halt", "noo", "nooo", "rather not", "no thanks", "no thank you", "no way",
)
_YESES = _phrases(
    "yes", "yeah", "yea", "yeh", "yep", "yup", "ya", "yah", "yess", "y", "sure", "ok", "okay",
    "okey", "okie", "k", "kk", "alright", "fine", "confirm", "confirmed", "affirmative",
    "absolutely", "definitely", "certainly", "correct", "indeed", "aye", "proceed",
    "go ahead", "do it", "please do", "go for it", "go on", "all right", "of course",
    "thats right", "that is right", "sounds good", "yes please", "sure thing", "i do",
)
# words that add nothing to a yes ("yes please", "sure, do it now", "ok thanks")
_FILLER = frozenset({
    "please", "it", "that", "this", "the", "a", "now", "right", "thanks", "thank", "you",
    "do", "just", "then", "so", "and", "i", "im", "am", "very", "much", "oh", "ah", "go",
    "ahead", "thing", "sir", "mate", "sounds", "good", "great", "cool", "perfect",
})
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4\u02bc]")
_REPEATS = re.compile(r"(\w)\1{2,}")  # "yesss" -> "yes", "hmmm" -> "hm", "nooo" -> "no"
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lower-case words without apostrophes ("Don't!" -> ["dont"]), runs of a letter cut."""
    plain = unicodedata.normalize("NFKC", text).casefold()
    plain = _REPEATS.sub(r"\1", _APOSTROPHES.sub("", plain))
    return _WORD.findall(plain)


def read_answer(text: str, *, intent: str | None = None,
                yes_intents: Collection[str] = ("affirm",),
                no_intents: Collection[str] = ("deny",), question: str = "") -> Answer:
    """The meaning of ``text`` as the answer to ``question`` (a yes/no question whose words
    may be repeated in a yes: "Unlock the front door lock?" -> "yes, unlock it"). ``intent``
    is the NLU's intent for ``text``; ``yes_intents``/``no_intents`` say which mean yes/no."""
    rest = words(text)
    hedges = _take(rest, _HEDGES)
    negations = _take(rest, _NEGATIONS)
    yeses = _take(rest, _YESES)
    if negations:
        return Answer.NO
    if hedges:
        return Answer.UNCLEAR
    if intent in no_intents:
        return Answer.NO
    if yeses:
        echo = set(words(question))
        extra = [w for w in rest if w and w not in _FILLER and w not in echo]
        if extra or "?" in unicodedata.normalize("NFKC", text):
            return Answer.UNCLEAR
        return Answer.YES
    if intent in yes_intents:
        return Answer.UNCLEAR
    return Answer.OTHER


def _take(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> int:
    """How many of ``phrases`` occur in ``words``; each hit is blanked out in place."""
    hits = 0
    for phrase in phrases:
        size = len(phrase)
        i = 0
        while i + size <= len(words):
            if tuple(words[i:i + size]) == phrase:
                words[i:i + size] = [""] * size
                hits += 1
                i += size
            else:
                i += 1
    return hits
