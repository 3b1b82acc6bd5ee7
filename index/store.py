"""An opened index directory: the SQLite catalog, the FAISS cache and the model it was built with.

Opening is cheap (no model load). The embedder and the vector cache load on first use; the
cache is reloaded or rebuilt from SQLite whenever the catalog's generation moved on, so a
reader always sees one committed generation, never a half-written one.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.catalog.catalog import SCHEMA_VERSION, Catalog, CatalogError, IndexWriteError
from index.catalog.db import now_iso
from index.encoding.ann import (
    EXACT_FILTERED,
    FLAT,
    IVFPQ,
    MIN_TRAINED,
    RERANK,
    OutdatedCache,
    StaleCache,
    VectorIndex,
    kind_for,
)
from index.encoding.embedding import Encoder
from index.encoding.encoders import encoder_for
from index.settings import IndexSettings
from index.stories.grouper import StoryGrouper, regroup_all
from index.text.chunking import Chunker, ChunkerConfig
from index.text.tokenization import load_tokenizer
from index.write_lock import IndexBusy, hold_write_lock

log = logging.getLogger(__name__)


class IndexNotFound(RuntimeError):
    pass


class IndexMismatch(RuntimeError):
    """The index was built with another model, dimension or schema."""


class IndexReadOnly(PermissionError):
    """A write to an index opened as a read-only replica."""


__all__ = [
    "IndexBusy",
    "IndexMismatch",
    "IndexNotFound",
    "IndexReadOnly",
    "IndexWriteError",
    "NewsIndex",
]


class NewsIndex:
    def __init__(
        self, settings: IndexSettings, catalog: Catalog, embedder: Encoder | None = None
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self._embedder = embedder
        self._vectors: VectorIndex | None = None
        self._vectors_lock = threading.Lock()
        self._chunker: Chunker | None = None
        self._cited_pending: set[tuple[str, int]] = set()  # keys handed out, not yet recorded
        self._check_compatible()

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls, settings: IndexSettings, *, embedder: Encoder | None = None, create: bool = False
    ) -> NewsIndex:
        path = settings.catalog_path
        if not path.exists():
            if not create or settings.read_only:
                raise IndexNotFound(f"no index at {settings.home} yet: run 'newsrag ingest PATH'")
            _drop_orphan_cache(settings)
        else:
            _refuse_emptied_catalog(settings)
        return cls(settings, open_catalog(path, readonly=settings.read_only), embedder)

    @staticmethod
    def exists(settings: IndexSettings) -> bool:
        return settings.catalog_path.exists()

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def embedder(self) -> Encoder:
        if self._embedder is None:
            self._embedder = encoder_for(self.settings)
        return self._embedder

    @property
    def model_name(self) -> str:
        return self.catalog.meta().get("model") or self.embedder.name

    @property
    def dim(self) -> int:
        return int(self.catalog.meta().get("dim") or self.embedder.dim)

    @property
    def chunker_config(self) -> ChunkerConfig:
        stored = self.catalog.meta().get("chunker")
        if stored:
            return ChunkerConfig(**json.loads(stored))
        window = min(self.settings.chunk_tokens, self.embedder.spec.max_tokens)
        return ChunkerConfig(max_tokens=window, overlap_tokens=self.settings.overlap_tokens)

    @property
    def chunker(self) -> Chunker:
        if self._chunker is None:
            self._chunker = Chunker(load_tokenizer(self.embedder.spec.path), self.chunker_config)
        return self._chunker

    def _check_compatible(self) -> None:
        meta = self.catalog.meta()
        if not meta.get("model"):
            return
        found = int(meta.get("schema_version", SCHEMA_VERSION))
        if found != SCHEMA_VERSION:
            how = (
                "open it once with write access (any newsrag command on a writable home "
                "upgrades it in place)"
                if found < SCHEMA_VERSION
                else "use a newer newsrag"
            )
            raise IndexMismatch(
                f"{self.catalog.path}: schema version {found}, this newsrag reads version "
                f"{SCHEMA_VERSION}: {how}"
            )
        wanted = self.embedder
        if meta["model"] != wanted.name or int(meta["dim"]) != wanted.dim:
            raise IndexMismatch(
                f"index at {self.settings.home} was built with model {meta['model']} "
                f"({meta['dim']}-d) but this run uses {wanted.name} ({wanted.dim}-d): use "
                f"--model {meta['model']} (or NEWSRAG_MODEL), or rebuild with "
                f"'newsrag reindex --model {wanted.name}'"
            )

    def init_meta_values(self) -> dict[str, object]:
        """The meta rows a fresh index records with its first write."""
        return {
            "schema_version": str(SCHEMA_VERSION),
            "model": self.embedder.name,
            "dim": str(self.embedder.dim),
            "chunker": self.chunker_config.to_dict(),
            "catalog_id": uuid.uuid4().hex,  # the vector cache says which catalog it mirrors
        }

    # -- vectors ------------------------------------------------------------------------------
    @property
    def vectors(self) -> VectorIndex:
        """The FAISS cache for the catalog's current generation (reloaded when it moved)."""
        with self._vectors_lock:
            generation = self.catalog.generation
            if self._vectors is None or self._vectors.generation != generation:
                self._vectors = self._load_or_rebuild(generation)
            return self._vectors

    def _load_or_rebuild(self, generation: int) -> VectorIndex:
        """The cache file when it is of ``generation``; else the file caught up with the
        catalog (``_catch_up``); else a rebuild from the catalog. Saved unless read-only."""
        path, save = self.settings.vectors_path, not self.settings.read_only
        try:
            loaded = VectorIndex.load(path, self.dim, generation)
            mine = self.catalog.meta().get("catalog_id", "")
            if loaded.catalog_id and mine and loaded.catalog_id != mine:
                raise StaleCache(f"{path} mirrors another catalog")
            return loaded
        except StaleCache as reason:
            caught = self._catch_up(path) if isinstance(reason, OutdatedCache) else None
            if caught is not None:
                if save:
                    self._save_quietly(caught)
                return caught
            if path.exists() or self.catalog.articles.counts()["chunks"]:
                level = logging.INFO if isinstance(reason, OutdatedCache) else logging.WARNING
                log.log(level, "vector cache: %s; rebuilding from %s", reason, self.catalog.path)
            return self.rebuild_vectors(save=save)

    def _catch_up(self, path: Path) -> VectorIndex | None:
        """The cache file of an older generation brought to the catalog's: the chunks added
        since are added to it, the ones gone removed (chunk ids are never reused, a chunk's
        vector never changes). A replica follows a writer's commits this way, without reading
        every vector again or retraining IVF-PQ. None when the file cannot be read."""
        try:
            ann = VectorIndex.load(path, self.dim, None)
        except StaleCache:
            return None
        if not ann.catalog_id or ann.catalog_id != self.catalog.meta().get("catalog_id"):
            return None  # another catalog's cache (a reindex swapping files), or unmarked
        with self.catalog.snapshot():  # one snapshot: the generation and the chunk ids agree
            generation = self.catalog.generation
            now = self.catalog.articles.embedded_chunk_ids()
            have = ann.ids()
            found, vectors = self.catalog.articles.vectors_of(
                np.setdiff1d(now, have).tolist(), self.dim
            )
        ann.remove(np.setdiff1d(have, now).tolist())
        ann.add(found, vectors)
        ann.generation = generation
        log.info("vector cache: caught up to generation %d (+%d vectors)", generation, len(found))
        return ann

    def rebuild_vectors(self, save: bool) -> VectorIndex:
        with self.catalog.snapshot():  # one snapshot: the generation and the vectors agree
            generation = self.catalog.generation
            ids, vectors = self.catalog.articles.all_vectors(self.dim)
        kind = kind_for(len(ids), self.catalog.meta().get("ann") or None)
        ann = VectorIndex.build(self.dim, ids, vectors, generation, kind)
        ann.catalog_id = self.catalog.meta().get("catalog_id", "")
        if save:
            self._save_quietly(ann)
        return ann

    def fitted(self, ann: VectorIndex) -> VectorIndex:
        """``ann``, or a rebuild of the kind its size now asks for (an index that grew past
        ``IVFPQ_FROM`` becomes IVF-PQ at the end of the ingest that took it there; an HNSW
        graph holding too many removed vectors is built again)."""
        wanted = kind_for(len(ann), self.catalog.meta().get("ann") or None)
        untrainable = wanted == IVFPQ and len(ann) < MIN_TRAINED
        if (ann.kind == wanted or untrainable) and not ann.needs_rebuild:
            return ann
        log.info("vector cache: %d vectors, rebuilding it as %s", len(ann), wanted)
        return self.rebuild_vectors(save=False)

    def _save_quietly(self, ann: VectorIndex) -> None:
        try:
            ann.save(self.settings.vectors_path)
        except OSError as exc:  # a read-only home still answers from memory
            log.warning("could not write %s: %s", self.settings.vectors_path, exc)

    def adopt_vectors(self, ann: VectorIndex, save: bool = True) -> str | None:
        """Install an in-memory cache a writer kept current; persist it when asked.

        The write it follows is already committed in the catalog (the truth), so a cache that
        cannot be written (disk full, read-only) is no failure of that write: the reason is
        returned, for the caller to pass on as a warning, and the stale file on disk is
        rebuilt from the catalog on the next open."""
        ann.catalog_id = self.catalog.meta().get("catalog_id", "")
        with self._vectors_lock:
            self._vectors = ann
        if not save or self.settings.read_only:
            return None
        try:
            ann.save(self.settings.vectors_path)
        except IndexWriteError as exc:
            log.warning("%s", exc)
            return f"vector cache not saved: {exc}"
        return None

    def regroup_stories(self) -> int:
        """Group every article into stories again, oldest first (``newsrag story --rebuild``);
        how many stories. Stories change no passage: the generation stays."""
        with self.write_lock(), self.catalog.transaction(content=False) as conn:
            return StoryGrouper(self.catalog.stories).regroup_all(conn)

    def save_vectors(self) -> str | None:
        """Persist the in-memory cache (after writes made with ``save_cache=False``): None, or
        why it could not be saved."""
        return self.adopt_vectors(self.vectors, save=True)

    def dense(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k chunk ids by inner product; ``allowed`` restricts the ids before the cut.

        On an IVF-PQ cache the candidates are re-scored exactly from the float16 vectors in
        SQLite; on any approximate cache a filter that leaves few passages is scored exactly
        outright."""
        vectors = self.vectors
        if vectors.kind == FLAT:
            return vectors.search(query, k, allowed)
        if allowed is not None and len(allowed) <= EXACT_FILTERED:  # a graph or lists would
            return self._exactly(query, [int(i) for i in allowed], k)  # miss a few allowed ids
        if vectors.exact:  # HNSW: its scores are exact inner products already
            return vectors.search(query, k, allowed)
        candidates = [i for i, _ in vectors.search(query, RERANK * k, allowed)]
        return self._exactly(query, candidates, k)

    def _exactly(self, query: np.ndarray, ids: list[int], k: int) -> list[tuple[int, float]]:
        found, stored = self.catalog.articles.vectors_of(ids, self.dim)
        if not len(found):
            return []
        scores = stored @ np.asarray(query, dtype=np.float32).reshape(-1)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(found[i]), float(scores[i])) for i in best]

    # -- writing ------------------------------------------------------------------------------
    def note_cited(self, pairs: Iterable[tuple[str, int]]) -> None:
        """Record that citation keys naming these (article id, version) pairs were just handed
        out or resolved, so the version retention never drops their text. A version is written
        once (a short transaction of its own, no new generation; one read when all are known);
        a read-only replica cannot record (its keys are kept only while among the last
        NEWSRAG_KEEP_VERSIONS); a failed write is logged, never raised: the read it follows
        has succeeded. It never waits long for another writer: what it could not write then is
        written with the next keys this index hands out."""
        if self.catalog.readonly:
            return
        try:
            wanted = sorted(set(pairs) | self._cited_pending)
            missing = self.catalog.retention.uncited(wanted)
            if missing and not self.catalog.cite_without_waiting(missing, now_iso()):
                self._cited_pending = set(missing)  # a writer is busy: tried again next time
                return
            self._cited_pending = set()
        except (IndexWriteError, sqlite3.Error) as exc:
            log.warning("cited versions not recorded: %s", exc)

    @contextmanager
    def write_lock(self, timeout: float | None = None) -> Iterator[None]:
        if self.settings.read_only:
            raise IndexReadOnly(
                f"{self.settings.home} is open as a read-only replica: writes go to the "
                "process that writes this index"
            )
        with hold_write_lock(self.settings.home, timeout):
            yield


def open_catalog(path: Path, readonly: bool = False) -> Catalog:
    """The catalog at ``path``; one written before stories is upgraded in place, its articles
    grouped by ``index.stories`` (the catalog persists stories, it does not decide them)."""
    return Catalog(path, readonly=readonly, regroup=regroup_all)


def _drop_orphan_cache(settings: IndexSettings) -> None:
    """A vector cache without its catalog belongs to a deleted index: a new catalog would
    reach the same generation numbers, so the old file could pass for current. Remove it."""
    if settings.vectors_path.exists():
        settings.vectors_path.unlink(missing_ok=True)
        log.info("removed %s: its catalog is gone", settings.vectors_path)


def _refuse_emptied_catalog(settings: IndexSettings) -> None:
    """An empty catalog file next to a vector cache is a lost catalog, not an empty index."""
    path, vectors = settings.catalog_path, settings.vectors_path
    if path.stat().st_size == 0 and vectors.exists():
        raise CatalogError(
            f"{path} is empty but {vectors} holds vectors: the catalog was truncated or "
            f"replaced; restore it, or delete {settings.home} and ingest again"
        )
