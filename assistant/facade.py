"""The facade every interface (CLI, HTTP API, chat) calls: light to build, loads on first use."""

from __future__ import annotations

import threading

from assistant.briefing import Briefer, Briefing
from assistant.pipeline import Answering
from assistant.records import Answer, TokenSink
from assistant.requests import AskRequest, BriefRequest, SearchRequest
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.stories import Stories
from assistant.settings import AssistantSettings
from index import SearchHit
from index.store import NewsIndex


class Assistant:
    """``search`` and ``ask`` over one index, each taking its request record. Models, the
    retriever and the answer engines load on first use and are kept for the next request."""

    def __init__(self, settings: AssistantSettings, index: NewsIndex | None = None) -> None:
        self.settings = settings
        self._index = index
        self._lock = threading.RLock()
        self._retriever: Retriever | None = None
        self._answerer: Answering | None = None
        self._stories: Stories | None = None
        self._briefer: Briefer | None = None

    @property
    def index(self) -> NewsIndex:
        with self._lock:
            if self._index is None:
                self._index = NewsIndex.open(self.settings.index)
            return self._index

    @property
    def retriever(self) -> Retriever:
        """One retriever for the assistant's life (a configured cross-encoder loads once)."""
        with self._lock:
            if self._retriever is None:
                self._retriever = Retriever(self.index, self.settings.retrieval)
            return self._retriever

    def search(self, request: SearchRequest) -> list[SearchHit]:
        return self.retriever.search(request.query, request.k, request.mode, request.filters)

    def ask(self, request: AskRequest, on_token: TokenSink | None = None) -> Answer:
        """Answer from the index with verified citations (or abstain); an engine that writes
        (llm) hands ``on_token`` its draft as it writes."""
        return self._answering().ask(request, on_token)

    @property
    def stories(self) -> Stories:
        """Stories a query is about, the latest stories, a story's timeline."""
        with self._lock:
            if self._stories is None:
                self._stories = Stories(self.index, self.retriever)
            return self._stories

    def brief(self, request: BriefRequest) -> Briefing:
        """A period's most important stories, each with its key sentences cited."""
        with self._lock:
            if self._briefer is None:
                self._briefer = Briefer(self.index, self.retriever)
        return self._briefer.brief(request)

    def _answering(self) -> Answering:
        with self._lock:
            if self._answerer is None:
                self._answerer = Answering(self.index, self.retriever, self.settings.answers)
            return self._answerer

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
            self._index = self._retriever = self._answerer = self._stories = None
