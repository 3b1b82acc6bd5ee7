"""``newsrag embed``: give the passages ingest left without a vector (``NEWSRAG_EMBED=leads``)
theirs, the latest written first, while the index stays open to searches and other writers.

Each batch is one short write (its own transaction, under the write lock only while it
commits): a kill loses at most the batch in flight, and an ingest waits at most one batch.
A vector another passage with the same encoder input already has is reused, not computed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index.catalog.db import from_blobs
from index.ingest.embed_stage import embed_hash
from index.store import NewsIndex

BATCH = 256  # passages encoded and written per transaction
SAVE_EVERY = 16  # batches between saves of the vector cache (readers catch up meanwhile)


@dataclass
class EmbedSummary:
    """What a run of ``newsrag embed`` did."""

    embedded: int = 0  # passages given a vector this run
    encoded: int = 0  # of them, through the encoder (the rest reused a stored vector)
    remaining: int = 0  # passages still without a vector
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # e.g. a vector cache not saved

    def to_dict(self) -> dict[str, object]:
        return {
            "embedded": self.embedded,
            "encoded": self.encoded,
            "remaining": self.remaining,
            "seconds": round(self.seconds, 3),
            "warnings": list(self.warnings),
        }


Progress = Callable[[EmbedSummary], None]


def embed_awaiting(
    index: NewsIndex,
    limit: int | None = None,
    batch: int = BATCH,
    on_progress: Progress | None = None,
    save: bool = True,
) -> EmbedSummary:
    """Embed up to ``limit`` (None: every) passage still without a vector; ``save``: the
    vector cache every ``SAVE_EVERY`` batches and at the end (else the caller saves it)."""
    started = time.perf_counter()
    summary = EmbedSummary(remaining=index.catalog.articles.awaiting_count())
    wanted = summary.remaining if limit is None else min(limit, summary.remaining)
    seen = batches = 0
    while seen < wanted:
        rows = index.catalog.articles.awaiting(min(batch, wanted - seen))
        if not rows:
            break
        seen += len(rows)
        ids, vectors, encoded = _vectors_of(index, rows)
        summary.embedded += len(_write(index, ids, vectors))  # less when others filled some
        summary.encoded += encoded
        batches += 1
        if save and batches % SAVE_EVERY == 0:
            _save(index, summary)
        summary.remaining = index.catalog.articles.awaiting_count()
        summary.seconds = time.perf_counter() - started
        if on_progress is not None:
            on_progress(summary)
    if save:
        _save(index, summary)
    summary.remaining = index.catalog.articles.awaiting_count()
    summary.seconds = time.perf_counter() - started
    return summary


def _vectors_of(
    index: NewsIndex, rows: list[tuple[int, str, str]]
) -> tuple[list[int], np.ndarray, int]:
    """The vectors of ``rows`` (chunk id, title, text), reusing stored ones; how many were
    computed."""
    texts = [index.chunker.embed_text(title, text) for _, title, text in rows]
    hashes = [embed_hash(index.embedder.name, t) for t in texts]
    stored = index.catalog.articles.embeddings_by_hash(hashes)
    todo = {h: t for h, t in zip(hashes, texts, strict=True) if h not in stored}
    if todo:
        fresh = index.embedder.encode_documents(list(todo.values()))
        for h, vector in zip(todo, fresh, strict=True):
            stored[h] = np.asarray(vector, dtype=np.float16).tobytes()
    return [r[0] for r in rows], from_blobs([stored[h] for h in hashes], index.dim), len(todo)


def _write(index: NewsIndex, ids: list[int], vectors: np.ndarray) -> list[int]:
    """One transaction: the vectors into the catalog, then into the in-memory cache."""
    with index.write_lock():
        ann = index.vectors  # current with the catalog (another writer may have moved it)
        with index.catalog.transaction() as conn:
            filled = index.catalog.articles.fill_vectors(conn, ids, vectors)
        keep = np.isin(np.asarray(ids, dtype=np.int64), filled)
        ann.add(np.asarray(ids, dtype=np.int64)[keep], vectors[keep])
        ann.generation = index.catalog.generation
        index.adopt_vectors(ann, save=False)
    return filled


def _save(index: NewsIndex, summary: EmbedSummary) -> None:
    with index.write_lock():
        problem = index.save_vectors()
    if problem:
        summary.warnings.append(problem)
