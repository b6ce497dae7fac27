"""Turn examples into padded tensors: dynamic padding to the longest item of each batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tokenizers import Tokenizer

from assistant.nlu.data.types import Example
from assistant.nlu.spans import Features, featurize, word_span

IGNORE = -100


@dataclass(frozen=True)
class Item:
    features: Features
    intent: int
    span_labels: np.ndarray  # [S] label id per candidate span


def build_items(
    examples: Sequence[Example],
    tokenizer: Tokenizer,
    intents: Sequence[str],
    labels: Sequence[str],
    max_width: int,
) -> tuple[list[Item], int]:
    """Featurise examples; returns the items and how many gold spans could not be represented."""
    intent_id = {n: i for i, n in enumerate(intents)}
    label_id = {n: i for i, n in enumerate(labels)}
    encodings = tokenizer.encode_batch([e.text for e in examples])
    items, dropped = [], 0
    for ex, enc in zip(examples, encodings):
        feats = featurize(enc, ex.text, max_width)
        index = {(int(a), int(b)): k for k, (a, b) in enumerate(feats.span_words)}
        span_labels = np.zeros(len(feats.span_words), dtype=np.int64)
        for ann in ex.entities:
            ws = word_span(feats.words, ann.start, ann.end)
            k = index.get(ws) if ws else None
            if k is None or ann.label not in label_id:
                dropped += 1
                continue
            if span_labels[k] == 0:
                span_labels[k] = label_id[ann.label]
        items.append(Item(feats, intent_id.get(ex.intent, -1), span_labels))
    return items, dropped


def collate(items: Sequence[Item], pad_id: int = 0) -> dict[str, torch.Tensor]:
    t = max(len(i.features.input_ids) for i in items)
    s = max(1, max(len(i.features.span_width) for i in items))
    b = len(items)
    ids = np.full((b, t), pad_id, dtype=np.int64)
    mask = np.zeros((b, t), dtype=np.int64)
    span_tokens = np.zeros((b, s, 2), dtype=np.int64)
    span_width = np.zeros((b, s), dtype=np.int64)
    span_labels = np.full((b, s), IGNORE, dtype=np.int64)
    for r, it in enumerate(items):
        f = it.features
        ids[r, : len(f.input_ids)] = f.input_ids
        mask[r, : len(f.input_ids)] = 1
        n = len(f.span_width)
        span_tokens[r, :n] = f.span_tokens
        span_width[r, :n] = f.span_width
        span_labels[r, :n] = it.span_labels
    return {
        "input_ids": torch.from_numpy(ids),
        "attention_mask": torch.from_numpy(mask),
        "span_tokens": torch.from_numpy(span_tokens),
        "span_width": torch.from_numpy(span_width),
        "intent": torch.tensor([it.intent for it in items], dtype=torch.int64),
        "span_labels": torch.from_numpy(span_labels),
    }
