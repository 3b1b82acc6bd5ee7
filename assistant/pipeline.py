"""``ask``: rewrite a follow-up, retrieve, answer with an engine, verify the citations."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from assistant.engines.extractive import ExtractiveConfig, ExtractiveEngine
from assistant.engines.registry import NEEDS, EngineContext, RetrievalNeeds, make_engine, route
from assistant.engines.short_answer import ShortAnswerConfig
from assistant.language.followup import FollowUp, follow_up_of, rewrite
from assistant.language.question_parts import question_parts
from assistant.language.quote_notes import note_citation
from assistant.models.reader import Reader, ReaderUnavailable, load_reader
from assistant.records import Answer, AnswerEngine, Citation, TokenSink, validate
from assistant.requests import DEFAULT_ENGINE, AskRequest, SearchMode, Turn
from assistant.retrieval.retriever import Retriever, SearchResult
from assistant.settings import AnswerSettings
from index import SearchHit
from index.filters import SearchFilters
from index.store import NewsIndex

log = logging.getLogger(__name__)


class Answering:
    def __init__(
        self,
        index: NewsIndex,
        retriever: Retriever | None = None,
        settings: AnswerSettings | None = None,
    ) -> None:
        self.index = index
        self.retriever = retriever or Retriever(index)
        self.settings = settings or AnswerSettings.from_env()
        short = ShortAnswerConfig() if self.settings.short_answers else None
        self.extractive = ExtractiveEngine(
            index.embedder, ExtractiveConfig(short=short), reader=_reader(index, self.settings)
        )
        self._engines: dict[str, AnswerEngine] = {}

    def engine(self, name: str | None) -> AnswerEngine:
        """The named engine (``engines/registry.py``), built once; EngineUnavailable when it
        is not configured."""
        name = name or DEFAULT_ENGINE
        if name not in self._engines:
            context = EngineContext(self.index, self.settings, self.extractive)
            self._engines[name] = make_engine(name, context)
        return self._engines[name]

    def ask(self, request: AskRequest, on_token: TokenSink | None = None) -> Answer:
        """The verified answer; a writing engine (llm) also hands its draft to ``on_token``
        piece by piece as it writes."""
        started = time.perf_counter()
        question, filters = request.question, request.filters
        standalone = self._follow_up(question, request.history)
        query = standalone or question
        name = route(query, request.engine)
        chosen, needs = self.engine(name), NEEDS.get(name, RetrievalNeeds())
        k = max(request.k, needs.passages)
        if needs.strict_as_of and filters.as_of:  # nothing published after it
            filters = replace(filters, strict=True)
        own = follow_up_of(question, request.history) if standalone else None
        result = self._retrieve(query, k, request.mode, filters, own)
        if not result.hits:
            return _nothing_found(question, standalone, filters, self._emptying(filters))
        versions = self.index.catalog.versions
        texts = {  # the text of the version each hit is from (an as-of hit may be an older one)
            h.article.id: versions.version_text(h.article.id, h.article.version) or ""
            for h in result.hits
        }
        t = time.perf_counter()
        if chosen is self.extractive and own is not None:  # read by the follow-up's own words
            answer = self.extractive.answer(query, result.hits, texts, follow_up=own)
        else:
            answer = chosen.answer(query, result.hits, texts, on_token)
        answer.citations = _noted(answer.citations, result.hits, texts)
        answer.question = question
        answer.rewritten_query = standalone
        answer.timings = {
            **result.timings,
            "answer_ms": (time.perf_counter() - t) * 1000,
            "total_ms": (time.perf_counter() - started) * 1000,
        }
        validate(answer, texts.get)
        return answer

    def _retrieve(
        self,
        query: str,
        k: int,
        mode: SearchMode,
        filters: SearchFilters,
        follow_up: FollowUp | None = None,
    ) -> SearchResult:
        """The question's passages; a two-part question ("what … and why …") also gets the best
        new passage for each later part, placed second, so every part has its evidence read,
        and a follow-up the best new passage for its own words."""
        result = self.retriever.run(query, k=k, mode=mode, filters=filters)
        parts = question_parts(query)[1:]
        if follow_up is not None and follow_up.own:
            parts.append(follow_up.words)
        for part in parts:
            if not result.hits:
                break
            held = {h.chunk_id for h in result.hits}
            extra = self.retriever.run(part, k=3, mode=mode, filters=filters).hits
            new = next((h for h in extra if h.chunk_id not in held), None)
            if new is not None:
                hits = [result.hits[0], new, *result.hits[1:]][:k]
                result.hits = [replace(h, rank=i) for i, h in enumerate(hits, start=1)]
        return result

    def _emptying(self, filters: SearchFilters) -> list[SearchFilters]:
        """The active filters that on their own match no article (none: only together)."""
        return [f for f in filters.singles() if not self.index.catalog.articles.count_articles(f)]

    def _follow_up(self, question: str, history: Sequence[Turn]) -> str | None:
        """The rewrite of a question that cannot stand alone, used only when its best passage
        is closer to it than the question's own best passage is to the question."""
        candidate = rewrite(question, history)
        if candidate is None:
            return None
        better = self._best_similarity(candidate) > self._best_similarity(question)
        return candidate if better else None

    def _best_similarity(self, query: str) -> float:
        hits = self.index.dense(self.index.embedder.encode_query(query), 1)
        return hits[0][1] if hits else 0.0


def _noted(
    citations: list[Citation], hits: list[SearchHit], texts: dict[str, str]
) -> list[Citation]:
    """Every citation with its outlet, claim and dates (an engine may have noted them)."""
    meta = {h.article.id: h.article for h in hits}
    return [
        c if c.outlet is not None else note_citation(c, texts[c.article_id], meta[c.article_id])
        for c in citations
    ]


def _nothing_found(
    question: str, standalone: str | None, filters: SearchFilters, emptying: list[SearchFilters]
) -> Answer:
    """An abstention whose reason, in plain words, is why nothing could be read: the filter
    that alone matches no article (or, when each matches some, all of them together)."""
    if not filters.active:
        reason = "no indexed article matches the question"
    elif len(emptying) == 1 and len(filters.singles()) > 1:
        reason = f"no indexed article matches the filter {emptying[0].describe()}"
    else:
        reason = f"no indexed article matches the filters ({filters.describe()})"
    answer = Answer.abstain(question, reason)
    answer.rewritten_query = standalone
    return answer


def _reader(index: NewsIndex, settings: AnswerSettings) -> Reader | None:
    """The shipped reader when ``NEWSRAG_READER=shipped`` and it loads; else None (the fitted
    sentence scorer answers)."""
    if settings.reader == "none":
        return None
    try:
        return load_reader(index.settings.cache_dir, index.settings.model)
    except ReaderUnavailable as exc:
        log.warning("%s; answering with the sentence scorer", exc)
        return None
