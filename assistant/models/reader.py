"""The reader: a cross-encoder that reads the question and a sentence (or passage) together and
scores how well the text answers the question (``bench/train_reader.py`` trains it; weights
ship in ``assistant/models/reader_model/`` with their model card once one beats the fitted sentence
scorer on dev — none has so far, the full fine-tune on an accelerator included:
docs/BENCHMARKS.md "A reader trained at full strength…"). The
answer engine adds its logit to the fitted sentence score with the weights in ``combiner.json``
beside the weights (``bench/reader_rows.py --save`` fits them on rtqa-train).

At run time it is an ONNX Runtime session over the packaged all-MiniLM-L6-v2 body whose layers
are replaced by the shipped ones (``reader_model/reader-*.safetensors`` beside it: every layer
for the fully fine-tuned reader, ``reader_net.py`` says which layouts load). The ONNX
file is exported once per machine into the cache directory (torch is imported only then), named
by the hash of the shipped weights, so new weights make a new export.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from filelock import FileLock
from tokenizers import Tokenizer

from assistant.models.reader_files import PASSAGE_TOKENS, READER_DIR, pair_tokenizer, weight_files
from index.encoding.model_sources import resolve_model
from index.settings import DEFAULT_MODEL

log = logging.getLogger(__name__)

BATCH = 16
COMBINER = "combiner.json"  # {"weights": {feature name: weight, ..., "reader": weight}}


class Reader(Protocol):
    # how the answer engine mixes the logit with its sentence features: one weight per
    # feature name, "reader" for the logit (``combiner.json`` beside the weights; None: unset)
    combiner: dict[str, float] | None

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One score per text: higher answers the question better (a logit)."""
        ...


def ordering_weights(
    own: np.ndarray, reader: Reader | None, features: Sequence[str]
) -> tuple[np.ndarray, float]:
    """The weights that order sentences (one per name of ``features``), and the reader logit's:
    ``own`` alone without a reader; with one, the weights it ships with (``combiner.json``:
    every feature and "reader"), or ``own`` plus the logit at weight 1 when it ships none."""
    combiner = reader.combiner if reader is not None else None
    if combiner is None:
        return own, 1.0
    missing = [name for name in (*features, "reader") if name not in combiner]
    if missing:
        raise ValueError(f"the reader's combiner lacks weights for {missing}")
    return np.array([combiner[name] for name in features]), combiner["reader"]


class ReaderUnavailable(RuntimeError):
    """No shipped reader weights, or the export failed: the caller keeps today's scorer."""


def reader_available(folder: Path = READER_DIR) -> bool:
    return bool(weight_files(folder))


class OnnxReader:
    def __init__(
        self,
        onnx_file: Path,
        model_dir: Path,
        threads: int = 1,
        combiner: dict[str, float] | None = None,
    ) -> None:
        self.combiner = combiner
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = pair_tokenizer(model_dir)
        self.passage_tokenizer = pair_tokenizer(model_dir, PASSAGE_TOKENS)

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Sentences (or short candidates): each pair cut to ``MAX_PAIR_TOKENS``."""
        return self._score(self.tokenizer, question, texts)

    def score_passages(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Passages (to rerank them): each pair cut to ``PASSAGE_TOKENS``, as trained. Costly
        on CPU: ~10x a sentence each (docs/BENCHMARKS.md)."""
        return self._score(self.passage_tokenizer, question, texts)

    def _score(self, tokenizer: Tokenizer, question: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        scores = np.zeros(len(texts), dtype=np.float32)
        for at in range(0, len(order), BATCH):
            chosen = order[at : at + BATCH]
            encodings = tokenizer.encode_batch([(question, texts[i]) for i in chosen])
            feed = {
                "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64),
            }
            scores[chosen] = self.session.run(["score"], feed)[0]
        return scores


_LOCK = threading.Lock()
_READERS: dict[tuple[str, str, str, int], OnnxReader] = {}


def load_reader(
    cache_dir: Path, model: str = DEFAULT_MODEL, folder: Path = READER_DIR, threads: int = 1
) -> OnnxReader:
    """The shipped reader as an ONNX session (exported on first use), shared per process;
    ``threads`` intra-op threads per call (1: an ask uses one core, as the query encoder)."""
    if not reader_available(folder):
        raise ReaderUnavailable(f"no reader weights in {folder}")
    spec = resolve_model(model)
    parts = "".join(_digest(w, w.stat().st_mtime_ns) for w in weight_files(folder))
    digest = hashlib.sha256(parts.encode()).hexdigest()[:12]
    combiner = read_combiner(folder)
    key = (str(spec.path), digest, json.dumps(combiner, sort_keys=True), threads)
    with _LOCK:
        if key not in _READERS:
            onnx_file = _exported(cache_dir, folder, model, digest)
            _READERS[key] = OnnxReader(onnx_file, spec.path, threads, combiner)
        return _READERS[key]


def read_combiner(folder: Path) -> dict[str, float] | None:
    """The feature weights shipped with the reader (``combiner.json``), or None."""
    path = folder / COMBINER
    if not path.exists():
        return None
    try:
        weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
        return {str(name): float(value) for name, value in weights.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReaderUnavailable(f"{path}: not a combiner file ({exc})") from exc


@functools.cache  # every assistant of a server asks: hash each file once per version
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _exported(cache_dir: Path, folder: Path, model: str, digest: str) -> Path:
    target = cache_dir / "onnx" / f"reader-{digest}" / "reader.onnx"
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / ".lock")):
        if not target.exists():
            try:
                _export(folder, model, target)
            except Exception as exc:
                raise ReaderUnavailable(f"reader export failed: {exc}") from exc
    return target


def _export(folder: Path, model: str, out: Path) -> None:
    from assistant.models.reader_net import load_trained
    from index.encoding.onnx_encoder import export_bert_graph

    export_bert_graph(load_trained(folder, model), out, "score", {0: "batch"})
    log.info("exported the reader to %s", out)
