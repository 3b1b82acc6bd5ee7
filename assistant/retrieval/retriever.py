"""Retrieval: dense (FAISS) and keyword (FTS5 bm25) candidates, fused by reciprocal rank, with
filters applied before the cut, an as-of recency prior, a per-article cap and near-duplicate
collapse. ``Retriever.search`` is the one entry point every interface uses."""

from __future__ import annotations

import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from assistant.requests import QueryError, SearchMode
from assistant.retrieval.as_of_versions import as_they_stood
from assistant.retrieval.diversity import diversify
from assistant.retrieval.fusion import (
    recency,
    recent_only,
    reciprocal_rank_fusion,
    stand_in_for_keywords,
)
from assistant.retrieval.rerank import Reranker, make_reranker, rerank
from assistant.settings import RetrievalSettings
from index import SearchHit
from index.filters import SearchFilters
from index.store import NewsIndex
from index.text.languages import query_language

MAX_QUERY_CHARS = 10_000
INVISIBLE = frozenset({"Cc", "Cf", "Cs"})  # control, format (zero-width…), surrogate
_KEYWORD_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="newsrag-keyword")


@dataclass
class SearchResult:
    hits: list[SearchHit]
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Scored:
    """A fused candidate before its passage is read."""

    chunk_id: int
    score: float
    scores: dict[str, float]


class Retriever:
    def __init__(
        self,
        index: NewsIndex,
        settings: RetrievalSettings | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        """``settings`` default to the ``NEWSRAG_*`` environment; ``reranker`` overrides their
        ``rerank`` (which is loaded on first use)."""
        self.index = index
        self.settings = settings or RetrievalSettings.from_env()
        self._reranker = reranker
        self._configured = reranker is not None

    @property
    def reranker(self) -> Reranker | None:
        if not self._configured:
            self._reranker = make_reranker(self.settings.rerank, self.index.embedder)
            self._configured = True
        return self._reranker

    def search(
        self,
        query: str,
        k: int = 10,
        mode: SearchMode = SearchMode.HYBRID,
        filters: SearchFilters | None = None,
    ) -> list[SearchHit]:
        return self.run(query, k, mode, filters).hits

    def run(
        self,
        query: str,
        k: int = 10,
        mode: SearchMode = SearchMode.HYBRID,
        filters: SearchFilters | None = None,
    ) -> SearchResult:
        query = _clean(query, k)
        filters = filters or SearchFilters()
        timings: dict[str, float] = {}
        started = time.perf_counter()
        ranked: dict[str, list[tuple[int, float]]] = {}
        keyword = None
        vector = None
        if mode in (SearchMode.HYBRID, SearchMode.KEYWORD):  # SQLite runs beside the encoder
            keyword = _KEYWORD_THREADS.submit(self._keyword, query, filters, timings)
        if mode in (SearchMode.HYBRID, SearchMode.DENSE):
            vector = self._encode(query, timings)
            ranked["dense"] = self._dense(vector, filters, timings)
        if keyword is not None:
            ranked["keyword"] = keyword.result()
        t = time.perf_counter()
        ranked = as_they_stood(self.index, ranked, query, vector, filters, self.settings.pool)
        reranker = self.reranker
        depth = max(k, self.settings.rerank_depth) if reranker else k
        hits = self._materialize(self._fuse(ranked, filters, query), depth)
        timings["fuse_ms"] = _ms(t)
        if reranker is not None:
            t = time.perf_counter()
            hits = _numbered(rerank(reranker, query, hits, self.settings.rerank_weight)[:k])
            timings["rerank_ms"] = _ms(t)
        # keys handed out: the version retention (NEWSRAG_KEEP_VERSIONS) keeps their versions
        self.index.note_cited((h.article.id, h.article.version) for h in hits)
        timings["total_ms"] = _ms(started)
        return SearchResult(hits, timings)

    def _encode(self, query: str, timings: dict[str, float]) -> np.ndarray:
        t = time.perf_counter()
        vector = self.index.embedder.encode_query(query)
        timings["encode_ms"] = _ms(t)
        return vector

    def _dense(
        self, vector: np.ndarray, filters: SearchFilters, timings: dict[str, float]
    ) -> list[tuple[int, float]]:
        t = time.perf_counter()
        allowed = self.index.catalog.articles.chunk_ids_where(filters) if filters.active else None
        found = self.index.dense(vector, self.settings.pool, allowed)
        timings["dense_ms"] = _ms(t)
        return found

    def _keyword(
        self, query: str, filters: SearchFilters, timings: dict[str, float]
    ) -> list[tuple[int, float]]:
        t = time.perf_counter()
        found = self.index.catalog.articles.keyword(query, self.settings.pool, filters)
        timings["keyword_ms"] = _ms(t)
        return found

    def _across_languages(
        self, fused: dict[int, float], lists: dict[str, list[tuple[int, float]]], query: str
    ) -> None:
        """In an index of several languages, dense passages in another language than the
        question's are not held back by keyword search, which cannot match them
        (``fusion.stand_in_for_keywords``); an index of one language is scored as ever."""
        if "dense" not in lists or "keyword" not in lists:
            return
        languages = self.index.catalog.articles.languages()
        asked = query_language(query, languages) if len(languages) > 1 else None
        if asked is None:
            return
        dense = lists["dense"]
        of = self.index.catalog.articles.chunk_languages([item for item, _ in dense])
        other = {item for item, language in of.items() if language and language != asked}
        weight, k = self.settings.keyword_weight, self.settings.rrf_k
        stand_in_for_keywords(fused, dense, lists["keyword"], other, weight, k)

    def _fuse(
        self,
        ranked: dict[str, list[tuple[int, float]]],
        filters: SearchFilters,
        query: str = "",
    ) -> list[Scored]:
        """RRF over each backend's top ``candidates`` and, with an as-of date, over each backend's
        candidates published in the ``recent_days`` before it; plus the recency prior."""
        opts = self.settings
        lists = {name: items[: opts.candidates] for name, items in ranked.items()}
        weights = {"dense": opts.dense_weight, "keyword": opts.keyword_weight}
        as_of = filters.as_of
        dates: dict[int, str | None] = {}
        if as_of and (opts.recent_weight or opts.time_weight):
            dates = self.index.catalog.versions.published_dates(
                list({cid for items in ranked.values() for cid, _ in items})
            )
        if as_of and opts.recent_weight:
            for name, items in ranked.items():
                recent = recent_only(items, dates, as_of, opts.recent_days, opts.candidates)
                lists[f"{name}_recent"] = recent
                weights[f"{name}_recent"] = weights[name] * opts.recent_weight
        fused = reciprocal_rank_fusion(lists, weights, opts.rrf_k)
        self._across_languages(fused, lists, query)
        raw = {name: dict(items[: opts.candidates]) for name, items in ranked.items()}
        unit = 1.0 / (opts.rrf_k + 1)  # what rank 1 of one list is worth
        out: list[Scored] = []
        for chunk_id, score in fused.items():
            scores = {name: values[chunk_id] for name, values in raw.items() if chunk_id in values}
            scores["fused"] = score
            if as_of and opts.time_weight:
                prior = recency(dates.get(chunk_id), as_of, opts.time_half_life_days)
                scores["time"] = prior
                score += opts.time_weight * unit * prior
            out.append(Scored(chunk_id, score, scores))
        out.sort(key=lambda c: (-c.score, c.chunk_id))
        return out

    def _materialize(self, scored: list[Scored], k: int) -> list[SearchHit]:
        """Read passages best first, only as many as the diversity rules need for ``k`` hits."""
        opts = self.settings
        step = max(4 * k, 40)
        candidates: list[SearchHit] = []
        hits: list[SearchHit] = []
        for begin in range(0, len(scored), step):
            batch = scored[begin : begin + step]
            passages = self.index.catalog.versions.passages([c.chunk_id for c in batch])
            for c in batch:
                if c.chunk_id not in passages:  # deleted since the vector cache was read
                    continue
                article, start, end, text = passages[c.chunk_id]
                candidates.append(
                    SearchHit(0, c.chunk_id, article, start, end, text, c.score, c.scores)
                )
            hits = diversify(candidates, opts.per_article, opts.dedup)
            if len(hits) >= k:
                break
        return _numbered(hits[:k])


def _numbered(hits: list[SearchHit]) -> list[SearchHit]:
    for rank, hit in enumerate(hits, start=1):
        hit.rank = rank
    return hits


def normalize_query(query: str) -> str:
    """NFKC, format and control characters (zero-width spaces, joiners, BOM…) removed, white
    space folded: a query of invisible characters is blank like one of spaces."""
    folded = unicodedata.normalize("NFKC", query)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) not in INVISIBLE)
    return " ".join(visible.split())


def _clean(query: str, k: int) -> str:
    query = normalize_query(query)
    if not query:
        raise QueryError("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}")
    if k < 1:
        raise QueryError("k must be at least 1")
    return query


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000
