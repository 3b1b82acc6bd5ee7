"""The article library over an opened index: outlets, filtered listing, one article, ingest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant import SearchFilters
from index import (
    Article,
    IngestSummary,
    LoadProblem,
    NewsIndex,
    UnknownArticle,
    missing_article,
)


def list_articles(
    index: NewsIndex, filters: SearchFilters, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Articles matching ``filters`` (sources, since, until), newest first, and their total."""
    rows = index.catalog.list_articles(limit, offset, filters)
    return index.catalog.count_articles(filters), [r.to_dict() for r in rows]


def article(index: NewsIndex, article_id: str) -> dict[str, Any]:
    """Metadata and text of one article; UnknownArticle when it is not in the index."""
    stored = index.catalog.article(article_id)
    if stored is None:
        raise UnknownArticle(f"no article {article_id!r} in the index")
    return stored.to_dict()


def versions(index: NewsIndex, article_id: str) -> dict[str, Any]:
    """Every version of one article, oldest first; UnknownArticle or DeletedArticleError."""
    found = index.catalog.versions(article_id)
    if not found:
        raise missing_article(index, article_id)
    return {"article_id": article_id, "versions": [v.to_dict() for v in found]}


def ingest(
    index: NewsIndex,
    paths: Sequence[Path],
    on_progress: Callable[[IngestSummary], None] | None = None,
) -> tuple[IngestSummary, list[dict[str, str]]]:
    """``index.ingest_paths``, also noting the id and title of every article read."""
    from index import Ingestor, iter_articles

    seen: list[dict[str, str]] = []
    with index.write_lock():
        items = iter_articles(paths, max_file_bytes=index.settings.max_file_bytes)
        summary = Ingestor(index, on_progress).run(_noting(items, seen))
    return summary, seen


def _noting(
    items: Iterable[Article | LoadProblem], seen: list[dict[str, str]]
) -> Iterator[Article | LoadProblem]:
    for item in items:
        if isinstance(item, Article):
            seen.append({"article_id": item.id, "title": item.title})
        yield item
