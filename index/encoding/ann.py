"""The FAISS vector cache, keyed by chunk id: exact ``IndexIDMap2(IndexFlatIP)`` while that is
fast, ``IndexIVFPQ`` from ``IVFPQ_FROM`` chunks; an HNSW graph only when forced
(``reindex --ann``).

It is only a cache of the float16 vectors in SQLite. The file carries a small header — the
catalog generation it was built from, its payload length and the id of the catalog it mirrors
— is written to a temporary name and renamed; a file of an older generation of the same
catalog is caught up (``NewsIndex._catch_up``), anything else is rebuilt from SQLite.

IVF-PQ keeps 48 bytes per vector instead of 1,536 and scans a few of its lists per query; its
scores are approximate, so ``NewsIndex.dense`` re-scores ``RERANK`` × k of its candidates
exactly from the float16 vectors in SQLite (docs/SCALING.md has the measured table).
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import uuid
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.catalog.catalog import IndexWriteError

log = logging.getLogger(__name__)

MAGIC_V1 = b"NRFAISS1"
HEADER_V1 = struct.Struct("<8sQQ")  # magic, generation, payload bytes
MAGIC = b"NRFAISS2"
HEADER = struct.Struct("<8sQQ32s")  # magic, generation, payload bytes, the catalog's id
FLAT, IVFPQ, HNSW = "flat", "ivfpq", "hnsw"
HNSW_M = 32  # graph neighbours per vector
EF_CONSTRUCTION, EF_SEARCH = 80, 128  # candidate lists while building and searching
REBUILD_SHARE = 0.2  # HNSW cannot remove: removed vectors are skipped until they are this share
IVFPQ_FROM = 300_000  # chunks: where flat search (2.8 ms at 37k, 57 at 1M, linear) costs what
# re-scoring a 200-passage pool (20 x 200 candidates from SQLite, ≈ 19 ms) adds: bench/ann.py
PQ_BYTES = 96  # sub-quantizers of 8 bits: 96 bytes per vector (4 dimensions each at 384-d;
# 48 gave recall 0.80 at 10M, 96 gives 0.97: bench/ann.py, docs/BENCHMARKS.md)
NPROBE = 48  # inverted lists scanned per query
RERANK = 20  # IVF-PQ candidates per wanted hit, re-scored exactly (10: recall 0.93 at 1M)
EXACT_FILTERED = 20_000  # a filter leaving fewer passages is scored exactly from SQLite
TRAIN_MAX = 200_000  # vectors the coarse quantizer and the PQ codebooks are trained on
MIN_TRAINED = 39 * 256  # fewer vectors cannot train PQ codebooks (256 centroids each): flat


def kind_for(count: int, forced: str | None = None) -> str:
    """The index kind for ``count`` vectors: ``forced`` when given, else by size (HNSW only
    when forced: it cannot remove vectors and holds them whole, more memory than flat)."""
    if forced:
        return forced
    return IVFPQ if count >= IVFPQ_FROM else FLAT


_HNSW_PARAMS: Any = getattr(faiss, "SearchParametersHNSW")  # noqa: B009 (not in faiss's stubs)


def _kind_of(index: faiss.Index) -> str:
    found = faiss.downcast_index(index)
    if isinstance(found, faiss.IndexIVF):
        return IVFPQ
    inner = getattr(found, "index", None)
    is_hnsw = inner is not None and isinstance(faiss.downcast_index(inner), faiss.IndexHNSW)
    return HNSW if is_hnsw else FLAT


def _hnsw(dim: int) -> faiss.Index:
    inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    inner.hnsw.efConstruction = EF_CONSTRUCTION
    inner.hnsw.efSearch = EF_SEARCH
    return faiss.IndexIDMap2(inner)


def _lists_for(count: int) -> int:
    """Inverted lists: about 4·√n, with at least 39 training vectors each (FAISS's k-means
    minimum: at most ``TRAIN_MAX`` / 39 = 5,128 lists, reached at 1.6M vectors)."""
    trained = min(max(count, 1), TRAIN_MAX)
    return int(max(16, min(4 * np.sqrt(max(count, 1)), trained // 39)))


def train_ivfpq(dim: int, vectors: np.ndarray, count: int = 0) -> faiss.Index:
    """An IVF-PQ index trained on (a sample of) ``vectors``, sized for ``count`` vectors
    (default: as many as given)."""
    lists = _lists_for(count or len(vectors))
    pq = (
        PQ_BYTES
        if dim % PQ_BYTES == 0
        else next(m for m in (64, 48, 32, 24, 16, 8, 4, 2, 1) if dim % m == 0)
    )
    index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, lists, pq, 8, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    sample = (
        vectors
        if len(vectors) <= TRAIN_MAX
        else vectors[rng.choice(len(vectors), TRAIN_MAX, replace=False)]
    )
    faiss.omp_set_num_threads(len(os.sched_getaffinity(0)))  # training uses every core
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.nprobe = NPROBE
    return index


class StaleCache(Exception):
    """The file is missing, damaged or from another generation; the message says which."""


class OutdatedCache(StaleCache):
    """A sound file from another generation: normal while a writer is between its commits and
    its cache write, or after a crash in between."""


class VectorIndex:
    def __init__(self, dim: int, generation: int = 0, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self.generation = generation
        self.catalog_id = ""  # the catalog it mirrors (meta ``catalog_id``): saved with it
        self.removed: set[int] = set()  # HNSW: ids removed, skipped by searches
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.kind = _kind_of(self.index)  # flat, ivfpq or hnsw (searches ask it each time)

    @classmethod
    def build(
        cls,
        dim: int,
        ids: np.ndarray,
        vectors: np.ndarray,
        generation: int,
        kind: str = FLAT,
    ) -> VectorIndex:
        """``kind`` flat: exact; ivfpq: trained on (a sample of) ``vectors`` (an index of fewer
        than ``MIN_TRAINED`` is flat); hnsw: a graph over the float32 vectors."""
        index = None
        if kind == IVFPQ and len(vectors) >= MIN_TRAINED:
            index = train_ivfpq(dim, vectors)
        elif kind == HNSW:
            index = _hnsw(dim)
        ann = cls(dim, generation, index)
        ann.add(ids, vectors)
        return ann

    @property
    def exact(self) -> bool:
        """Scores are exact inner products (flat, HNSW; IVF-PQ's are re-scored by the caller)."""
        return self.kind != IVFPQ

    @property
    def needs_rebuild(self) -> bool:
        """HNSW holding too many removed vectors."""
        return len(self.removed) > REBUILD_SHARE * max(1, int(self.index.ntotal))

    def __len__(self) -> int:
        return int(self.index.ntotal) - len(self.removed)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            if self.kind == HNSW:  # building the graph uses every core
                faiss.omp_set_num_threads(len(os.sched_getaffinity(0)))
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: list[int]) -> None:
        if not ids:
            return
        if self.kind == HNSW:  # no removal in FAISS's HNSW: skipped until a rebuild
            self.removed.update(int(i) for i in ids)
            return
        self.index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        params, keep = self._params(allowed)
        vector = query.reshape(1, -1).astype(np.float32)
        # one query gains nothing from OpenMP threads and loses 5x to their wake-ups on 2 busy
        # cores (measured: 39 ms with 2 threads, 7 ms with 1; flat index of 37k chunks)
        faiss.omp_set_num_threads(1)
        scores, ids = self.index.search(vector, min(k, len(self)), params=params)
        del keep
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _params(self, allowed: np.ndarray | None) -> tuple[Any, list[Any]]:
        """Search parameters restricting the ids (``allowed``; HNSW: not removed), and the
        selector objects they point to (kept alive through the search)."""
        kind = self.kind
        if kind == HNSW and self.removed:
            gone = np.fromiter(self.removed, dtype=np.int64)
            if allowed is not None:
                allowed = np.setdiff1d(np.asarray(allowed, dtype=np.int64), gone)
            else:
                batch = faiss.IDSelectorBatch(gone)
                skip = faiss.IDSelectorNot(batch)
                params = _HNSW_PARAMS(sel=skip, efSearch=EF_SEARCH)
                return params, [batch, skip]
        if allowed is None:
            return None, []
        selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        if kind == IVFPQ:
            return faiss.SearchParametersIVF(sel=selector, nprobe=NPROBE), [selector]  # type: ignore[call-arg]
        if kind == HNSW:
            return _HNSW_PARAMS(sel=selector, efSearch=EF_SEARCH), [selector]
        return faiss.SearchParameters(sel=selector), [selector]  # type: ignore[call-arg]

    def ids(self) -> np.ndarray:
        if self.kind != IVFPQ:
            ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)  # type: ignore[attr-defined]
            return np.setdiff1d(ids, np.fromiter(self.removed, np.int64)) if self.removed else ids
        ivf = faiss.extract_index_ivf(self.index)
        lists = ivf.invlists
        assert lists is not None
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(n), lists.list_size(n)).copy()
            for n in range(ivf.nlist)
            if lists.list_size(n)
        ]
        return np.sort(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, np.int64)

    def save(self, path: Path) -> None:
        """Write to a temporary name, then rename: readers see the old file or the new one.

        A failed write (disk full, read-only directory) removes the temporary file and raises
        ``IndexWriteError`` naming ``path``; the previous file stays as it was.
        """
        payload = faiss.serialize_index(self.index).tobytes()
        removed = np.asarray(sorted(self.removed), dtype=np.int64).tobytes()  # after the payload
        # unique per call: two threads of one process (a reader rebuilding the cache, a
        # writer saving it) must never write into, or rename, the same temporary file
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            with open(tmp, "wb") as handle:
                origin = self.catalog_id.encode("ascii")[:32]
                handle.write(HEADER.pack(MAGIC, self.generation, len(payload), origin))
                handle.write(payload)
                handle.write(removed)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise IndexWriteError(
                f"cannot write {path}: {exc.strerror or exc}; the catalog is intact and the "
                "vector cache is rebuilt from it on next open"
            ) from exc
        remove_stray_temporaries(path)

    @classmethod
    def load(cls, path: Path, dim: int, generation: int | None) -> VectorIndex:
        """Load the cache or raise StaleCache saying why it cannot be used (``generation``
        None: whichever generation the file is from)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StaleCache(f"{path} is missing") from None
        header = HEADER_V1 if data[:8] == MAGIC_V1 else HEADER
        if len(data) < header.size:
            raise StaleCache(f"{path} is truncated")
        magic, file_generation, size, *origin = header.unpack_from(data)
        extra = len(data) - header.size - size  # HNSW's removed ids (int64) follow the payload
        if magic not in (MAGIC, MAGIC_V1) or extra < 0 or extra % 8 or (extra and not origin):
            raise StaleCache(f"{path} is damaged or truncated")
        if generation is not None and file_generation != generation:
            raise OutdatedCache(
                f"{path} is from generation {file_generation}, catalog at {generation}"
            )
        try:
            payload = np.frombuffer(data, dtype=np.uint8, offset=header.size, count=size)
            index = faiss.deserialize_index(payload)
        except RuntimeError as exc:
            raise StaleCache(f"{path} cannot be read by FAISS ({exc})") from None
        if index.d != dim:
            raise StaleCache(f"{path} has dimension {index.d}, catalog has {dim}")
        ann = cls(dim, file_generation, index)
        if extra:
            ann.removed = set(np.frombuffer(data, np.int64, offset=header.size + size).tolist())
        ann.catalog_id = origin[0].rstrip(b"\0").decode("ascii", "replace") if origin else ""
        return ann


def remove_stray_temporaries(path: Path) -> None:
    """Delete temporary cache files left by writers that died before their rename."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 :].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
            log.info("removed %s, left by a writer that stopped", tmp)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
