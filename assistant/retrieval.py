"""Retrieval: dense (FAISS) and keyword (FTS5 bm25) candidates, fused by reciprocal rank, with
filters applied before the cut, an as-of recency prior, a per-article cap and near-duplicate
collapse. ``Retriever.search`` is the one entry point every interface uses."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from assistant.diversity import diversify
from assistant.filters import SearchFilters
from assistant.fusion import recency, reciprocal_rank_fusion
from assistant.keyword import keyword_search
from index import SearchHit, Settings
from index.store import NewsIndex


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    KEYWORD = "keyword"


class QueryError(ValueError):
    """The query cannot be run (empty, too long...); the message says why."""


MAX_QUERY_CHARS = 10_000


@dataclass(frozen=True)
class RetrievalOptions:
    """Knobs of one search; defaults come from ``Settings``."""

    candidates: int = 50
    rrf_k: int = 60
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    per_article: int = 2
    time_weight: float = 1.0
    time_half_life_days: float = 7.0
    collapse_duplicates: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrievalOptions:
        return cls(
            settings.candidates,
            settings.rrf_k,
            settings.dense_weight,
            settings.keyword_weight,
            settings.per_article,
            settings.time_weight,
            settings.time_half_life_days,
        )


@dataclass
class SearchResult:
    hits: list[SearchHit]
    timings: dict[str, float] = field(default_factory=dict)


class Retriever:
    def __init__(self, index: NewsIndex, options: RetrievalOptions | None = None) -> None:
        self.index = index
        self.options = options or RetrievalOptions.from_settings(index.settings)

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
        if mode in (SearchMode.HYBRID, SearchMode.DENSE):
            ranked["dense"] = self._dense(query, filters, timings)
        if mode in (SearchMode.HYBRID, SearchMode.KEYWORD):
            t = time.perf_counter()
            ranked["keyword"] = keyword_search(
                self.index.catalog.conn, query, self.options.candidates, filters
            )
            timings["keyword_ms"] = _ms(t)
        t = time.perf_counter()
        hits = self._fuse(ranked, filters, k)
        timings["fuse_ms"] = _ms(t)
        timings["total_ms"] = _ms(started)
        return SearchResult(hits, timings)

    def _dense(
        self, query: str, filters: SearchFilters, timings: dict[str, float]
    ) -> list[tuple[int, float]]:
        t = time.perf_counter()
        vector = self.index.embedder.encode_query(query)
        timings["encode_ms"] = _ms(t)
        t = time.perf_counter()
        allowed = self._allowed_ids(filters) if filters.active else None
        found = self.index.dense(vector, self.options.candidates, allowed)
        timings["dense_ms"] = _ms(t)
        return found

    def _allowed_ids(self, filters: SearchFilters) -> np.ndarray:
        where, params = filters.where("a")
        rows = self.index.catalog.conn.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}",
            params,
        )
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def _fuse(
        self, ranked: dict[str, list[tuple[int, float]]], filters: SearchFilters, k: int
    ) -> list[SearchHit]:
        opts = self.options
        weights = {"dense": opts.dense_weight, "keyword": opts.keyword_weight}
        fused = reciprocal_rank_fusion(ranked, weights, opts.rrf_k)
        passages = self.index.catalog.passages(list(fused))
        raw = {name: dict(items) for name, items in ranked.items()}
        unit = 1.0 / (opts.rrf_k + 1)  # what rank 1 of one list is worth
        hits: list[SearchHit] = []
        for chunk_id, score in fused.items():
            if chunk_id not in passages:  # deleted since the vector cache was read
                continue
            article, start, end, text = passages[chunk_id]
            scores = {name: values[chunk_id] for name, values in raw.items() if chunk_id in values}
            scores["fused"] = score
            if filters.as_of and opts.time_weight:
                prior = recency(article.published_at, filters.as_of, opts.time_half_life_days)
                scores["time"] = prior
                score += opts.time_weight * unit * prior
            hits.append(SearchHit(0, chunk_id, article, start, end, text, score, scores))
        hits.sort(key=lambda h: (-h.score, h.chunk_id))
        hits = diversify(hits, opts.per_article, opts.collapse_duplicates)[:k]
        for rank, hit in enumerate(hits, start=1):
            hit.rank = rank
        return hits


def _clean(query: str, k: int) -> str:
    query = " ".join(query.split())
    if not query:
        raise QueryError("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}")
    if k < 1:
        raise QueryError("k must be at least 1")
    return query


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000
