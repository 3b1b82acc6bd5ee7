"""What the HTTP API and the chat share: one ``Assistant`` over the index, and the write path.

Reads go through the one ``Assistant`` (its index reloads its FAISS cache whenever the catalog's
generation moves, so articles another process ingests show up without a restart). Its SQLite
connection is shared, so reads are serialised by a lock. Writes (ingest, delete) open their own
``NewsIndex`` under the index's write lock, so they never hold a transaction on the reader's
connection.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant import Assistant, SearchFilters
from index import IngestSummary, NewsIndex, Settings
from ui import library

log = logging.getLogger(__name__)

Progress = Callable[[IngestSummary], None]


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.assistant = Assistant(settings)
        self._read_lock = threading.RLock()
        self._write_lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[Assistant]:
        """The assistant, for one read (search, ask, lookup) at a time."""
        with self._read_lock:
            yield self.assistant

    def warm_up(self) -> None:
        """Load the embedding model in the background, so the first question does not wait
        (only when there is an index to ask: an empty server loads it with its first upload)."""
        if not NewsIndex.exists(self.settings):
            return

        def load() -> None:
            from index import Embedder

            s = self.settings
            try:  # every Embedder in the process shares the loaded model
                _ = Embedder(s.model, s.precision, s.batch_size).model
            except Exception as exc:  # a bad model name: the first request reports it
                log.info("warm-up skipped: %s", exc)

        threading.Thread(target=load, name="newsrag-warm-up", daemon=True).start()

    @property
    def writes_enabled(self) -> bool:
        return bool(self.settings.api_token)

    # -- reads --------------------------------------------------------------------------------
    def sources(self) -> list[str]:
        """Outlets in the index, for the filter lists (empty when there is no index yet)."""
        if not NewsIndex.exists(self.settings):
            return []
        with self.reading() as a:
            return library.sources(a.index)

    def list_articles(
        self, filters: SearchFilters, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        if not NewsIndex.exists(self.settings):
            return 0, []
        with self.reading() as a:
            return library.list_articles(a.index, filters, limit, offset)

    def counts(self) -> dict[str, int]:
        """Articles, primary articles, copies and passages (all zero without an index)."""
        if not NewsIndex.exists(self.settings):
            return {"articles": 0, "primary_articles": 0, "copies": 0, "chunks": 0}
        with self.reading() as a:
            return a.index.catalog.counts()

    def article(self, article_id: str) -> dict[str, Any]:
        with self.reading() as a:
            return library.article(a.index, article_id)

    # -- writes -------------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path], on_progress: Progress | None = None
    ) -> tuple[IngestSummary, list[dict[str, str]]]:
        """Index files; returns the summary and the articles read (id and title)."""
        with self._write_lock:
            index = NewsIndex.open(self.settings, create=True)
            try:
                return library.ingest(index, paths, on_progress)
            finally:
                index.close()

    def delete(self, article_ids: Sequence[str]) -> dict[str, list[str]]:
        from index import delete_articles

        with self._write_lock:
            index = NewsIndex.open(self.settings)
            try:
                return delete_articles(index, list(article_ids))
            finally:
                index.close()
