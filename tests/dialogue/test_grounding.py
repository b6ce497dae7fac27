"""A misread request does not move a device: with a vocabulary, a command whose words its
intent is never used with answers like out_of_scope, also when context could give a target."""

from __future__ import annotations

import pytest

from assistant.dialogue import DialogueEngine, DialogueState
from assistant.dialogue.grounding import Vocabulary, one_edit
from tests.dialogue.fake_home import FakeExecutor
from tests.dialogue.markup import parse
from tests.dialogue.support import FLOWS, load_engine

# what the intents are used with in these tests (the server builds it from nlu_data)
EXAMPLES = [
    ("media_play", "play some music", []), ("media_play", "resume the tv", [(11, 13, "device")]),
    ("media_play", "start the movie", []), ("media_pause", "pause the music", []),
    ("media_pause", "stop playing", []), ("turn_on", "turn on the kitchen light", [(12, 25, "device")]),
    ("turn_on", "switch on the lamp", [(14, 18, "device")]), ("turn_off", "turn it off", []),
    ("set_volume", "set the volume to 20 percent", [(18, 28, "percentage")]),
]
HOME = ["living room tv", "tv", "living room", "kitchen light", "kitchen"]


@pytest.fixture(scope="module")
def engine() -> DialogueEngine:
    plain = load_engine()
    return DialogueEngine(list(plain.flows.values()), vocabulary=Vocabulary.build(EXAMPLES, HOME))


async def turns(engine: DialogueEngine, home: FakeExecutor,
                *said: tuple[str, str]) -> list[str]:
    state, replies = DialogueState(), []
    for marked, intent in said:
        got = parse(marked, intent)
        result = await engine.handle_turn([got], state, home, raw_text=got.text)
        state, replies = result.state, list(result.replies)
    return replies


@pytest.mark.parametrize("marked, intent", [
    ("skip this song", "media_play"), ("start the vacuum", "media_play"),
    ("next track please", "media_pause"), ("hoover the lounge", "set_volume"),
    ("turn on the christmas tree", "turn_on"), ("add milk to the list", "turn_on"),
    ("switch the [tv](device) to channel four", "turn_on"),
    ("play [nina simone](media)", "media_play"),  # no slot reads media: it can't choose
    ("turn off the [tv](device) in [an hour](duration)", "turn_off"),  # not now
])
@pytest.mark.asyncio
async def test_a_word_the_intent_never_goes_with_moves_nothing(
        engine: DialogueEngine, marked: str, intent: str) -> None:
    home = FakeExecutor()
    replies = await turns(engine, home, ("play on the [tv](device)", "media_play"),
                          (marked, intent))
    expect = [c for c in home.calls if c[0] == "play"][:1]
    assert home.calls == expect, f"{marked!r} as {intent}: expected no device call after the " \
                                 f"first, got {home.calls[1:]}"
    assert replies and replies[0].startswith("Sorry, I can't help with that"), \
        f"{marked!r}: expected the out_of_scope answer, got {replies}"


@pytest.mark.parametrize("marked, intent, call", [
    ("pause the music", "media_pause", "pause"), ("turn it off", "turn_off", "turn_off"),
    ("resume the [tv](device) please", "media_play", "play"),
    ("strat the movie", "media_play", "play"),  # a typo of a word it goes with
    ("mute it", "set_volume", "set_volume"),  # a flow's own word ("mute": 0)
    ("pause the [radio](media)", "media_pause", "pause"),  # its `playing` slot reads media
])
@pytest.mark.asyncio
async def test_words_the_intent_goes_with_still_act(engine: DialogueEngine, marked: str,
                                                    intent: str, call: str) -> None:
    home = FakeExecutor()
    replies = await turns(engine, home, ("play on the [tv](device)", "media_play"),
                          (marked, intent))
    assert [c[0] for c in home.calls][1:] == [call], \
        f"{marked!r} as {intent}: expected a {call} call, got {home.calls[1:]} ({replies})"


@pytest.mark.asyncio
async def test_without_a_vocabulary_every_parse_is_trusted() -> None:
    home = FakeExecutor()
    await turns(load_engine(FLOWS), home, ("play on the [tv](device)", "media_play"),
                ("skip this song", "media_play"))
    assert [c[0] for c in home.calls] == ["play", "play"], f"got {home.calls}"


def test_words_of_a_value_its_flow_reads_count_when_the_span_is_missed() -> None:
    vocabulary = Vocabulary.build(EXAMPLES, HOME)
    text = "set the tv volume to 30 percent"  # the parse found the tv, not "30 percent"
    got = (vocabulary.unexplained("set_volume", text, [(8, 10)], entities=frozenset(
        {"percentage"})), vocabulary.unexplained("set_volume", text, [(8, 10)]))
    assert got == ([], ["percent"]), f"expected ([], ['percent']), got {got}"


@pytest.mark.parametrize("a, b, close", [
    ("strat", "start", True), ("plya", "play", True), ("turnn", "turn", True),
    ("tun", "turn", True), ("skip", "stop", False), ("song", "song", False),
    ("vacuum", "volume", False),
])
def test_one_edit(a: str, b: str, close: bool) -> None:
    assert one_edit(a, b) is close, f"{a!r} vs {b!r}: expected {close}"
