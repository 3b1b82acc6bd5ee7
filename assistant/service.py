"""The facade every interface (CLI, HTTP API, chat) calls: light to build, loads on first use."""

from __future__ import annotations

import threading

from assistant.filters import SearchFilters
from assistant.retrieval import Retriever, SearchMode
from index import SearchHit, Settings
from index.store import NewsIndex


class Assistant:
    def __init__(self, settings: Settings, index: NewsIndex | None = None) -> None:
        self.settings = settings
        self._index = index
        self._lock = threading.Lock()

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

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
