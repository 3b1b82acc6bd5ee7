"""Counts, model and size of an index (``newsrag stats``, ``/api/stats``)."""

from __future__ import annotations

import json
from typing import Any

from index.encoding.model_sources import resolve_model
from index.settings import IndexSettings
from index.store import NewsIndex


def index_stats(settings: IndexSettings) -> dict[str, Any]:
    """``articles`` counts every distinct article id (copies included); a missing index is empty."""
    if not NewsIndex.exists(settings):
        spec = resolve_model(settings.model)
        return {
            "articles": 0,
            "chunks": 0,
            "awaiting_vectors": 0,
            "copies": 0,
            "model": spec.name,
            "dim": spec.dim,
            "generation": 0,
            "home": str(settings.home),
            "bytes_on_disk": 0,
        }
    index = NewsIndex.open(settings)
    try:
        counts = index.catalog.articles.counts()
        meta = index.catalog.meta()
        return {
            "articles": counts["articles"],
            "chunks": counts["chunks"],
            "awaiting_vectors": counts["awaiting_vectors"],
            "copies": counts["copies"],
            "model": index.model_name,
            "dim": index.dim,
            "generation": index.catalog.generation,
            "chunker": json.loads(meta.get("chunker", "{}")),
            "sources": index.catalog.articles.source_counts(),
            "home": str(settings.home),
            "bytes_on_disk": sum(p.stat().st_size for p in settings.home.glob("*") if p.is_file()),
        }
    finally:
        index.close()
