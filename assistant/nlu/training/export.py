"""Export the trained model: ONNX FP32, ORT-fused graph, INT8 (CPU) and FP16 (GPU) variants."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import onnx
import torch

from assistant.nlu.training.model import JointModel

log = logging.getLogger(__name__)

INPUTS = ["input_ids", "attention_mask", "span_tokens", "span_width"]
OUTPUTS = ["intent_logits", "span_logits"]
DYNAMIC = {
    "input_ids": {0: "batch", 1: "tokens"},
    "attention_mask": {0: "batch", 1: "tokens"},
    "span_tokens": {0: "batch", 1: "spans"},
    "span_width": {0: "batch", 1: "spans"},
    "intent_logits": {0: "batch"},
    "span_logits": {0: "batch", 1: "spans"},
}


def export_model(model: JointModel, sample: dict[str, torch.Tensor], out_dir: Path) -> None:
    fp32 = out_dir / "model.onnx"
    args = tuple(sample[name] for name in INPUTS)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, args, str(fp32), input_names=INPUTS, output_names=OUTPUTS,
            dynamic_axes=DYNAMIC, opset_version=17, dynamo=False, do_constant_folding=True,
        )
    onnx.checker.check_model(str(fp32))
    fused = _fuse(fp32, model)
    _quantize_int8(fused, out_dir / "model.int8.onnx")
    _to_fp16(fused, out_dir / "model.fp16.onnx")
    if fused != fp32:
        fused.unlink()


def _fuse(path: Path, model: JointModel) -> Path:
    """ORT's transformer optimizer: LayerNorm/GELU/attention fusions before quantisation."""
    try:
        from onnxruntime.transformers import optimizer
    except ImportError:  # pragma: no cover - optional part of onnxruntime
        return path
    cfg = model.encoder.config
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = optimizer.optimize_model(
                str(path), model_type="bert", num_heads=cfg.num_attention_heads,
                hidden_size=cfg.hidden_size, opt_level=1,
            )
        out = path.with_name("model.fused.onnx")
        opt.save_model_to_file(str(out))
        log.info("fused graph: %s", opt.get_fused_operator_statistics())
        return out
    except Exception as exc:  # noqa: BLE001 - an optimiser failure must not lose the model
        log.warning("graph fusion skipped: %s", exc)
        return path


class _DropPreprocessAdvice(logging.Filter):
    """The quantiser logs advice to the root logger on every run; it is not actionable here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def _quantize_int8(src: Path, dst: Path) -> None:
    """Per-channel dynamic INT8 with 7-bit weights (``reduce_range``).

    CPUs without VNNI multiply u8 activations by s8 weights with an instruction whose 16-bit
    pair sums can saturate; with 7-bit weights they cannot, so results do not depend on
    whether the CPU has VNNI. The accuracy against 8-bit weights, per benchmark, is in
    docs/benchmarks.md.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    advice = _DropPreprocessAdvice()
    root.addFilter(advice)
    try:
        quantize_dynamic(str(src), str(dst), per_channel=True, reduce_range=True,
                         weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Attention", "Gemm"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.removeFilter(advice)


def _to_fp16(src: Path, dst: Path) -> None:
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = convert_float_to_float16(onnx.load(str(src)), keep_io_types=True)
    onnx.save(model, str(dst))
