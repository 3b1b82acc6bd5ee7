"""The sentence-transformers encoder: light to construct, loaded on first use, normalised.

Documents run on all cores: by default through the int8 ONNX model one text at a time (no
padding; a vector depends only on its text), or in length-sorted batches on the fp32 and torch
paths; a query runs on one thread, which is faster here for a single short input.
``Precision.AUTO`` keeps bf16 only on CPUs with native bf16 matrix units (AMX / AVX512-BF16)
and a probe that shows it pays.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.encoding.devices import batch_on, precision_on, resolve_device
from index.encoding.model_sources import LOADING, ModelSpec, resolve_model
from index.settings import Device, EncoderBackend, IndexSettings, Precision

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.encoding.onnx_encoder import EncoderStats, OnnxEncoder

log = logging.getLogger(__name__)

BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")
PROBE_SPEEDUP = 1.2  # bf16 is kept only when at least this much faster than fp32
# which ONNX model encodes documents per backend (queries always use the fp32 export)
DOCUMENT_ONNX = {
    EncoderBackend.ONNX: "fp32",
    EncoderBackend.ONNX_INT8: "int8",
}  # AUTO decides per machine: Embedder._auto_documents


RECENT_QUERIES = 1_024  # query vectors remembered per model and encoder path (process-wide)
RECENT_SENTENCES = 20_000  # answer sentences' vectors likewise (≈ 30 MB at 384-d)
SENTENCE_BATCH = 4  # question-time sentences per encoder run (less padding than one batch)


class Encoder(Protocol):
    """What the index, retrieval and the answer engines need of an encoder. ``Embedder`` is the
    real one (sentence-transformers / ONNX); tests/fakes.py has a hash-based one for the fast
    test tier. ``spec`` names the model and its tokenizer (chunking counts its tokens)."""

    spec: ModelSpec

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray: ...


class RecentVectors:
    """Vectors an encoder computed for texts, read-only, the least recently used dropped past
    ``size``. One per (model, encoder path, kind) in the process (``shared``): one ask encodes
    the same question in the follow-up check, the retriever and the answer engine, and the
    server's readers and answer workers each hold their own encoder object. A text's vector
    depends on the text alone (queries and sentences run fp32), so it never goes stale."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: dict[str, np.ndarray] = {}  # text -> vector, least recently used first
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, *key: object, size: int) -> RecentVectors:
        with _SHARED_LOCK:
            return _SHARED.setdefault(key, cls(size))

    def vector(self, text: str, encode: Callable[[str], np.ndarray]) -> np.ndarray:
        return self.vectors([text], lambda texts: np.stack([encode(texts[0])]))[0]

    def vectors(
        self, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """One row per text; only the texts not remembered go to ``encode`` (once each)."""
        with self._lock:
            known = {t: self._vectors.pop(t) for t in set(texts) if t in self._vectors}
            self._vectors.update(known)  # now the most recently used
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = encode(missing)
            fresh.setflags(write=False)
            with self._lock:
                for text, row in zip(missing, fresh, strict=True):
                    known[text] = self._vectors[text] = row
                while len(self._vectors) > self.size:
                    self._vectors.pop(next(iter(self._vectors)))
        return np.stack([known[t] for t in texts])


_SHARED: dict[tuple[object, ...], RecentVectors] = {}
_SHARED_LOCK = threading.Lock()


class Embedder:
    """The real encoder: ``Encoder`` over a packaged sentence-transformers model, through ONNX
    Runtime or torch as ``EncoderBackend`` and the CPU decide."""

    def __init__(
        self,
        model: str = IndexSettings.model,
        precision: Precision = IndexSettings.precision,
        batch_size: int = IndexSettings.batch_size,
        backend: EncoderBackend = IndexSettings.encoder,
        cache_dir: Path | None = None,
        threads: int = 0,
        device: Device = IndexSettings.device,
    ) -> None:
        self.spec: ModelSpec = resolve_model(model)
        self.device = resolve_device(device)  # "cuda" or "cpu"
        self.requested_precision = precision
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = cache_dir or Path("~/.cache/newsrag").expanduser()
        self.threads = threads or available_cores()  # for document batches; a query uses one
        self._model: SentenceTransformer | None = None
        self.precision: Precision | None = None
        self._lock = _LOCKS.setdefault((str(self.spec.path), precision), threading.RLock())
        path = (self.spec.path, backend, precision, self.device)
        self._recent = RecentVectors.shared(*path, "query", size=RECENT_QUERIES)
        self._sentences = RecentVectors.shared(*path, "sentence", size=RECENT_SENTENCES)

    @classmethod
    def from_settings(cls, settings: IndexSettings) -> Embedder:
        return cls(
            settings.model,
            settings.precision,
            settings.batch_size,
            settings.encoder,
            settings.cache_dir,
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
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model, self.precision = _load(
                    self.spec.path, self.requested_precision, self.device
                )
            return self._model

    @property
    def document_path(self) -> str:
        """How documents are encoded: onnx-int8, onnx-fp32 or torch-<precision> (-cuda on a GPU)."""
        kind = self._onnx_file(documents=True)
        if kind is not None:
            return f"onnx-{kind}"
        precision = self.precision or precision_on(self.device, self.requested_precision)
        return f"torch-{precision.value}" + ("-cuda" if self.device == "cuda" else "")

    def _onnx_file(self, documents: bool) -> str | None:
        torch_only = self.backend is EncoderBackend.TORCH or self.device == "cuda"
        if torch_only or self.spec.name in _ONNX_FAILED:
            return None
        if documents:
            return DOCUMENT_ONNX.get(self.backend) or self._auto_documents()
        return "fp32"

    def _auto_documents(self) -> str | None:
        """AUTO: the fastest document path that keeps retrieval quality (docs/BENCHMARKS.md).

        bf16 torch where the CPU has AMX tiles (the probe still decides bf16 vs fp32); int8
        ONNX elsewhere (1.4x less CPU than fp32, dev metrics within one question of fp32),
        AVX-512 BF16 CPUs included: on such an AMD EPYC torch bf16 was within 5 % of int8 ONNX
        in speed and CPU per chunk, at 4-5x the memory, and int8 lets big ingests use one
        process per core; an explicit precision is honoured: fp32 through the fp32 export (same
        vectors), bf16 torch.
        """
        if self.requested_precision is Precision.FP32:
            return "fp32"
        if self.requested_precision is Precision.BF16 or cpu_has_amx():
            return None
        return "int8"

    def _onnx(self, documents: bool) -> OnnxEncoder | None:
        kind = self._onnx_file(documents)
        if kind is None:
            return None
        threads = self.threads if documents else 1
        try:
            return _onnx_encoder(self.spec, self.cache_dir, kind == "int8", threads)
        except Exception as exc:  # any failure: the torch path still works
            _ONNX_FAILED.add(self.spec.name)
            log.warning("ONNX encoder unavailable for %s (%s); using torch", self.name, exc)
            return None

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        onnx = self._onnx(documents=True)
        if onnx is not None:
            return onnx.encode(list(texts), self.batch_size)
        model = self.model
        with self._lock:
            vectors = model.encode(
                list(texts),
                batch_size=batch_on(self.device, self.batch_size),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def document_stats(self) -> EncoderStats | None:
        """Token and padding counters of the ONNX document encoder (None on the torch path)."""
        onnx = self._onnx(documents=True)
        return onnx.stats if onnx is not None else None

    def encode_query(self, text: str) -> np.ndarray:
        """The query's vector (read-only), remembered (``RecentVectors``)."""
        return self._recent.vector(text, self._encode_query)

    def _encode_query(self, text: str) -> np.ndarray:
        onnx = self._onnx(documents=False)
        if onnx is not None:
            return onnx.encode([text], 1)[0]
        model = self.model
        with self._lock, _torch_threads(1):
            vector = model.encode(
                [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(vector, dtype=np.float32)[0]

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Short texts scored at question time (answer sentences, reranking): the query encoder
        — fp32, so a sentence's vector never depends on what it is batched with (int8's
        activation scales do), and no torch load in a server that only answers — in
        length-sorted batches of ``SENTENCE_BATCH`` (16 answer sentences: 217 ms vs 330 ms as
        one batch padded to the longest, same vectors)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._sentences.vectors(texts, self._encode_sentences)

    def _encode_sentences(self, texts: list[str]) -> np.ndarray:
        onnx = self._onnx(documents=False)
        if onnx is not None:
            return onnx.encode(texts, SENTENCE_BATCH)
        return np.array(self.encode_documents(texts), dtype=np.float32)


@contextmanager
def _torch_threads(n: int) -> Any:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


_ONNX_FAILED: set[str] = set()


@cache
def _onnx_encoder(spec: ModelSpec, cache_dir: Path, quantized: bool, threads: int) -> OnnxEncoder:
    from index.encoding.onnx_encoder import OnnxEncoder, SessionConfig, model_files

    config = SessionConfig(threads)
    return OnnxEncoder(spec, model_files(spec, cache_dir, quantized), config, per_text=quantized)


def available_cores() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# One loaded model per (directory, precision) per process, shared by every Embedder.
_LOCKS: dict[tuple[str, Precision], threading.RLock] = {}


@cache
def _load(
    path: Path, precision: Precision, device: str = "cpu"
) -> tuple[SentenceTransformer, Precision]:
    started = time.perf_counter()
    import torch

    with LOADING:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(path), device=device, local_files_only=True)
    chosen = precision_on(device, precision)
    if chosen is Precision.AUTO:
        chosen = Precision.BF16 if _bf16_pays(model) else Precision.FP32
    if chosen is not Precision.FP32:
        model = model.to(torch.bfloat16 if chosen is Precision.BF16 else torch.float16)
    took = time.perf_counter() - started
    log.info("loaded %s (%s on %s) in %.1fs", path.name, chosen.value, device, took)
    return model, chosen


@cache  # read once per process: the document path asks on every encode call
def _cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    line = next((x for x in text.splitlines() if x.startswith("flags")), "")
    return frozenset(line.partition(":")[2].split())


def cpu_has_bf16_units() -> bool:
    """bf16 matrix instructions (AMX or AVX-512 BF16): where the bf16 probe runs at all."""
    return bool(_cpu_flags() & set(BF16_CPU_FLAGS))


def cpu_has_amx() -> bool:
    """AMX bf16 tiles: the CPUs where torch bf16 documents beat int8 ONNX."""
    return "amx_bf16" in _cpu_flags()


def _bf16_pays(model: SentenceTransformer) -> bool:
    """Time fp32 against bf16 on a small batch; only where the CPU has bf16 units."""
    if not cpu_has_bf16_units():
        return False
    import copy

    import torch

    sample = ["The quick brown fox jumps over the lazy dog near the river bank. " * 12] * 16
    bf16 = copy.deepcopy(model).to(torch.bfloat16)
    timings = {}
    for label, candidate in (("fp32", model), ("bf16", bf16)):
        candidate.encode(sample[:2], show_progress_bar=False)
        started = time.perf_counter()
        candidate.encode(sample, batch_size=16, show_progress_bar=False)
        timings[label] = time.perf_counter() - started
    speedup = timings["fp32"] / max(timings["bf16"], 1e-9)
    log.info("bf16 probe: %.2fx fp32", speedup)
    return speedup >= PROBE_SPEEDUP
