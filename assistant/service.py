"""The facade every interface (CLI, HTTP API, chat) calls: light to build, loads on first use."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from assistant.answering import Answering
from assistant.answers import Answer, TokenSink
from assistant.retrieval import Retriever, SearchMode
from index import SearchHit, Settings
from index.filters import SearchFilters
from index.store import NewsIndex


class Assistant:
    def __init__(self, settings: Settings, index: NewsIndex | None = None) -> None:
        self.settings = settings
        self._index = index
        self._lock = threading.RLock()
        self._answerer: Answering | None = None

    @property
    def index(self) -> NewsIndex:
        with self._lock:
            if self._index is None:
                self._index = NewsIndex.open(self.settings)
            return self._index

    @property
    def retriever(self) -> Retriever:
        return Retriever(self.index)

    def search(
        self,
        query: str,
        k: int = 10,
        mode: SearchMode = SearchMode.HYBRID,
        filters: SearchFilters | None = None,
    ) -> list[SearchHit]:
        return self.retriever.search(query, k=k, mode=mode, filters=filters)

    def ask(
        self,
        question: str,
        history: Sequence[dict[str, Any]] = (),
        filters: SearchFilters | None = None,
        as_of: str | None = None,
        k: int = 6,
        engine: str | None = None,
        on_token: TokenSink | None = None,
    ) -> Answer:
        """Answer ``question`` from the index with verified citations (or abstain); an engine
        that writes (llm) hands ``on_token`` its draft as it writes."""
        return self._answering().ask(
            question, history, filters, as_of, k, engine, on_token=on_token
        )

    def _answering(self) -> Answering:
        with self._lock:
            if self._answerer is None:
                self._answerer = Answering(self.index)
            return self._answerer

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
