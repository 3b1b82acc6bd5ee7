"""Ingest: loaders → plan (content hashes) → chunk → embed (reusing known vectors) → write.

A pipeline with one writer. The calling thread loads, plans and (by default) chunks articles,
hands full batches to an embed stage and writes finished batches, in input order, each in one
SQLite transaction, so a crash leaves every article in its old or its new state. The default
stage (``index/ingest/embed_stage.py``) encodes on a background thread, so parsing, chunking and
writing overlap the encoder; ``index.ingest.sharding.ShardStage`` sends batches to worker processes
that chunk and embed them into shard files instead. Unchanged articles cost a hash comparison;
chunks whose embedded text was seen before reuse the stored vector instead of running the
encoder.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.catalog.db import now_iso
from index.catalog.versions import next_valid_from
from index.ingest.embed_stage import (
    BULK_BYTES,
    EmbeddedBatch,
    EmbedStage,
    EncoderThread,
    PendingBatch,
    Planned,
    bulk_policy,
    embedded_rows,
)
from index.loaders import iter_articles
from index.records import Article, IngestStatus, LoadProblem
from index.settings import EmbedPolicy, Executor
from index.store import NewsIndex
from index.stories.grouper import StoryGrouper

log = logging.getLogger(__name__)

NO_TEXT = "no text to index"


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
    # what was done but deserves a word: an id given twice with different texts in one input
    # (the later text replaced the earlier), a vector cache that could not be written
    warnings: list[str] = field(default_factory=list)

    def count(self, status: IngestStatus) -> None:
        name = {IngestStatus.COPY: "copies"}.get(status, status.value)
        setattr(self, name, getattr(self, name) + 1)

    def note(self, problem: LoadProblem, count: bool = True) -> None:
        """Record ``problem`` (counted under its status unless ``count`` is False)."""
        if count:
            self.count(problem.status)
        self.problems.append(f"{problem.status.value}: {problem}")

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


ProgressHook = Callable[[IngestSummary], None]


class Ingestor:
    """Writes articles into an opened, write-locked index (the one writer)."""

    def __init__(
        self,
        index: NewsIndex,
        on_progress: ProgressHook | None = None,
        stage: EmbedStage | None = None,
        save_cache: bool = True,
        embed: EmbedPolicy | None = None,
    ) -> None:
        """``embed``: which passages the default stage encodes (None: the settings', ``auto``
        meaning every passage: a caller that knows an ingest is bulk says so)."""
        self.index = index
        self.embed = bulk_policy(embed or index.settings.embed, 0)
        self.save_cache = save_cache  # False: a caller writing many small runs saves it once
        self.summary = IngestSummary()
        self.on_progress = on_progress
        self._stage = stage
        self._open: list[Planned] = []
        self._open_chunks = 0
        self._open_chars = 0
        self._pending: deque[PendingBatch] = deque()
        self._ids: Counter[str] = Counter()  # articles planned and not yet written
        self._texts: dict[str, str] = {}  # text_hash -> primary planned and not yet written
        self._skipped: set[str] = set()  # primaries the stage found nothing to index in
        self._first_seen: dict[str, tuple[str, str]] = {}  # id -> (content hash, where) this run

    @property
    def stage(self) -> EmbedStage:
        if self._stage is None:
            self._stage = EncoderThread(self.index, embed=self.embed)
        return self._stage

    def run(self, items: Iterable[Article | LoadProblem]) -> IngestSummary:
        started = time.perf_counter()
        self._ensure_meta()
        self.vectors = self.index.vectors
        try:
            for item in items:
                if isinstance(item, LoadProblem):
                    self._problem(item)
                else:
                    self.add(item)
            self.flush()
        finally:
            self.stage.close()
        self.vectors = self.index.fitted(self.vectors)
        cache_problem = self.index.adopt_vectors(self.vectors, save=self.save_cache)
        if cache_problem:
            self.summary.warnings.append(cache_problem)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def add(self, article: Article) -> None:
        self._note_repeated_id(article)
        if article.id in self._ids:  # the same id twice: write the first before planning
            self.flush()
        planned = self._plan(article)
        if planned.status in (IngestStatus.UNCHANGED, IngestStatus.SKIPPED):
            self.summary.count(planned.status)
            self._progress()
            return
        self._open.append(planned)
        self._ids[article.id] += 1
        self._open_chunks += len(planned.chunks)
        self._open_chars += len(article.text) if planned.deferred else 0
        if self.stage.batch_full(self._open_chunks, self._open_chars):
            self._submit()

    def _note_repeated_id(self, article: Article) -> None:
        """An id met again in this run with another text replaces the first: say so."""
        where = article.origin or article.id
        first = self._first_seen.setdefault(article.id, (article.content_hash, where))
        if first[0] != article.content_hash:
            self._first_seen[article.id] = (article.content_hash, where)
            self.summary.warnings.append(
                f"{where}: id {article.id!r} was also given by {first[1]} with other content in "
                "this input; this later one replaced it"
            )

    def flush(self) -> None:
        """Send the open batch and write every batch in flight."""
        self._submit()
        while self._pending:
            self._complete_oldest()

    def _plan(self, article: Article) -> Planned:
        articles = self.index.catalog.articles
        state = articles.article_state(article.id)
        if state is not None and state["content_hash"] == article.content_hash:
            if _metadata_changed(state, article):
                return Planned(article, IngestStatus.UPDATED, state["copy_of"], replaces=False)
            return Planned(article, IngestStatus.UNCHANGED)
        replaces = state is not None
        status = IngestStatus.UPDATED if replaces else IngestStatus.ADDED
        primary = self._texts.get(article.text_hash) or articles.primary_with_text(
            article.text_hash, article.id
        )
        if primary is not None:
            return Planned(
                article, IngestStatus.COPY if not replaces else status, primary, replaces=replaces
            )
        if self.stage.chunks_articles:
            self._texts[article.text_hash] = article.id
            return Planned(article, status, None, [], replaces, deferred=True)
        chunks = self.index.chunker.chunk(article)
        if not chunks:
            self._no_text(article)
            return Planned(article, IngestStatus.SKIPPED)
        self._texts[article.text_hash] = article.id
        return Planned(article, status, None, chunks, replaces)

    def _submit(self) -> None:
        if not self._open:
            return
        batch, self._open = self._open, []
        self._open_chunks = self._open_chars = 0
        self._pending.append(self.stage.submit(batch))
        while len(self._pending) > self.stage.depth:
            self._complete_oldest()

    def _complete_oldest(self) -> None:
        done = self._pending.popleft().result()
        self.summary.embedded += done.embedded
        self._write(done)
        for planned in done.planned:
            self._release(planned.article)
        self._progress()

    def _release(self, article: Article) -> None:
        self._ids[article.id] -= 1
        if self._ids[article.id] <= 0:
            del self._ids[article.id]
        if self._texts.get(article.text_hash) == article.id:
            del self._texts[article.text_hash]

    def _settle(self, batch: list[Planned]) -> list[Planned]:
        """Drop what the stage found nothing to index in, and copies of it; count them."""
        kept = []
        for planned in batch:
            if planned.status is IngestStatus.SKIPPED or planned.copy_of in self._skipped:
                self._skipped.add(planned.article.id)
                self._no_text(planned.article)
                self.summary.count(IngestStatus.SKIPPED)
            else:
                kept.append(planned)
        return kept

    def _write(self, done: EmbeddedBatch) -> None:
        catalog = self.index.catalog
        batch, vectors, hashes = self._settle(done.planned), done.vectors, done.hashes
        if not batch:  # nothing to write: the generation stays where it is
            return
        removed: list[int] = []
        added_ids: list[int] = []
        offset = 0
        with catalog.transaction() as conn:
            for planned in batch:
                article = planned.article
                removed += self._replace(conn, planned)
                n = len(planned.chunks)
                added_ids += catalog.articles.insert_chunks(
                    conn,
                    article.title,
                    planned.chunks,
                    hashes[offset : offset + n],
                    vectors[offset : offset + n],
                )
                offset += n
            StoryGrouper(catalog.stories).group(conn, [planned.article.id for planned in batch])
        self.vectors.remove(removed)
        has = embedded_rows(vectors)  # passages left for ``newsrag embed`` have no vector yet
        self.vectors.add(np.asarray(added_ids, dtype=np.int64)[has], vectors[has])
        self.vectors.generation = catalog.generation
        self._count_written(batch)

    def _replace(self, conn: sqlite3.Connection, planned: Planned) -> list[int]:
        """Write the article row; a changed text keeps the old one as a version (its passages
        kept with it, unless copies that share the old text inherit them). The chunk ids that
        leave the searched index."""
        catalog, article = self.index.catalog, planned.article
        state = catalog.versions.version_state(article.id)
        if state is None:  # new, or added again after a deletion (its tombstone stays, for
            # keys made against the deleted text)
            catalog.articles.upsert_article(conn, article, planned.copy_of)
            return []
        if state.text_hash == article.text_hash:  # same text (or metadata): no new version
            removed = []
            if planned.replaces and catalog.articles.promote_first_copy(conn, article.id) is None:
                removed = catalog.articles.delete_chunks(conn, article.id)
            catalog.articles.upsert_article(
                conn, article, planned.copy_of, state.version, state.valid_from
            )
            return removed
        stamp = now_iso()
        version = catalog.versions.archive_version(conn, article.id, stamp)
        removed = []
        if catalog.articles.promote_first_copy(conn, article.id) is None:
            removed = catalog.versions.keep_version_chunks(conn, article.id, version)
        since = next_valid_from(article.modified_at, state, stamp)
        catalog.articles.upsert_article(conn, article, planned.copy_of, version + 1, since)
        catalog.retention.prune_versions(conn, article.id, self.index.settings.keep_versions)
        return removed

    def _count_written(self, batch: list[Planned]) -> None:
        for planned in batch:
            self.summary.count(planned.status)
            self.summary.chunks += len(planned.chunks)
            if planned.chunks:
                self.summary.chars += len(planned.article.text)

    def _ensure_meta(self) -> None:
        meta = self.index.catalog.meta()
        if not meta.get("model"):
            with self.index.catalog.transaction() as conn:
                self.index.catalog.set_meta(conn, self.index.init_meta_values())
        elif not meta.get("catalog_id"):  # a catalog made before caches said whose they are
            with self.index.catalog.transaction() as conn:
                self.index.catalog.set_meta(conn, {"catalog_id": uuid.uuid4().hex})

    def _no_text(self, article: Article) -> None:
        where = article.origin or article.id
        self._problem(LoadProblem(where, NO_TEXT, "text", IngestStatus.SKIPPED), count=False)

    def _problem(self, problem: LoadProblem, count: bool = True) -> None:
        self.summary.note(problem, count)
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
        row["modified_at"],
    ) != (
        article.url,
        article.source,
        list(article.authors),
        article.published_at,
        article.section,
        article.title_is_fallback,
        article.modified_at,
    )


def ingest_paths(
    index: NewsIndex,
    paths: Iterable[str | Path],
    on_progress: ProgressHook | None = None,
    workers: int | None = None,
    on_article: Callable[[Article], None] | None = None,
) -> IngestSummary:
    """Ingest files and folders into ``index`` under the write lock; ``on_article`` is told of
    each article as it is read (before it is indexed).

    ``workers`` (default ``settings.workers``) above 1 chunks and embeds in that many local
    processes (shard and merge, ``index.ingest.sharding``); this process stays the only writer.
    0 decides by input size (``sharding.auto_workers``). ``settings.executor`` ray: the blocks
    go to that many encoder actors on Ray instead (``index.ingest.ray_executor``; 0: the cluster's
    CPUs decide).
    """
    from index.ingest.sharding import (
        auto_workers,
        input_bytes,
        local_shard_stage,
        remove_stale_shards,
    )

    paths = list(paths)
    settings = index.settings
    on_ray = settings.executor == Executor.RAY
    workers = workers or settings.workers or (0 if on_ray else auto_workers(index, paths))
    embed = bulk_policy(settings.embed, input_bytes(paths, BULK_BYTES))
    with index.write_lock():
        items = _told(iter_articles(paths, max_file_bytes=settings.max_file_bytes), on_article)
        stage: EmbedStage | None = None
        remove_stale_shards(settings.home)
        if on_ray:
            from index.ingest.ray_executor import ray_shard_stage

            stage = ray_shard_stage(index, workers, settings.ray_address, embed)
        elif workers > 1:
            stage = local_shard_stage(index, workers, embed=embed)
        return Ingestor(index, on_progress, stage, embed=embed).run(items)


def _told(
    items: Iterable[Article | LoadProblem], on_article: Callable[[Article], None] | None
) -> Iterator[Article | LoadProblem]:
    for item in items:
        if on_article is not None and isinstance(item, Article):
            on_article(item)
        yield item
