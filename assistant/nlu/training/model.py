"""The joint model: a BERT encoder with an intent head and a span classification head."""

from __future__ import annotations

import torch
from torch import nn

from assistant.nlu.training._bert import BertEncoder


class JointModel(nn.Module):
    """Inputs as exported to ONNX; every candidate span gets a label (0 = no entity).

    A span is represented by its first token, its last token, the sentence and its width.
    ``Linear(concat(...))`` is computed as a sum of per-part projections, with the token
    projections done once per token rather than once per span: the same function, several
    times fewer multiply-adds at inference.
    """

    def __init__(
        self,
        encoder: BertEncoder,
        n_intents: int,
        n_labels: int,
        max_width: int,
        span_hidden: int = 256,
        width_dim: int = 32,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        hidden = encoder.config.hidden_size
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        self.start_proj = nn.Linear(hidden, span_hidden)
        self.end_proj = nn.Linear(hidden, span_hidden, bias=False)
        self.context_proj = nn.Linear(hidden, span_hidden, bias=False)
        self.width_embedding = nn.Embedding(max_width, width_dim)
        self.width_proj = nn.Linear(width_dim, span_hidden, bias=False)
        self.span_out = nn.Sequential(nn.GELU(), nn.Dropout(dropout), nn.Linear(span_hidden, n_labels))

    def forward(
        self,
        input_ids: torch.Tensor,  # [B, T]
        attention_mask: torch.Tensor,  # [B, T]
        span_tokens: torch.Tensor,  # [B, S, 2] first/last token of each span
        span_width: torch.Tensor,  # [B, S]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(input_ids, attention_mask)
        mask = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        intent_logits = self.intent_head(self.dropout(pooled))
        h = self.dropout(h)
        starts = self.start_proj(h)  # [B, T, D]
        ends = self.end_proj(h)
        d = starts.shape[-1]
        first = torch.gather(starts, 1, span_tokens[:, :, 0:1].expand(-1, -1, d))
        last = torch.gather(ends, 1, span_tokens[:, :, 1:2].expand(-1, -1, d))
        context = self.context_proj(self.dropout(pooled)).unsqueeze(1)
        rep = first + last + context + self.width_proj(self.width_embedding(span_width))
        return intent_logits, self.span_out(rep)
