"""The embed stage of ingest: planned articles in, one vector per chunk out, reusing every
vector the catalog already holds for the same encoder input (its embed hash).

Under ``NEWSRAG_EMBED=leads`` (what ``auto``, the default, picks for a bulk ingest of
``BULK_BYTES`` or more) only each article's first ``EAGER_PASSAGES`` passages go through the
encoder; the others come out as zero rows ("not embedded yet"), are stored without a vector
and searched by keyword until ``newsrag embed`` (index.ingest.backfill) gives them one. News
carries its story in the lead: on the dev questions this kept every retrieval figure
(docs/BENCHMARKS.md, "Late vectors") for a quarter of the encoder's work.

``EncoderThread`` (the default) encodes on one background thread of this process;
``index.ingest.sharding.ShardStage`` implements the same ``EmbedStage`` with worker processes. Both
``ingestor`` (the writer) and ``sharding`` use what is here, and neither the other's.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.catalog.db import from_blobs
from index.records import Article, Chunk, IngestStatus
from index.settings import EmbedPolicy
from index.stories.signals import LEAD_CHUNKS
from index.text.chunking import Chunker
from index.text.hashing import sha256_hex

if TYPE_CHECKING:
    from index.store import NewsIndex

EAGER_PASSAGES = LEAD_CHUNKS  # embedded at ingest under ``leads``: the story grouper reads them
BULK_BYTES = 4_000_000  # ``auto``: from this much input, leads (≈ 400 articles, minutes saved)


def bulk_policy(policy: EmbedPolicy, size: int) -> EmbedPolicy:
    """``policy`` for an ingest of ``size`` bytes: ``auto`` is leads for bulk, else all."""
    if policy is not EmbedPolicy.AUTO:
        return policy
    return EmbedPolicy.LEADS if size >= BULK_BYTES else EmbedPolicy.ALL


@dataclass
class Planned:
    """An article on its way into the catalog, with what writing it will do."""

    article: Article
    status: IngestStatus
    copy_of: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    replaces: bool = False  # an older version's chunks leave the catalog
    deferred: bool = False  # the embed stage chunks it (worker processes)


@dataclass
class EmbeddedBatch:
    """A batch back from the embed stage: one vector and embed hash per chunk, in order."""

    planned: list[Planned]
    vectors: np.ndarray
    hashes: list[str]
    embedded: int  # chunks that went through the encoder


class PendingBatch(Protocol):
    def result(self) -> EmbeddedBatch: ...


class EmbedStage(Protocol):
    """Turns planned batches into vectors, possibly elsewhere, while the writer moves on."""

    chunks_articles: bool  # True: the stage chunks articles itself (planning leaves them whole)
    depth: int  # batches in flight besides the one being written

    def batch_full(self, chunks: int, chars: int) -> bool: ...

    def submit(self, batch: list[Planned]) -> PendingBatch: ...

    def close(self) -> None: ...


def embed_texts(chunker: Chunker, batch: Sequence[Planned]) -> list[str]:
    """The encoder inputs of a batch: title prefix + chunk text, chunk by chunk."""
    return [chunker.embed_text(p.article.title, c.text) for p in batch for c in p.chunks]


def embed_hash(model: str, text: str) -> str:
    """Identity of an encoder input under a model: equal inputs share one stored vector."""
    return sha256_hex(model + "\x00" + text)[:32]


def vectors_for(hashes: Sequence[str], stored: dict[str, bytes], dim: int) -> np.ndarray:
    """One row per hash from float16 blobs (the vectors FAISS and SQLite both hold); a hash
    with no vector yet gives a zero row (stored as "not embedded", ``db.to_blob``)."""
    zero = bytes(2 * dim)
    return from_blobs([stored.get(h, zero) for h in hashes], dim)


def embedded_rows(vectors: np.ndarray) -> np.ndarray:
    """Which rows of a batch's vectors are vectors (the others: not embedded yet)."""
    return np.asarray(np.any(vectors != 0, axis=1), dtype=bool)


def to_encode(
    hashes: Sequence[str],
    texts: Sequence[str],
    ordinals: Sequence[int],
    stored: dict[str, bytes],
    policy: EmbedPolicy,
) -> dict[str, str]:
    """Embed hash → encoder input of what the encoder runs on now: inputs with no stored
    vector that ``policy`` wants at ingest (all, or only passages among the lead)."""
    return {
        h: t
        for h, t, ordinal in zip(hashes, texts, ordinals, strict=True)
        if h not in stored and (policy is not EmbedPolicy.LEADS or ordinal < EAGER_PASSAGES)
    }


class _ThreadPending:
    def __init__(
        self,
        batch: list[Planned],
        hashes: list[str],
        stored: dict[str, bytes],
        todo: list[str],
        future: Future[np.ndarray],
        dim: int,
    ) -> None:
        self.batch, self.hashes, self.stored, self.todo = batch, hashes, stored, todo
        self.future, self.dim = future, dim

    def result(self) -> EmbeddedBatch:
        fresh = self.future.result()
        for h, vector in zip(self.todo, fresh, strict=True):
            self.stored[h] = vector.astype(np.float16).tobytes()
        vectors = vectors_for(self.hashes, self.stored, self.dim)
        return EmbeddedBatch(self.batch, vectors, self.hashes, len(self.todo))


class EncoderThread:
    """The default stage: this process's encoder, on one background thread.

    Stored vectors are looked up on the calling thread (the catalog connection stays on it);
    only ``encode_documents`` runs on the encoder thread, which releases the GIL inside ONNX
    Runtime / torch, so the caller parses, chunks and writes meanwhile.
    """

    chunks_articles = False

    def __init__(
        self, index: NewsIndex, overlap: bool = True, embed: EmbedPolicy = EmbedPolicy.ALL
    ) -> None:
        self.index = index
        self.embed = embed
        self.depth = 1 if overlap else 0  # 0: wait for each batch (no overlap; for benchmarks)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="newsrag-encoder")

    def batch_full(self, chunks: int, chars: int) -> bool:
        return chunks >= self.index.settings.commit_chunks

    def submit(self, batch: list[Planned]) -> PendingBatch:
        texts = embed_texts(self.index.chunker, batch)
        model = self.index.embedder.name
        hashes = [embed_hash(model, t) for t in texts]
        stored = self.index.catalog.articles.embeddings_by_hash(hashes)
        ordinals = [c.ordinal for p in batch for c in p.chunks]
        todo = to_encode(hashes, texts, ordinals, stored, self.embed)
        future = self._pool.submit(self.index.embedder.encode_documents, list(todo.values()))
        return _ThreadPending(batch, hashes, stored, list(todo), future, self.index.dim)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
