"""JSON shapes shared by the CLI (``--json``) and the HTTP API, so both print the same objects."""

from __future__ import annotations

from typing import Any

from assistant import Answer, Citation
from index import ArticleMeta, ResolvedCitation, SearchHit, StoredArticle


def article_meta(meta: ArticleMeta) -> dict[str, Any]:
    return {
        "article_id": meta.id,
        "title": meta.title,
        "title_is_fallback": meta.title_is_fallback,
        "source": meta.source,
        "published_at": meta.published_at,
        "url": meta.url,
        "authors": list(meta.authors),
        "section": meta.section,
        "copies": list(meta.copies),
    }


def hit(h: SearchHit) -> dict[str, Any]:
    return {
        "rank": h.rank,
        "score": round(h.score, 6),
        "scores": {k: round(v, 6) for k, v in h.scores.items()},
        "citation": h.citation,
        "chunk_id": h.chunk_id,
        **article_meta(h.article),
        "start": h.start,
        "end": h.end,
        "text": h.text,
    }


def search_result(query: str, hits: list[SearchHit], **extra: Any) -> dict[str, Any]:
    return {"query": query, "hits": [hit(h) for h in hits], **extra}


def stored_article(a: StoredArticle) -> dict[str, Any]:
    """A library row (``GET /api/articles``, ``newsrag articles --json``)."""
    m = a.meta
    return {
        "article_id": m.id,
        "title": m.title,
        "source": m.source,
        "published_at": m.published_at,
        "url": m.url,
        "authors": list(m.authors),
        "section": m.section,
        "copy_of": a.copy_of,
        "chars": a.chars,
        "chunks": a.chunks,
    }


def citation(c: Citation) -> dict[str, Any]:
    return c.as_dict()


def answer(a: Answer) -> dict[str, Any]:
    """The object ``newsrag ask --json`` and ``POST /api/ask`` return."""
    return {
        "question": a.question,
        "answer": a.text,
        "citations": [citation(c) for c in a.citations],
        "abstained": a.abstained,
        "reason": a.reason,
        "rewritten_query": a.rewritten_query,
        "engine": a.engine,
        "unsupported": list(a.unsupported),
        "related": [hit(h) for h in a.related],
        "timings": {k: round(v, 2) for k, v in a.timings.items()},
    }


def resolved_citation(r: ResolvedCitation) -> dict[str, Any]:
    """The object ``newsrag cite --json`` and ``GET /api/citations/{key}`` return."""
    return {
        "citation": r.key,
        "text": r.text,
        "start": r.start,
        "end": r.end,
        "before": r.before,
        "after": r.after,
        "article": article_meta(r.article),
        "article_chars": r.article_chars,
    }
