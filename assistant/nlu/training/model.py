"""The joint model: a BERT encoder with an intent head and a span classification head."""

from __future__ import annotations

import torch
from torch import nn

from assistant.nlu.training._bert import BertEncoder


class JointModel(nn.Module):
    """Inputs as exported to ONNX; every candidate span gets a label (0 = no entity)."""

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
        self.width_embedding = nn.Embedding(max_width, width_dim)
        self.span_head = nn.Sequential(
            nn.Linear(3 * hidden + width_dim, span_hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(span_hidden, n_labels),
        )

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
        b, s, _ = span_tokens.shape
        flat = span_tokens.reshape(b, s * 2, 1).expand(-1, -1, h.shape[-1])
        ends = torch.gather(h, 1, flat).reshape(b, s, 2, h.shape[-1])
        first, last = ends[:, :, 0], ends[:, :, 1]
        context = pooled.unsqueeze(1).expand(-1, s, -1)
        rep = torch.cat([first, last, context, self.width_embedding(span_width)], -1)
        span_logits = self.span_head(self.dropout(rep))
        return intent_logits, span_logits
