"""Inference: ONNX Runtime + tokenizers + numpy only (never torch).

``NLUModel.load(folder)`` picks the best provider available (TensorRT FP16 with an engine
cache, then CUDA with the FP16 graph, then CPU with the INT8 graph). ``parse`` and
``parse_batch`` are thread-safe. A text that is one of the data's phrases (``phrases.json``,
see ``assistant.nlu.phrases``) gets the phrase's intent without running the model.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from assistant.errors import (
    EmptyTextError,
    InvalidTextError,
    ModelIncompatibleError,
    ModelNotFoundError,
)
from assistant.nlu.data.types import label_parts
from assistant.nlu.normalize import normalize_value
from assistant.nlu.phrases import PhraseTable
from assistant.nlu.spans import Features, decode_spans, featurize
from assistant.types import Entity, IntentScore, ParseResult

log = logging.getLogger(__name__)
Precision = Literal["auto", "int8", "fp32", "fp16"]
REQUIRED = ("tokenizer.json", "labels.json", "config.json", "synonyms.json")
RANKING_SIZE = 10
MAX_BATCH = 32  # sentences per ONNX call inside parse_batch


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _check_text(text: object) -> str:
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidTextError(
                f"text is not valid UTF-8 (byte {exc.start})", hint="send UTF-8 encoded text"
            ) from None
    if not isinstance(text, str):
        raise InvalidTextError(f"text must be a string, got {type(text).__name__}",
                               hint="send the utterance as a string")
    if not text.strip():
        raise EmptyTextError("text is empty", hint="send a non-empty utterance")
    return text


class NLUModel:
    def __init__(self, path: Path, *, precision: Precision = "auto", threads: int = 0) -> None:
        path = Path(path)
        missing = [f for f in REQUIRED if not (path / f).is_file()]
        if not path.is_dir() or missing:
            raise ModelNotFoundError(
                f"no trained model in {path} (missing {', '.join(missing) or 'folder'})",
                hint="run `assistant train` first",
            )
        self.path = path
        self.config: dict[str, Any] = json.loads((path / "config.json").read_text())
        labels = json.loads((path / "labels.json").read_text())
        self.intents: list[str] = labels["intents"]
        self.labels: list[tuple[str, str | None, str | None]] = [label_parts(n) for n in labels["entities"]]
        self.synonyms: dict[str, str] = json.loads((path / "synonyms.json").read_text(encoding="utf-8"))
        phrases = path / "phrases.json"  # absent in folders from before phrases existed
        self.phrases = (PhraseTable.from_json(json.loads(phrases.read_text(encoding="utf-8")))
                        if phrases.is_file() else PhraseTable())
        self.max_width = int(self.config["max_width"])
        self.intent_threshold = float(self.config["intent_threshold"])
        self.span_threshold = float(self.config["span_threshold"])
        self.fallback = str(self.config["fallback_intent"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=int(self.config["max_tokens"]))
        self.session, self.precision = self._session(precision, threads)
        outputs = [o.name for o in self.session.get_outputs()]
        if outputs != ["intent_logits", "span_logits"]:
            raise ModelIncompatibleError(f"unexpected model outputs {outputs} in {path}",
                                         hint="retrain with this version: `assistant train`")

    @classmethod
    def load(cls, path: str | Path, *, precision: Precision = "auto", threads: int = 0) -> NLUModel:
        return cls(Path(path), precision=precision, threads=threads)

    @property
    def provider(self) -> str:
        return self.session.get_providers()[0]

    def _session(self, precision: Precision, threads: int) -> tuple[ort.InferenceSession, str]:
        available = ort.get_available_providers()
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        providers: list[Any]
        if precision in ("auto", "fp16") and "TensorrtExecutionProvider" in available:
            cache = self.path / "trt_cache"
            cache.mkdir(exist_ok=True)
            providers = [("TensorrtExecutionProvider", {"trt_fp16_enable": True,
                          "trt_engine_cache_enable": True, "trt_engine_cache_path": str(cache)}),
                         "CUDAExecutionProvider", "CPUExecutionProvider"]
            chosen = "fp32"  # TensorRT builds its own FP16 engine from the FP32 graph
        elif precision in ("auto", "fp16") and "CUDAExecutionProvider" in available:
            providers, chosen = ["CUDAExecutionProvider", "CPUExecutionProvider"], "fp16"
        else:
            providers = ["CPUExecutionProvider"]
            chosen = "int8" if precision in ("auto", "fp16") else precision
        file = self.path / {"fp32": "model.onnx", "int8": "model.int8.onnx", "fp16": "model.fp16.onnx"}[chosen]
        if not file.is_file():
            raise ModelNotFoundError(f"{file} is missing", hint="run `assistant train` again")
        return ort.InferenceSession(str(file), opts, providers=providers), chosen

    # -- parsing -----------------------------------------------------------------------------
    def parse(self, text: str) -> ParseResult:
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: Sequence[str]) -> list[ParseResult]:
        clean = [_check_text(t) for t in texts]
        results: list[ParseResult | None] = [None] * len(clean)
        learned: list[int] = []  # the texts the model parses
        for i, text in enumerate(clean):
            intent = self.phrases.match(text)
            if intent is None:
                learned.append(i)
            else:
                score = IntentScore(intent, 1.0)
                results[i] = ParseResult(text=text, intent=score, ranking=(score,))
        if learned:
            encode = self.tokenizer
            texts_in = [clean[i] for i in learned]
            encodings = [encode.encode(texts_in[0])] if len(texts_in) == 1 else encode.encode_batch(texts_in)
            feats = {i: featurize(enc, clean[i], self.max_width) for i, enc in zip(learned, encodings)}
            # similar lengths run together, so little of each ONNX batch is padding
            order = sorted(learned, key=lambda i: len(feats[i].input_ids))
            for start in range(0, len(order), MAX_BATCH):
                chunk = order[start : start + MAX_BATCH]
                intent_logits, span_logits = self._run([feats[i] for i in chunk])
                intent_probs = _softmax(intent_logits)
                for row, i in enumerate(chunk):
                    f = feats[i]
                    spans = _softmax(span_logits[row, : len(f.span_width)])
                    results[i] = self._result(clean[i], f, intent_probs[row], spans)
        return [r for r in results if r is not None]

    def _run(self, feats: list[Features]) -> tuple[np.ndarray, np.ndarray]:
        b = len(feats)
        t = max(len(f.input_ids) for f in feats)
        s = max(1, max(len(f.span_width) for f in feats))
        ids = np.zeros((b, t), dtype=np.int64)
        mask = np.zeros((b, t), dtype=np.int64)
        span_tokens = np.zeros((b, s, 2), dtype=np.int64)
        span_width = np.zeros((b, s), dtype=np.int64)
        for r, f in enumerate(feats):
            ids[r, : len(f.input_ids)] = f.input_ids
            mask[r, : len(f.input_ids)] = 1
            span_tokens[r, : len(f.span_width)] = f.span_tokens
            span_width[r, : len(f.span_width)] = f.span_width
        out = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                      "span_tokens": span_tokens, "span_width": span_width})
        return out[0].astype(np.float32), out[1].astype(np.float32)

    def _result(self, text: str, f: Features, intent_p: np.ndarray, span_p: np.ndarray) -> ParseResult:
        order = np.argsort(-intent_p)[:RANKING_SIZE]
        ranking = tuple(IntentScore(self.intents[k], float(intent_p[k])) for k in order)
        top = ranking[0]
        intent = top if top.confidence >= self.intent_threshold else IntentScore(self.fallback, top.confidence)
        entities = []
        for span in decode_spans(span_p, f, self.span_threshold):
            name, role, group = self.labels[span.label]
            surface = text[span.start : span.end]
            entities.append(Entity(
                start=span.start, end=span.end, text=surface, entity=name,
                value=normalize_value(name, surface, self.synonyms), confidence=span.confidence,
                role=role, group=group, parent=span.parent, children=span.children,
            ))
        return ParseResult(text=text, intent=intent, ranking=ranking, entities=tuple(entities))
