"""The article library over an opened index: outlets, filtered listing, the Library's page
(found by title or outlet, each article with a link to its first passage), one article, ingest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant import SearchFilters
from index import (
    Article,
    ArticleMeta,
    IngestSummary,
    LoadProblem,
    NewsIndex,
    UnknownArticle,
    citation_key,
    missing_article,
)
from index.outlet_names import display_name


def list_articles(
    index: NewsIndex, filters: SearchFilters, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Articles matching ``filters`` (sources, since, until), newest first, and their total."""
    rows = index.catalog.list_articles(limit, offset, filters)
    return index.catalog.count_articles(filters), [r.to_dict() for r in rows]


def library_page(index: NewsIndex, query: str, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """The articles whose title or outlet (as stored or as shown: "cnn" finds "CNN") holds
    every word of ``query``, all when it has none; newest first, at most ``limit`` of them, and
    how many there are. Each row also has ``cite``: the citation key of the article's first
    passage (its primary's for an exact copy; None when it has no passage)."""
    words = query.casefold().split()
    if words:
        found = [r for r in index.catalog.list_articles() if _matches(r.meta, words)]
        total, rows = len(found), found[:limit]
    else:
        total, rows = index.catalog.count_articles(), index.catalog.list_articles(limit)
    keys = first_passage_keys(index, [r.copy_of or r.meta.id for r in rows])
    return total, [{**r.to_dict(), "cite": keys.get(r.copy_of or r.meta.id)} for r in rows]


def _matches(meta: ArticleMeta, words: list[str]) -> bool:
    text = f"{meta.title} {display_name(meta.source)} {meta.source or ''}".casefold()
    return all(word in text for word in words)


def first_passage_keys(index: NewsIndex, article_ids: Sequence[str]) -> dict[str, str]:
    """Article id -> the citation key of its first passage (articles without one left out)."""
    firsts = [min(ids) for ids in map(index.catalog.chunk_ids_of, set(article_ids)) if ids]
    return {
        meta.id: citation_key(meta.id, start, end, text)
        for meta, start, end, text in index.catalog.passages(firsts).values()
    }


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
