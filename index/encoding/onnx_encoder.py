"""ONNX Runtime encoder for sentence-transformers BERT models (mean pooling, normalised).

The model is exported once per machine from the packaged weights (``torch.onnx.export``,
eager attention) into the cache directory, and optionally quantised to int8 (per-channel,
reduced range; the six FFN-output MatMuls and the first layer's FFN-input MatMul, the most
quantisation-sensitive, stay fp32: cosine ≥ 0.99 to fp32 on each of 1,931 news chunks
measured, where keeping only the FFN outputs in fp32 dipped to 0.9886). On a 2-core AVX2 CPU
(bench/probe_encoders.py, bench/ingest.py) a single query encodes in ≈ 8 ms instead of ≈ 23 ms
with identical vectors (fp32), and int8 documents cost ≈ 1.5× less CPU than fp32.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock
from tokenizers import Encoding, Tokenizer

from index.encoding.model_sources import LOADING, ModelSpec

log = logging.getLogger(__name__)

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
EXPORT_VERSION = 1
QUANT_VERSION = 2  # 1: FFN-output MatMuls in fp32; 2: also layer 0's FFN-input MatMul
# MatMuls left in fp32 by the int8 model: quantising them costs the most cosine to fp32
FP32_MATMULS = [
    *(f"/body/encoder/layer.{i}/output/dense/MatMul" for i in range(64)),
    "/body/encoder/layer.0/intermediate/dense/MatMul",
]


class OnnxUnsupported(RuntimeError):
    """This model cannot run through the ONNX path (the torch path is used instead)."""


def check_supported(spec: ModelSpec) -> None:
    """Only Transformer → mean Pooling → Normalize pipelines (the packaged models) qualify."""
    try:
        modules = json.loads((spec.path / "modules.json").read_text())
        pooling = json.loads((spec.path / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise OnnxUnsupported(f"{spec.name}: no sentence-transformers config ({exc})") from None
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or not pooling.get("pooling_mode_mean_tokens"):
        raise OnnxUnsupported(f"{spec.name}: needs Transformer + mean Pooling, has {kinds}")
    if not (spec.path / "tokenizer.json").exists():
        raise OnnxUnsupported(f"{spec.name}: no tokenizer.json")


def model_files(spec: ModelSpec, cache_dir: Path, quantized: bool) -> Path:
    """The exported (and quantised) model file, created on first use under a file lock."""
    check_supported(spec)
    folder = cache_dir / "onnx" / f"{Path(spec.name).name}-v{EXPORT_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    fp32, int8 = folder / "model.onnx", folder / f"model.int8-q{QUANT_VERSION}.onnx"
    with FileLock(str(folder / ".lock")):
        if not fp32.exists():
            _export(spec.path, fp32)
        if quantized and not int8.exists():
            _quantize(fp32, int8)
    return int8 if quantized else fp32


def _export(model_dir: Path, out: Path) -> None:
    started = time.perf_counter()
    import torch

    with LOADING:
        from transformers import AutoModel

        body = AutoModel.from_pretrained(
            str(model_dir), attn_implementation="eager", local_files_only=True
        ).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = body

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.body(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    export_bert_graph(LastHidden().eval(), out, "last_hidden_state", {0: "batch", 1: "seq"})
    log.info("exported %s to ONNX in %.1fs", model_dir.name, time.perf_counter() - started)


def export_bert_graph(module: Any, out: Path, output: str, output_axes: dict[int, str]) -> None:
    """Export a module taking BERT's three inputs to ``out`` (atomically), batch and sequence
    length dynamic."""
    import torch

    ids = torch.randint(1000, 2000, (2, 16))
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 10:] = 0  # a padded row keeps the attention-mask path in the graph
    axes: dict[str, dict[int, str]] = {k: {0: "batch", 1: "seq"} for k in INPUTS}
    axes[output] = output_axes
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings():  # the tracer's notes on BERT's mask code: the exported
        warnings.simplefilter("ignore")  # graph is checked against torch (tests/test_encoders)
        torch.onnx.export(
            module,
            (ids, mask, torch.zeros_like(ids)),
            str(tmp),
            input_names=INPUTS,
            output_names=[output],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, out)


def _quantize(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    advice = _Dropped("pre-processing before quantization")  # its advice to the user, on root
    logging.getLogger().addFilter(advice)
    try:
        quantize_dynamic(
            str(src),
            str(tmp),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            nodes_to_exclude=FP32_MATMULS,
            extra_options={"DefaultTensorType": 1},
        )
    finally:
        logging.getLogger().removeFilter(advice)
    os.replace(tmp, dst)


class _Dropped(logging.Filter):
    """Drops the log records that contain ``text`` (a library's advice, not for our users)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


@dataclass
class EncoderStats:
    """What the encoder saw: texts, batches, real and padded token slots."""

    texts: int = 0
    batches: int = 0
    tokens: int = 0  # real tokens, special tokens included
    slots: int = 0  # batch rows x padded width

    @property
    def padding_share(self) -> float:
        return 1.0 - self.tokens / self.slots if self.slots else 0.0


@dataclass(frozen=True)
class SessionConfig:
    """ONNX Runtime session options (measured on 2 AVX2 cores, see docs/BENCHMARKS.md)."""

    threads: int = 1  # intra-op threads
    spinning: bool = False  # busy-wait between ops: no gain here, costs CPU on a shared box
    optimization: str = "all"  # basic | extended | all

    def options(self) -> Any:
        import onnxruntime as ort

        levels = {
            "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        }
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = levels[self.optimization]
        options.log_severity_level = 3
        spin = "1" if self.spinning else "0"
        options.add_session_config_entry("session.intra_op.allow_spinning", spin)
        return options


class OnnxEncoder:
    """Tokenise everything once, sort by token count, run padded-to-longest batches.

    ``per_text`` runs one text at a time. The int8 model needs it: its activations are
    quantised with one scale per tensor, so in a batch every text's vector would depend on its
    batch mates (cosine 0.994-0.996 between groupings of the same texts); alone, a vector is a
    function of its text, as content-hash reuse and sharded ingest assume. On this CPU it also
    costs less: no padding, and ≈ 10 % less CPU than batches of 32 (bench/ingest.py --levers).
    """

    def __init__(
        self, spec: ModelSpec, model_file: Path, config: SessionConfig, per_text: bool = False
    ) -> None:
        import onnxruntime as ort

        self.session = ort.InferenceSession(
            str(model_file), config.options(), providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(spec.path / "tokenizer.json"))
        self.tokenizer.enable_truncation(spec.max_tokens)
        self.tokenizer.no_padding()
        self.per_text = per_text
        self.sort_by_length = True
        self.stats = EncoderStats()  # approximate when several threads encode at once

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Unit-length float32 vectors in input order."""
        batch_size = 1 if self.per_text else batch_size
        encodings = self.tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.arange(len(texts))
        if self.sort_by_length:
            order = np.argsort(-lengths, kind="stable")
        rows = [
            self._batch([encodings[j] for j in order[i : i + batch_size]])
            for i in range(0, len(texts), batch_size)
        ]
        result = np.empty((len(texts), rows[0].shape[1] if rows else 0), dtype=np.float32)
        if rows:
            result[order] = np.concatenate(rows)
        return result

    def _batch(self, encodings: list[Encoding]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        self._count(mask)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]
        return _mean_pool(hidden, mask)

    def _count(self, mask: np.ndarray) -> None:
        self.stats.texts += mask.shape[0]
        self.stats.batches += 1
        self.stats.tokens += int(mask.sum())
        self.stats.slots += mask.size


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
