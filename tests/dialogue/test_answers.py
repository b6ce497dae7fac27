"""The reading of answers to a confirmation ("Unlock the front door lock?"): one case per
answer, with the intent the NLU might give it; only an unambiguous yes is a yes."""

from __future__ import annotations

import pytest

from assistant.dialogue.answers import Answer, read_answer, words

QUESTION = "Unlock the front door lock?"

YES = [
    ("yes", "affirm"), ("Yes.", "affirm"), ("YES!", "affirm"), ("yes please", "affirm"),
    ("Yes, please.", "affirm"), ("yes, unlock it", "affirm"), ("yes unlock it", "unlock"),
    ("Yes, unlock the front door.", "unlock"), ("yes unlock the front door lock", "unlock"),
    ("go ahead", "affirm"), ("Go ahead, please", "affirm"), ("do it", "affirm"),
    ("do it now", "affirm"), ("just do it", "affirm"), ("sure", "affirm"), ("Sure!", "affirm"),
    ("sure thing", "affirm"), ("confirm", "affirm"), ("confirmed", "affirm"),
    ("yep", "affirm"), ("yup", "affirm"), ("yeah", "affirm"), ("yeah, go ahead", "affirm"),
    ("ok", "affirm"), ("OK", "affirm"), ("okay", "affirm"), ("okay, do it", "affirm"),
    ("alright", "affirm"), ("all right", "affirm"), ("affirmative", "affirm"),
    ("absolutely", "affirm"), ("definitely", "affirm"), ("of course", "affirm"),
    ("certainly", "affirm"), ("please do", "affirm"), ("go for it", "affirm"),
    ("yes, thanks", "affirm"), ("yes thank you", "affirm"), ("yesss", "affirm"),
    ("y", "affirm"), ("that's right", "affirm"), ("correct", "affirm"),
    ("yes I'm sure", "affirm"), ("sounds good", "affirm"), ("yes, do it right now", "affirm"),
    ("Yes — unlock it please", "affirm"), ("yes", "out_of_scope"), ("sure", "turn_on"),
]

NOT_YES = [
    # the answers of the issue that unlocked the door
    ("okay no don't unlock it", "affirm"), ("ok wait, don't", "affirm"),
    ("sure, no thanks", "affirm"), ("yeah no", "affirm"), ("yes no", "affirm"),
    ("maybe", "affirm"),
    # negations, spellings and contractions
    ("no", "deny"), ("No.", "deny"), ("NO!", "deny"), ("nope", "deny"), ("nah", "deny"),
    ("no thanks", "deny"), ("no thank you", "affirm"), ("not now", "deny"),
    ("don't", "deny"), ("dont", "deny"), ("do not", "deny"), ("don’t unlock it", "unlock"),
    ("do not unlock it", "unlock"), ("never", "deny"), ("cancel", "cancel"),
    ("stop", "cancel"), ("nevermind", "cancel"), ("never mind", "cancel"),
    ("yes, I mean no", "affirm"), ("no, yes", "affirm"), ("ok no", "affirm"),
    ("sure... not", "affirm"), ("I'd rather not", "deny"), ("no way", "deny"),
    ("nooo", "deny"), ("yes don't", "affirm"), ("okay, cancel that", "affirm"),
    ("n", "deny"), ("forget it", "cancel"), ("leave it", "deny"), ("later", "deny"),
    # hedges
    ("maybe later", "affirm"), ("perhaps", "affirm"), ("wait", "affirm"),
    ("hold on", "affirm"), ("hang on a sec", "affirm"), ("not sure", "affirm"),
    ("I'm not sure", "deny"), ("I guess", "affirm"), ("I guess so", "affirm"),
    ("hmm", "affirm"), ("hmmm yes", "affirm"), ("let me think", "affirm"),
    ("yes, wait", "affirm"), ("um yes", "affirm"), ("yeah I think so", "affirm"),
    ("I don't know", "deny"), ("probably", "affirm"), ("ok but", "affirm"),
    ("yes or no", "affirm"), ("well okay", "affirm"), ("sure, whatever", "affirm"),
    # a yes about something else, a question, a different request
    ("yes, the back door", "affirm"), ("yes?", "affirm"), ("ok and the lights", "affirm"),
    ("yes and turn on the kitchen light", "turn_on"), ("sure, lock it instead", "lock"),
    ("you bet", "affirm"), ("unlock it", "affirm"), ("please", "affirm"), ("", "affirm"),
    ("banana", "out_of_scope"), ("what's the temperature?", "get_temperature"),
    ("yes", "deny"),
]


@pytest.mark.parametrize(("text", "intent"), YES)
def test_yes(text: str, intent: str) -> None:
    got = read_answer(text, intent=intent, question=QUESTION)
    assert got is Answer.YES, f"{text!r} (parsed as {intent}): expected yes, got {got.value}"


@pytest.mark.parametrize(("text", "intent"), NOT_YES)
def test_not_yes(text: str, intent: str) -> None:
    got = read_answer(text, intent=intent, question=QUESTION)
    assert got is not Answer.YES, f"{text!r} (parsed as {intent}): expected not yes, got yes"


def test_each_list_has_at_least_40_answers() -> None:
    assert min(len(YES), len(NOT_YES)) >= 40, f"answers: {len(YES)} yes, {len(NOT_YES)} not"


@pytest.mark.parametrize(("text", "intent", "expected"), [
    # a negation is a no, whatever else is said or parsed
    ("okay no don't unlock it", "affirm", Answer.NO),
    ("yes no", "affirm", Answer.NO),
    ("sure, no thanks", "affirm", Answer.NO),
    ("ok wait, don't", "affirm", Answer.NO),
    ("not now", "affirm", Answer.NO),
    ("no", "out_of_scope", Answer.NO),
    # the deny intent wins over a yes word, and alone it is a no
    ("yes", "deny", Answer.NO),
    ("keep it as it is", "deny", Answer.NO),
    # hedges ask again, also when they contain a negation word
    ("maybe", "affirm", Answer.UNCLEAR),
    ("not sure", "deny", Answer.UNCLEAR),
    ("I don't know", "affirm", Answer.UNCLEAR),
    ("hold on", "out_of_scope", Answer.UNCLEAR),
    # a yes with words of its own, or an affirm parse without a yes word: ask again
    ("yes, the back door", "affirm", Answer.UNCLEAR),
    ("yes?", "affirm", Answer.UNCLEAR),
    ("you bet", "affirm", Answer.UNCLEAR),
    # not an answer: the engine routes it like any other utterance
    ("what's the temperature?", "get_temperature", Answer.OTHER),
    ("banana", "out_of_scope", Answer.OTHER),
    ("", "out_of_scope", Answer.OTHER),
])
def test_kind_of_not_yes(text: str, intent: str, expected: Answer) -> None:
    got = read_answer(text, intent=intent, question=QUESTION)
    assert got is expected, f"{text!r} (parsed as {intent}): expected {expected.value}, " \
                            f"got {got.value}"


def test_the_flow_names_its_yes_and_no_intents() -> None:
    assert read_answer("please", intent="agree", yes_intents=["agree"]) is Answer.UNCLEAR
    assert read_answer("keep it as it is", intent="refuse", no_intents=["refuse"]) is Answer.NO
    assert read_answer("keep it as it is", intent="refuse") is Answer.OTHER
    assert read_answer("please", intent="refuse", no_intents=["refuse"]) is Answer.NO


def test_words_fold_case_apostrophes_and_repeated_letters() -> None:
    assert words("Don’t! NOOOO, I'm   sure?") == ["dont", "no", "im", "sure"]
