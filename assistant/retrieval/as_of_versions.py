"""An as-of question reads each article as it stood on that date.

The searched index holds only current passages. When the as-of date falls before an article's
latest correction, its current passages leave the candidates and the passages of the version
current then come in, scored the same way: dense by inner product with their stored vectors,
keyword by bm25 over their own full-text table. Without such articles (the common case) this
costs one indexed query.
"""

from __future__ import annotations

import numpy as np

from index.filters import SearchFilters
from index.store import NewsIndex

Ranked = list[tuple[int, float]]


def as_they_stood(
    index: NewsIndex,
    ranked: dict[str, Ranked],
    query: str,
    vector: np.ndarray | None,
    filters: SearchFilters,
    pool: int,
) -> dict[str, Ranked]:
    """``ranked`` (backend → (chunk id, score) best first) with each article corrected after
    ``filters.as_of`` read in the version current on that date."""
    if not filters.as_of:
        return ranked
    then = index.catalog.versions.versions_at(filters.as_of)
    if not then:
        return ranked
    gone = index.catalog.versions.chunk_ids_of_articles(then)
    out = {name: [(c, s) for c, s in items if c not in gone] for name, items in ranked.items()}
    if "dense" in out and vector is not None:
        ids, vectors = index.catalog.versions.version_vectors(then, filters, index.dim)
        scores = vectors @ np.asarray(vector, dtype=np.float32).reshape(-1)
        out["dense"] = _merged(
            out["dense"], list(zip(ids.tolist(), scores.tolist(), strict=True)), pool
        )
    if "keyword" in out:
        found = index.catalog.versions.version_keyword(query, then, pool, filters)
        out["keyword"] = _merged(out["keyword"], found, pool)
    return out


def _merged(items: Ranked, extra: Ranked, pool: int) -> Ranked:
    return sorted(items + extra, key=lambda pair: (-pair[1], pair[0]))[:pool]
