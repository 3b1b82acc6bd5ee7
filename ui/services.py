"""What the HTTP API and the chat share: readers over the index, the ask pool, the write path.

Reads (search, citation lookup, library) check out one of ``READERS`` assistants, each with its
own SQLite connection, so up to that many run at once (a connection is never shared between
threads); a thread that already holds one gets the same one back. Every index reloads its FAISS
cache when the catalog's generation moves (articles another process ingests show up without a
restart); ``SharedVectors`` hands all of them one copy, so memory does not grow with readers.

Asks (``Services.ask``, ``ask_async``) do not take a reader: they run on the ``AskPool``,
``ServerSettings.ask_concurrency`` worker threads (one per core by default) with their own
assistants, each thread at ``ask_nice`` above the request threads: searches never queue behind
an ask and take the cores first, asks use what is left, and an ask that would wait too long is
refused with ``AskBusy`` (HTTP 503 + Retry-After) rather than left to time out. A question asked
again over the same index generation is answered from ``AnswerCache`` without a worker.

Writes (ingest, delete, feed passes) go through the index's one write door, a ``Library`` over
its own ``NewsIndex``, under the index's write lock, so they never hold a transaction on a
reader's connection; the Library's reads (articles, versions, feeds) run over a reader's index.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant import (
    Answer,
    AnswerCache,
    AskRequest,
    Assistant,
    SearchCache,
    SearchFilters,
    SearchRequest,
    TokenSink,
)
from index import Article, IngestSummary, Library, NewsIndex, SearchHit, VectorIndex
from ui.ask_pool import ASK_WAITING_PER_SLOT, AskPool
from ui.settings import Settings
from ui.watching import Deliveries, WatchlistService, after_write

if TYPE_CHECKING:
    from index.feeds import FeedOutcome

log = logging.getLogger(__name__)

Progress = Callable[[IngestSummary], None]
T = TypeVar("T")

READERS = 2 * (os.cpu_count() or 1)  # searches and lookups served at once (a lookup is


# quick: it should not wait for a reader behind searches)
class SharedVectors:
    """One FAISS cache in memory for every index of the process, of the current generation.

    Only memory is at stake: an index whose catalog moves on after ``attach`` still notices
    and reloads on its own (``NewsIndex.vectors``), so a read never sees a stale cache."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: VectorIndex | None = None

    def attach(self, index: NewsIndex) -> None:
        generation = index.catalog.generation
        with self._lock:
            current = self._current
            if current is None or current.generation != generation:
                current = self._current = index.vectors  # loads (once) if the index has none
        index.adopt_vectors(current, save=False)


class Services:
    def __init__(self, settings: Settings, readers: int = READERS) -> None:
        self.settings = settings
        self.vectors = SharedVectors()
        self._readers: queue.LifoQueue[Assistant] = queue.LifoQueue()
        for _ in range(max(1, readers)):
            self._readers.put(Assistant(settings))
        self._held = threading.local()
        self._reads = 0  # reads in progress (``reading``), and when the latest one ended
        self._last_read = time.monotonic()
        self._reads_lock = threading.Lock()
        self.write_lock = threading.Lock()  # this process's writers, one at a time (the filler too)
        self._pass_lock = threading.Lock()  # one feed pass at a time
        self.feed_passes = 0  # fetch passes this process ran (the Library polls it)
        self.deliveries = Deliveries(settings)  # watchlists' webhooks, off the request path
        self.watchlists = WatchlistService(settings, self.reading, self.write_lock)
        slots = settings.server.ask_concurrency or os.cpu_count() or 1
        self.ask_pool = AskPool(
            slots, self._ask_assistant, ASK_WAITING_PER_SLOT * slots, nice=settings.server.ask_nice
        )
        self.answers = AnswerCache(settings.server.answer_cache)  # a repeat skips the pool
        self.searches = SearchCache(settings.server.answer_cache)

    @contextmanager
    def reading(self, busy: bool = True) -> Iterator[Assistant]:
        """An assistant of its own for one read (search, lookup); waits while all are busy.
        A read that is not ``busy`` (a page's or a balancer's poll) leaves the server idle."""
        held: Assistant | None = getattr(self._held, "reader", None)
        if held is not None:  # a nested read in the same thread
            yield held
            return
        reader = self._readers.get()
        self._held.reader = reader
        self._count_read(busy, 1)
        try:
            self.vectors.attach(reader.index)
            yield reader
        finally:
            self._count_read(busy, -1)
            self._held.reader = None
            self._readers.put(reader)

    def _count_read(self, busy: bool, step: int) -> None:
        if busy:
            with self._reads_lock:
                self._reads += step
                self._last_read = time.monotonic()

    def idle_s(self) -> float:
        """Seconds since the last read or ask ended; 0 while one is in progress or queued."""
        with self._reads_lock:
            if self._reads or self.ask_pool.pending:
                return 0.0
            return time.monotonic() - max(self._last_read, self.ask_pool.last_done)

    def warm_up(self) -> None:
        """Load the embedding model in the background, so the first question does not wait
        (only when there is an index to ask: an empty server loads it with its first upload)."""
        if not NewsIndex.exists(self.settings.index):
            return

        def load() -> None:
            from index import encoder_for

            try:  # the query encoder (ONNX fp32 unless NEWSRAG_ENCODER=torch): no torch load
                encoder_for(self.settings.index).encode_query("warm up")
            except Exception as exc:  # a bad model name: the first request reports it
                log.info("warm-up skipped: %s", exc)

        threading.Thread(target=load, name="newsrag-warm-up", daemon=True).start()

    @property
    def writes_enabled(self) -> bool:
        return bool(self.settings.server.api_token)

    # -- reads --------------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> list[SearchHit]:
        """Ranked passages; a request searched before over this generation is not run again."""
        with self.reading() as a:
            key = self.searches.key(request, a.index.catalog.generation)
            hits = self.searches.get(key) if key is not None else None
            if hits is None:
                hits = a.search(request)
                if key is not None:
                    self.searches.put(key, list(hits))
            return hits

    def language_counts(self) -> dict[str, int]:
        """Articles per language in the index, for the filter lists (empty without an index)."""
        if not NewsIndex.exists(self.settings.index):
            return {}
        with self.reading() as a:
            return a.index.catalog.articles.language_counts()

    def sources(self) -> list[str]:
        """Outlets in the index, for the filter lists (empty when there is no index yet)."""
        if not NewsIndex.exists(self.settings.index):
            return []
        with self.reading() as a:
            return a.index.catalog.articles.sources()

    def list_articles(
        self, filters: SearchFilters, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        if not NewsIndex.exists(self.settings.index):
            return 0, []
        with self.reading() as a:
            total, rows = Library.over(a.index).articles(limit, offset, filters)
        return total, [r.to_dict() for r in rows]

    def library_page(self, query: str, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """The Library's articles: those whose title or outlet has every word of ``query``
        (``Library.find``), each with the key of its first passage (``cite``)."""
        if not NewsIndex.exists(self.settings.index):
            return 0, []
        with self.reading() as a:
            return Library.over(a.index).page(query, limit)

    def library_stamp(self) -> tuple[int, int]:
        """What moves when the Library would read differently: the catalog's generation (an
        ingest, a delete, a feed's articles, from any process) and the feed passes run here
        (a feed's state); a cheap read, for the page to poll."""
        return (self.generation(busy=False) if self._indexed() else 0), self.feed_passes

    def counts(self) -> dict[str, int]:
        """Articles, primary articles, copies and passages (all zero without an index)."""
        if not NewsIndex.exists(self.settings.index):
            return {"articles": 0, "primary_articles": 0, "copies": 0, "chunks": 0}
        with self.reading() as a:
            return a.index.catalog.articles.counts()

    def article(self, article_id: str) -> dict[str, Any]:
        """Metadata and text of one article; UnknownArticle when it is not in the index."""
        with self.reading() as a:
            return Library.over(a.index).article(article_id).to_dict()

    def versions(self, article_id: str) -> dict[str, Any]:
        """Every version of one article, oldest first (``Library.versions``)."""
        with self.reading() as a:
            found = Library.over(a.index).versions(article_id)
        return {"article_id": article_id, "versions": [v.to_dict() for v in found]}

    # -- asks ---------------------------------------------------------------------------------
    def submit_ask(
        self, request: AskRequest, on_token: TokenSink | None = None, patient: bool = False
    ) -> Future[Answer]:
        """Queue an ask on the pool (``AskBusy`` when the queue is full); a writing engine's
        draft goes to ``on_token`` from the worker thread as it is written. A ``patient`` ask
        (streamed: its reader is told its place) is never refused for waiting long."""
        key = self.answers.key(request, self.generation()) if self._indexed() else None
        kept = self.answers.get(key) if key is not None else None
        if kept is not None:  # asked before over this generation: no queue, no worker
            done: Future[Answer] = Future()
            done.set_result(kept)
            return done
        queued_at = time.perf_counter()
        future = self.ask_pool.submit(
            lambda a: self._answer(a, request, queued_at, on_token), patient
        )
        if key is not None:
            future.add_done_callback(lambda f: self._keep(key, f))
        return future

    def _keep(self, key: Hashable, future: Future[Answer]) -> None:
        if not future.cancelled() and future.exception() is None:
            self.answers.put(key, future.result())

    def _indexed(self) -> bool:
        return NewsIndex.exists(self.settings.index)

    def generation(self, busy: bool = True) -> int:
        """The catalog's generation (a cheap read)."""
        with self.reading(busy) as a:
            return a.index.catalog.generation

    def ask(self, request: AskRequest) -> Answer:
        """Answer on the pool, blocking the calling thread until done."""
        return self.submit_ask(request).result()

    async def ask_async(self, request: AskRequest) -> Answer:
        """Answer on the pool without holding an event-loop or threadpool thread while waiting.

        A cancelled caller (client gone) cancels the ask if it has not started yet."""
        return await asyncio.wrap_future(self.submit_ask(request))

    def _answer(
        self, assistant: Assistant, r: AskRequest, queued_at: float, on_token: TokenSink | None
    ) -> Answer:
        queue_ms = (time.perf_counter() - queued_at) * 1000
        self.vectors.attach(assistant.index)
        answer = assistant.ask(r, on_token)
        answer.timings = {"queue_ms": queue_ms, **answer.timings}
        outcome = "abstained" if answer.abstained else f"{len(answer.citations)} citations"
        total = answer.timings.get("total_ms", 0.0)
        log.info("ask: %s, %d passages, %.0f ms", outcome, len(answer.hits), total)
        log.debug("ask: question %r", r.question)
        return answer

    def _ask_assistant(self) -> Assistant:
        """A pool worker's own assistant (own SQLite connection; models and vectors shared)."""
        return Assistant(self.settings)

    # -- writes -------------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path], on_progress: Progress | None = None
    ) -> tuple[IngestSummary, list[dict[str, str]]]:
        """Index files through the write door (``Library.ingest``: the worker and Ray rules as
        for the CLI); returns the summary and the articles read (id and title)."""
        seen: list[dict[str, str]] = []

        def note(article: Article) -> None:
            seen.append({"article_id": article.id, "title": article.title})

        with self.write_lock, Library(self.settings.index) as door:
            summary = door.ingest(paths, on_progress, on_article=note)
            after_write(door, self.settings, self.deliveries)  # watchlists, past their cursors
        log.info(
            "upload: %d files, added %d, updated %d, unchanged %d, failed %d",
            len(paths),
            summary.added,
            summary.updated,
            summary.unchanged,
            summary.failed,
        )
        return summary, seen

    def fetch_feeds(self) -> list[FeedOutcome]:
        """One fetch pass over the due feeds (empty when none is due or one is under way): pages
        are fetched outside the write lock, each batch written as the one writer."""
        from index.feeds import Fetcher, due

        if not NewsIndex.exists(self.settings.index):
            return []
        with self.reading() as a:
            now = datetime.now(UTC)
            if not any(due(f, now) for f in a.index.catalog.feeds.followed()):
                return []
        if not self._pass_lock.acquire(blocking=False):
            return []  # a pass is under way
        fetcher = Fetcher(self.settings.fetch)
        door = Library(self.settings.index)
        try:  # the network outside the write lock: a slow feed never holds up an upload

            @contextmanager
            def writing() -> Iterator[None]:
                with self.write_lock, door.index.write_lock():
                    yield

            outcomes = door.fetch(fetcher, writing=writing)
            with self.write_lock:
                after_write(door, self.settings, self.deliveries)
            return outcomes
        finally:
            self.feed_passes += 1
            fetcher.close()
            door.close()
            self._pass_lock.release()

    def match_watchlists(self) -> None:
        """Watchlists matched against what was written since their cursors (``serve --watch``
        ticks: what another process or a killed run wrote)."""
        if NewsIndex.exists(self.settings.index):
            with self.write_lock, Library(self.settings.index) as door:
                after_write(door, self.settings, self.deliveries)

    def feeds(self) -> list[dict[str, Any]]:
        """The feeds followed and how each one's last fetch went."""
        if not NewsIndex.exists(self.settings.index):
            return []
        with self.reading() as a:
            return [f.to_dict() for f in Library.over(a.index).feeds()]

    def feed_health(self) -> dict[str, int]:
        """How many feeds are followed and how many failed at their last fetch."""
        if not NewsIndex.exists(self.settings.index):
            return {"followed": 0, "failing": 0}
        with self.reading(busy=False) as a:  # /api/health: a balancer's poll
            feeds = Library.over(a.index).feeds()
        failing = sum(1 for f in feeds if f.failures)
        return {"followed": len(feeds), "failing": failing}

    def delete(self, article_ids: Sequence[str]) -> dict[str, list[str]]:
        """Delete articles through the write door (``Library.delete``)."""
        with self.write_lock, Library(self.settings.index) as door:
            result = door.delete(article_ids)
        log.info("delete: %d deleted, %d missing", len(result.deleted), len(result.missing))
        return result.to_dict()
