"""Ingest: loaders → plan (content hashes) → chunk → embed (reusing known vectors) → write.

Each batch of articles is written in one SQLite transaction, so a crash leaves every article in
its old or its new state. Unchanged articles cost a hash comparison; chunks whose embedded text
was seen before reuse the stored vector instead of running the encoder.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.catalog import from_blobs
from index.loaders import iter_articles
from index.records import Article, Chunk, IngestStatus, LoadProblem, sha256_hex
from index.store import NewsIndex

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    copies: int = 0
    skipped: int = 0
    failed: int = 0
    chunks: int = 0  # chunks written
    embedded: int = 0  # chunks that went through the encoder (the rest reused vectors)
    chars: int = 0  # article characters of added/updated articles
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def count(self, status: IngestStatus) -> None:
        name = {IngestStatus.COPY: "copies"}.get(status, status.value)
        setattr(self, name, getattr(self, name) + 1)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class _Planned:
    article: Article
    status: IngestStatus
    copy_of: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    replaces: bool = False  # an older version's chunks leave the catalog


ProgressHook = Callable[[IngestSummary], None]


class Ingestor:
    """Writes articles into an opened, write-locked index."""

    def __init__(self, index: NewsIndex, on_progress: ProgressHook | None = None) -> None:
        self.index = index
        self.summary = IngestSummary()
        self.on_progress = on_progress
        self._batch: list[_Planned] = []
        self._batch_ids: set[str] = set()
        self._batch_texts: dict[str, str] = {}  # text_hash -> id of a primary in this batch
        self._pending_chunks = 0

    def run(self, items: Iterable[Article | LoadProblem]) -> IngestSummary:
        started = time.perf_counter()
        self._ensure_meta()
        self.vectors = self.index.vectors
        for item in items:
            if isinstance(item, LoadProblem):
                self._problem(item)
            else:
                self.add(item)
        self.flush()
        self.index.adopt_vectors(self.vectors, save=True)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def add(self, article: Article) -> None:
        if article.id in self._batch_ids:
            self.flush()
        planned = self._plan(article)
        if planned.status in (IngestStatus.UNCHANGED, IngestStatus.SKIPPED):
            self.summary.count(planned.status)
            self._progress()
            return
        self._batch.append(planned)
        self._batch_ids.add(article.id)
        self._pending_chunks += len(planned.chunks)
        if self._pending_chunks >= self.index.settings.commit_chunks:
            self.flush()

    def _plan(self, article: Article) -> _Planned:
        state = self.index.catalog.article_state(article.id)
        if state is not None and state["content_hash"] == article.content_hash:
            if _metadata_changed(state, article):
                return _Planned(article, IngestStatus.UPDATED, state["copy_of"], replaces=False)
            return _Planned(article, IngestStatus.UNCHANGED)
        replaces = state is not None
        status = IngestStatus.UPDATED if replaces else IngestStatus.ADDED
        primary = self._batch_texts.get(article.text_hash) or self.index.catalog.primary_with_text(
            article.text_hash, article.id
        )
        if primary is not None:
            return _Planned(
                article, IngestStatus.COPY if not replaces else status, primary, replaces=replaces
            )
        chunks = self.index.chunker.chunk(article)
        if not chunks:
            self._problem(
                LoadProblem(
                    article.origin or article.id, "no text to index", "text", IngestStatus.SKIPPED
                ),
                count=False,
            )
            return _Planned(article, IngestStatus.SKIPPED)
        self._batch_texts[article.text_hash] = article.id
        return _Planned(article, status, None, chunks, replaces)

    def flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        self._batch_ids.clear()
        self._batch_texts.clear()
        self._pending_chunks = 0
        vectors, hashes = self._embed(batch)
        self._write(batch, vectors, hashes)
        self._progress()

    def _embed(self, batch: list[_Planned]) -> tuple[np.ndarray, list[str]]:
        chunker, model = self.index.chunker, self.index.embedder.name
        texts = [chunker.embed_text(p.article.title, c.text) for p in batch for c in p.chunks]
        hashes = [sha256_hex(model + "\x00" + t)[:32] for t in texts]
        known = self.index.catalog.embeddings_by_hash(hashes)
        todo = sorted({h: t for h, t in zip(hashes, texts, strict=True) if h not in known}.items())
        if todo:
            fresh = self.index.embedder.encode_documents([t for _, t in todo])
            for (h, _), vector in zip(todo, fresh, strict=True):
                known[h] = vector.astype(np.float16).tobytes()
            self.summary.embedded += len(todo)
        return from_blobs([known[h] for h in hashes], self.index.dim), hashes

    def _write(self, batch: list[_Planned], vectors: np.ndarray, hashes: list[str]) -> None:
        catalog = self.index.catalog
        removed: list[int] = []
        added_ids: list[int] = []
        offset = 0
        with catalog.transaction() as conn:
            for planned in batch:
                article = planned.article
                # old chunks go, unless copies that share the old text inherit them
                if planned.replaces and catalog.promote_first_copy(conn, article.id) is None:
                    removed += catalog.delete_chunks(conn, article.id)
                catalog.upsert_article(conn, article, planned.copy_of)
                n = len(planned.chunks)
                added_ids += catalog.insert_chunks(
                    conn,
                    article.title,
                    planned.chunks,
                    hashes[offset : offset + n],
                    vectors[offset : offset + n],
                )
                offset += n
        self.vectors.remove(removed)
        self.vectors.add(np.asarray(added_ids, dtype=np.int64), vectors)
        self.vectors.generation = catalog.generation
        for planned in batch:
            self.summary.count(planned.status)
            self.summary.chunks += len(planned.chunks)
            if planned.chunks:
                self.summary.chars += len(planned.article.text)

    def _ensure_meta(self) -> None:
        if not self.index.catalog.meta().get("model"):
            with self.index.catalog.transaction() as conn:
                self.index.catalog.set_meta(conn, self.index.init_meta_values())

    def _problem(self, problem: LoadProblem, count: bool = True) -> None:
        if count:
            self.summary.count(problem.status)
        self.summary.problems.append(f"{problem.status.value}: {problem}")
        level = logging.WARNING if problem.status is IngestStatus.FAILED else logging.INFO
        log.log(level, "%s", problem)

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.summary)


def _metadata_changed(row: sqlite3.Row, article: Article) -> bool:
    return (
        row["url"],
        row["source"],
        json.loads(row["authors"] or "[]"),
        row["published_at"],
        row["section"],
        bool(row["title_is_fallback"]),
    ) != (
        article.url,
        article.source,
        list(article.authors),
        article.published_at,
        article.section,
        article.title_is_fallback,
    )


def ingest_paths(
    index: NewsIndex, paths: Iterable[str | Path], on_progress: ProgressHook | None = None
) -> IngestSummary:
    """Ingest files and folders into ``index`` under the write lock."""
    with index.write_lock():
        items = iter_articles(paths, max_file_bytes=index.settings.max_file_bytes)
        return Ingestor(index, on_progress).run(items)
