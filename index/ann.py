"""The FAISS vector cache: ``IndexIDMap2(IndexFlatIP)`` keyed by chunk id.

It is only a cache of the float16 vectors in SQLite. The file carries a small header with the
catalog generation it was built from and its payload length, is written to a temporary name
and renamed, and is rebuilt from SQLite whenever it is missing, truncated or stale.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import uuid
from pathlib import Path

import faiss
import numpy as np

from index.catalog import IndexWriteError

log = logging.getLogger(__name__)

MAGIC = b"NRFAISS1"
HEADER = struct.Struct("<8sQQ")  # magic, generation, payload bytes


class StaleCache(Exception):
    """The file is missing, damaged or from another generation; the message says which."""


class OutdatedCache(StaleCache):
    """A sound file from another generation: normal while a writer is between its commits and
    its cache write, or after a crash in between."""


class VectorIndex:
    def __init__(self, dim: int, generation: int = 0, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self.generation = generation
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray, generation: int) -> VectorIndex:
        ann = cls(dim, generation)
        ann.add(ids, vectors)
        return ann

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: list[int]) -> None:
        if ids:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        vector = query.reshape(1, -1).astype(np.float32)
        # one query gains nothing from OpenMP threads and loses 5x to their wake-ups on 2 busy
        # cores (measured: 39 ms with 2 threads, 7 ms with 1; flat index of 37k chunks)
        faiss.omp_set_num_threads(1)
        scores, ids = self.index.search(vector, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def ids(self) -> np.ndarray:
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)  # type: ignore[attr-defined]

    def save(self, path: Path) -> None:
        """Write to a temporary name, then rename: readers see the old file or the new one.

        A failed write (disk full, read-only directory) removes the temporary file and raises
        ``IndexWriteError`` naming ``path``; the previous file stays as it was.
        """
        payload = faiss.serialize_index(self.index).tobytes()
        # unique per call: two threads of one process (a reader rebuilding the cache, a
        # writer saving it) must never write into, or rename, the same temporary file
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(HEADER.pack(MAGIC, self.generation, len(payload)))
                handle.write(payload)
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
    def load(cls, path: Path, dim: int, generation: int) -> VectorIndex:
        """Load the cache or raise StaleCache saying why it cannot be used."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StaleCache(f"{path} is missing") from None
        if len(data) < HEADER.size:
            raise StaleCache(f"{path} is truncated")
        magic, file_generation, size = HEADER.unpack_from(data)
        if magic != MAGIC or len(data) != HEADER.size + size:
            raise StaleCache(f"{path} is damaged or truncated")
        if file_generation != generation:
            raise OutdatedCache(
                f"{path} is from generation {file_generation}, catalog at {generation}"
            )
        try:
            index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8, offset=HEADER.size))
        except RuntimeError as exc:
            raise StaleCache(f"{path} cannot be read by FAISS ({exc})") from None
        if index.d != dim:
            raise StaleCache(f"{path} has dimension {index.d}, catalog has {dim}")
        return cls(dim, generation, index)


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
