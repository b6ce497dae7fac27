"""Loading Rasa 3.x NLU YAML: Rasa's own forms load as Rasa reads them; problems are listed at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import DataNotFoundError, DataValidationError
from assistant.nlu.data.loader import data_fingerprint, load_training_data

MOODBOT = '''version: "3.1"

nlu:
- intent: greet
  examples: |
    - hey
    - hello
    - hi
    - good morning

- intent: goodbye
  examples: |
    - bye
    - see you around

- intent: mood_great
  examples: |
    - perfect
    - I am feeling very good
'''

COMPOSITE = '''version: "3.1"
nlu:
- intent: order_pizza
  examples: |
    - a [large]{"entity": "size", "group": "1"} [pepperoni]{"entity": "topping", "group": "1"} and a [small]{"entity": "size", "group": "2"} [hawaii]{"entity": "topping", "group": "2"}
    - I want a [medium]{"entity": "size"} pizza
- intent: book_flight
  examples: |
    - I want to fly from [Berlin]{"entity": "city", "role": "departure"} to [San Fransisco]{"entity": "city", "role": "destination", "value": "San Francisco"}
    - book a flight to [NYC](city:New York City)
  metadata:
    sentiment: neutral
- intent: chitchat
  examples:
  - text: |
      how are you?
    metadata:
      sentiment: neutral
- synonym: New York City
  examples: |
    - NYC
    - the big apple
- regex: zipcode
  examples: |
    - [0-9]{5}
- lookup: city
  examples: |
    - Berlin
    - Paris
'''


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_moodbot_loads_like_rasa(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, "nlu.yml", MOODBOT))
    assert [(e.intent, e.text) for e in data.examples] == [
        ("greet", "hey"), ("greet", "hello"), ("greet", "hi"), ("greet", "good morning"),
        ("goodbye", "bye"), ("goodbye", "see you around"),
        ("mood_great", "perfect"), ("mood_great", "I am feeling very good"),
    ]
    assert all(e.entities == () for e in data.examples)
    assert data.examples[0].source.endswith("nlu.yml:6")


def test_composite_entities_roles_groups_synonyms(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, "nlu.yml", COMPOSITE))
    pizza = data.examples[0]
    assert pizza.text == "a large pepperoni and a small hawaii"
    assert [(pizza.text[a.start : a.end], a.entity, a.group) for a in pizza.entities] == [
        ("large", "size", "1"), ("pepperoni", "topping", "1"), ("small", "size", "2"), ("hawaii", "topping", "2")
    ]
    flight = data.examples[2]
    assert [(a.entity, a.role, a.value) for a in flight.entities] == [
        ("city", "departure", None), ("city", "destination", "San Francisco")
    ]
    assert data.examples[4].text == "how are you?"
    # Rasa: explicit values become synonyms, synonym items map each surface form
    assert data.synonyms == {"san fransisco": "San Francisco", "nyc": "New York City",
                             "the big apple": "New York City"}
    assert data.regexes == {"zipcode": ("[0-9]{5}",)}
    assert data.lookups == {"city": ("Berlin", "Paris")}
    assert data.entity_labels == sorted(
        ["city@departure", "city@destination", "city", "size#1", "size#2", "size", "topping#1", "topping#2"])


def test_nested_annotation(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, "nlu.yml", '''version: "3.1"
nlu:
- intent: turn_on
  examples: |
    - turn on the [[kitchen](room) light](device)
'''))
    ex = data.examples[0]
    assert [(ex.text[a.start : a.end], a.entity) for a in ex.entities] == [("kitchen light", "device"), ("kitchen", "room")]


BROKEN = '''version: "3.1"
nlux: []
nlu:
- intent: greet
  exampels: |
    - hi
- intent: bye
  examples: |
    - hello
    - bye [now(time)
    - see you [tomorrow]{"entty": "time"}
    bye bye
    - turn on the [lamp](devcie)
- intent: greet
  examples: |
    - hello
'''

DOMAIN = '''version: "3.1"
intents:
  - greet
  - bye
entities:
  - device
  - time
'''


def test_every_problem_reported_at_once_with_lines(tmp_path: Path) -> None:
    write(tmp_path, "broken.yml", BROKEN)
    write(tmp_path, "domain.yml", DOMAIN)
    with pytest.raises(DataValidationError) as info:
        load_training_data(tmp_path)
    got = [(p.where.rsplit("/", 1)[-1], p.message, p.hint) for p in info.value.problems]
    expected_fragments = [
        ("broken.yml:2", "unknown top-level key 'nlux'", "did you mean 'nlu'?"),
        ("broken.yml:4", "intent 'greet' has no examples", ""),
        ("broken.yml:5", "unknown key 'exampels'", "did you mean 'examples'?"),
        ("broken.yml:10", "'[' at column 5 is never closed", ""),
        ("broken.yml:11", "unknown key(s) 'entty'", ""),
        ("broken.yml:12", "must start with '- '", ""),
        ("broken.yml:13", "unknown entity 'devcie'", "did you mean 'device'?"),
        ("broken.yml:16", "'hello' is also an example of intent 'bye'", "keep the example in one intent only"),
    ]
    assert len(got) == len(expected_fragments), f"expected {len(expected_fragments)} problems, got {got}"
    for (where, msg, hint), (gw, gm, gh) in zip(expected_fragments, got):
        assert gw == where and msg in gm and hint in gh, f"expected {(where, msg, hint)}, got {(gw, gm, gh)}"
    assert "nothing was trained" in str(info.value)


def test_unknown_intent_against_domain(tmp_path: Path) -> None:
    write(tmp_path, "domain.yml", DOMAIN)
    write(tmp_path, "nlu.yml", 'version: "3.1"\nnlu:\n- intent: gret\n  examples: |\n    - hi\n')
    with pytest.raises(DataValidationError) as info:
        load_training_data(tmp_path)
    [problem] = info.value.problems
    assert problem.where.endswith("nlu.yml:5") and "'gret'" in problem.message and "greet" in problem.hint


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("version: 3.1\nnlu: []\n", "quoted string"),
        ('version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - x\n   bad: [\n', "YAML syntax error"),
        ('version: "3.1"\nnlu:\n- intent: a\n  regex: b\n  examples: |\n    - x\n', "exactly one of"),
        ('version: "3.1"\nnlu:\n- regex: a\n  examples: |\n    - ([a-z\n', "invalid regular expression"),
        ("- just a list\n", "top level must be a mapping"),
    ],
)
def test_structural_problems(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(DataValidationError) as info:
        load_training_data(write(tmp_path, "nlu.yml", content))
    assert any(message in p.message for p in info.value.problems), (
        f"expected {message!r} in {[p.message for p in info.value.problems]}")


def test_same_intent_duplicates_are_merged(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, "nlu.yml", 'version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - Hi!\n    - hi\n'))
    assert [e.text for e in data.examples] == ["Hi!"]


def test_missing_path_and_fingerprint(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError):
        load_training_data(tmp_path / "nope")
    write(tmp_path, "nlu.yml", MOODBOT)
    first = data_fingerprint(tmp_path)
    assert data_fingerprint(tmp_path) == first
    write(tmp_path, "nlu.yml", MOODBOT + "    - superb\n")
    assert data_fingerprint(tmp_path) != first


PHRASES = '''version: "3.1"
nlu:
- intent: thanks
  examples: |
    - thanks a lot
    - merci, that's perfect
- intent: thanks
  metadata:
    match: phrase
    address: [house, assistant]
    sentiment: positive
  examples: |
    - Merci
    - danke schön
    - merci!
- intent: goodbye
  metadata: {match: phrase}
  examples:
  - text: hasta luego
'''


def test_phrase_blocks_are_phrases_not_examples(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, "nlu.yml", PHRASES))
    assert [e.text for e in data.examples] == ["thanks a lot", "merci, that's perfect"]
    assert [(p.text, p.intent, p.address) for p in data.phrases] == [
        ("Merci", "thanks", ("house", "assistant")), ("danke schön", "thanks", ("house", "assistant")),
        ("hasta luego", "goodbye", ()),  # "merci!" is "Merci" again and is merged
    ]
    assert data.phrases[1].source.endswith("nlu.yml:14")
    assert data.intents == ["goodbye", "thanks"]  # a phrase-only intent is an intent too


PHRASE_PROBLEMS = '''version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - bonjour house
- intent: greet
  metadata: {match: phrases}
  examples: |
    - salut
- intent: greet
  metadata:
    match: phrase
    address: [house, smart home]
  examples: |
    - hola
    - [bonjour](name)
    - ...
- intent: goodbye
  metadata: {match: phrase}
  examples: |
    - HOLA
    - Hello
'''


def test_phrase_problems_are_listed_with_lines(tmp_path: Path) -> None:
    write(tmp_path, "nlu.yml", PHRASE_PROBLEMS)
    with pytest.raises(DataValidationError) as info:
        load_training_data(tmp_path)
    got = [(p.where.rsplit("/", 1)[-1], p.message) for p in info.value.problems]
    expected = [
        ("nlu.yml:8", "unknown match 'phrases'"),
        ("nlu.yml:14", "address must be a list of single words"),
        ("nlu.yml:17", "phrase 'bonjour' carries entities"),
        ("nlu.yml:18", "phrase '...' has no words"),
        ("nlu.yml:22", "phrase 'HOLA' is also a phrase of intent 'greet'"),
        ("nlu.yml:23", "phrase 'Hello' of intent 'goodbye' would hide the example 'hello' of 'greet'"),
    ]
    assert len(got) == len(expected), got
    for (where, message), (gw, gm) in zip(expected, got):
        assert gw == where and message in gm, f"expected {(where, message)}, got {(gw, gm)}"
