"""Retrieval over an opened index. Dense (FAISS) search for now; hybrid and keyword modes,
filters and the time prior build on the same ``Retriever.search`` contract."""

from __future__ import annotations

import time
from enum import StrEnum

from index import SearchHit
from index.store import NewsIndex


class SearchMode(StrEnum):
    DENSE = "dense"


class QueryError(ValueError):
    """The query cannot be run (empty, too long...); the message says why."""


MAX_QUERY_CHARS = 10_000


class Retriever:
    def __init__(self, index: NewsIndex) -> None:
        self.index = index
        self.last_timings: dict[str, float] = {}

    def search(
        self, query: str, k: int = 10, mode: SearchMode = SearchMode.DENSE
    ) -> list[SearchHit]:
        query = " ".join(query.split())
        if not query:
            raise QueryError("the query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}"
            )
        if k < 1:
            raise QueryError("k must be at least 1")
        started = time.perf_counter()
        vector = self.index.embedder.encode_query(query)
        encoded = time.perf_counter()
        ranked = self.index.dense(vector, k)
        hits = self._hits(ranked)
        self.last_timings = {
            "encode_ms": (encoded - started) * 1000,
            "search_ms": (time.perf_counter() - encoded) * 1000,
        }
        return hits

    def _hits(self, ranked: list[tuple[int, float]]) -> list[SearchHit]:
        passages = self.index.catalog.passages([chunk_id for chunk_id, _ in ranked])
        hits: list[SearchHit] = []
        for chunk_id, score in ranked:
            if chunk_id not in passages:  # deleted since the vector cache was read
                continue
            article, start, end, text = passages[chunk_id]
            hits.append(
                SearchHit(
                    rank=len(hits) + 1,
                    chunk_id=chunk_id,
                    article=article,
                    start=start,
                    end=end,
                    text=text,
                    score=score,
                    scores={"dense": score},
                )
            )
        return hits
