"""Words, candidate spans and span decoding, shared by training and the runtime (numpy only).

A word is a run of letters, a run of digits, or one other non-space character, so entity
boundaries fall between "21" and "°C" or "50" and "%". Candidate spans are every
(first word, last word) pair up to ``max_width`` words; each is scored by the model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_WORD_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*|\S")


@dataclass(frozen=True)
class Features:
    """Model inputs for one text: token ids plus candidate spans in token and char space."""

    input_ids: np.ndarray  # int64 [T]
    words: tuple[tuple[int, int], ...]  # char offsets of each word
    span_words: np.ndarray  # int64 [S, 2] first and last word index
    span_tokens: np.ndarray  # int64 [S, 2] first and last token index
    span_width: np.ndarray  # int64 [S] width in words minus one


def split_words(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD_RE.finditer(text)]


def featurize(encoding: object, text: str, max_width: int) -> Features:
    """Build features from a ``tokenizers.Encoding`` of ``text`` (already truncated)."""
    offsets = encoding.offsets  # type: ignore[attr-defined]
    special = encoding.special_tokens_mask  # type: ignore[attr-defined]
    char_tok = [-1] * (len(text) + 1)
    last_char = 0
    for t, ((s, e), sp) in enumerate(zip(offsets, special)):
        if not sp and e > s:
            char_tok[s:e] = [t] * (e - s)
            last_char = max(last_char, e)
    words = [(s, e) for s, e in split_words(text) if s < last_char]
    starts, ends = [], []
    prev = 1
    for s, e in words:
        covered = [t for t in char_tok[s:e] if t >= 0]
        # characters the tokenizer dropped (control chars, some symbols) borrow the previous token
        first, last = (covered[0], covered[-1]) if covered else (prev, prev)
        starts.append(first)
        ends.append(last)
        prev = last
    n = len(words)
    pairs = [(i, j) for i in range(n) for j in range(i, min(n, i + max_width))]
    span_words = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    span_tokens = np.asarray([(starts[i], ends[j]) for i, j in pairs], dtype=np.int64).reshape(-1, 2)
    return Features(
        input_ids=np.asarray(encoding.ids, dtype=np.int64),  # type: ignore[attr-defined]
        words=tuple(words),
        span_words=span_words,
        span_tokens=span_tokens,
        span_width=span_words[:, 1] - span_words[:, 0],
    )


def word_span(words: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The (first, last) word indices covering chars ``[start, end)``, or None if none do."""
    first = next((i for i, (s, e) in enumerate(words) if e > start), None)
    last = next((i for i in range(len(words) - 1, -1, -1) if words[i][0] < end), None)
    if first is None or last is None or last < first:
        return None
    return first, last


@dataclass(frozen=True)
class DecodedSpan:
    start: int  # char offsets
    end: int
    label: int
    confidence: float
    parent: int | None
    children: tuple[int, ...]


def decode_spans(
    probs: np.ndarray, features: Features, threshold: float = 0.5
) -> list[DecodedSpan]:
    """Keep the best non-"none" spans; nested spans stay, a span crossing a better one goes.

    ``probs`` is [S, L] with label 0 meaning "no entity". The result is ordered by start, then
    longest first, and each span knows its innermost containing span (``parent``).
    """
    if probs.shape[0] == 0:
        return []
    labels = probs.argmax(axis=1)
    conf = probs[np.arange(probs.shape[0]), labels]
    idx = np.nonzero((labels != 0) & (conf >= threshold))[0]
    span_words = features.span_words[idx].tolist()
    confs = conf[idx].tolist()
    kept: list[int] = []  # positions in idx
    for k in sorted(range(len(idx)), key=lambda k: -confs[k]):
        a0, a1 = span_words[k]
        if all(_nested_or_disjoint(a0, a1, *span_words[j]) for j in kept):
            kept.append(k)
    kept.sort(key=lambda k: (span_words[k][0], -span_words[k][1]))
    bounds = [tuple(span_words[k]) for k in kept]
    parents: list[int | None] = []
    for i, (a0, a1) in enumerate(bounds):
        parent = None
        for j in range(i - 1, -1, -1):  # the innermost container starts at or before us
            b0, b1 = bounds[j]
            if b0 <= a0 and a1 <= b1:
                parent = j
                break
        parents.append(parent)
    out = []
    for i, k in enumerate(kept):
        w0, w1 = bounds[i]
        out.append(
            DecodedSpan(
                start=features.words[w0][0],
                end=features.words[w1][1],
                label=int(labels[idx[k]]),
                confidence=confs[k],
                parent=parents[i],
                children=tuple(c for c, p in enumerate(parents) if p == i),
            )
        )
    return out


def _nested_or_disjoint(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a1 < b0 or b1 < a0 or (a0 <= b0 and b1 <= a1) or (b0 <= a0 and a1 <= b1)
