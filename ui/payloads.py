"""The search reply shared by the CLI (``--json``) and the HTTP API. Every record it holds
serialises itself (``to_dict``: ``SearchHit``, ``Answer``, ``Citation``, ``ResolvedCitation``,
``ArticleMeta``, ``StoredArticle``), so the CLI and the API print the same objects."""

from __future__ import annotations

from typing import Any

from index import SearchHit


def search_result(query: str, hits: list[SearchHit], **extra: Any) -> dict[str, Any]:
    return {"query": query, "hits": [h.to_dict() for h in hits], **extra}
