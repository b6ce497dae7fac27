"""Words, candidate spans, and decoding: nested spans are kept, crossing ones dropped."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.nlu.spans import Features, decode_spans, split_words, word_span


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("turn on the kitchen light", ["turn", "on", "the", "kitchen", "light"]),
        ("set it to 21°C", ["set", "it", "to", "21", "°", "C"]),
        ("dim to 50%", ["dim", "to", "50", "%"]),
        ("timer 1h30m", ["timer", "1", "h", "30", "m"]),
        ("it's 21.5 degrees", ["it's", "21.5", "degrees"]),
        ("🙂 lights", ["🙂", "lights"]),
    ],
)
def test_split_words(text: str, words: list[str]) -> None:
    assert [text[s:e] for s, e in split_words(text)] == words


def features(text: str, spans: list[tuple[int, int]]) -> Features:
    words = tuple(split_words(text))
    sw = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return Features(np.zeros(1, dtype=np.int64), words, sw, sw.copy(), sw[:, 1] - sw[:, 0])


def probs(rows: list[tuple[int, float]], n_labels: int = 4) -> np.ndarray:
    out = np.zeros((len(rows), n_labels), dtype=np.float32)
    for i, (label, p) in enumerate(rows):
        out[i, label] = p
        out[i, 0 if label else 1] += 1 - p
    return out


def test_nested_spans_kept_with_parent_and_children() -> None:
    text = "turn on the kitchen light"
    f = features(text, [(3, 4), (3, 3), (4, 4), (0, 1)])
    got = decode_spans(probs([(1, 0.9), (2, 0.8), (0, 0.9), (0, 0.99)]), f)
    assert [(text[s.start : s.end], s.label, s.parent, s.children) for s in got] == [
        ("kitchen light", 1, None, (1,)),
        ("kitchen", 2, 0, ()),
    ]


def test_crossing_span_dropped_keeps_the_more_confident() -> None:
    text = "set the living room lamp"
    f = features(text, [(2, 3), (3, 4), (2, 4)])
    got = decode_spans(probs([(2, 0.7), (1, 0.95), (3, 0.6)]), f)
    # "room lamp" (0.95) wins over the crossing "living room"; "living room lamp" contains it
    assert [(text[s.start : s.end], s.parent) for s in got] == [("living room lamp", None), ("room lamp", 0)]


def test_deep_nesting_points_to_innermost_parent() -> None:
    text = "a b c d"
    f = features(text, [(0, 3), (1, 2), (1, 1), (3, 3)])
    got = decode_spans(probs([(1, 0.9), (1, 0.9), (1, 0.9), (1, 0.9)]), f)
    assert [(text[s.start : s.end], s.parent, s.children) for s in got] == [
        ("a b c d", None, (1, 3)), ("b c", 0, (2,)), ("b", 1, ()), ("d", 0, ())]


def test_below_threshold_and_empty() -> None:
    f = features("a b", [(0, 0)])
    assert decode_spans(probs([(1, 0.45)]), f, threshold=0.5) == []
    assert decode_spans(np.zeros((0, 3), dtype=np.float32), features("", [])) == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(0, 4, (0, 0)), (12, 25, (3, 4)), (13, 18, (3, 3)), (100, 120, None)],
)
def test_word_span(start: int, end: int, expected: tuple[int, int] | None) -> None:
    assert word_span(split_words("turn on the kitchen light"), start, end) == expected
