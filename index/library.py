"""The one door for writes: every change to an index goes through a ``Library`` (beside the
read side's ``assistant.Assistant``) — ingest of files, uploads and feed entries (always through
``ingest_paths``, so each follows the worker and Ray rules), delete, following and unfollowing
feeds, one fetch pass, reindex — with the reads that managing a library needs (articles, one
article, its versions, the feeds).

A ``Library`` opens its index on first use (creating it for a write) and closes it on
``close()`` or at the end of a ``with`` block; ``Library.over(index)`` works on an index someone
else holds open and leaves it open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from index.filters import SearchFilters
from index.records import (
    Article,
    ArticleMeta,
    ArticleVersion,
    FeedSource,
    StoredArticle,
    WatchItem,
    Watchlist,
)
from index.settings import IndexSettings
from index.text.outlet_names import display_name

if TYPE_CHECKING:
    from index.encoding.embedding import Encoder
    from index.feeds.fetch import Fetcher
    from index.feeds.passes import FeedOutcome, Writing
    from index.ingest.backfill import EmbedSummary
    from index.ingest.backfill import Progress as EmbedProgress
    from index.ingest.ingestor import IngestSummary, ProgressHook
    from index.store import NewsIndex


@dataclass(frozen=True)
class DeleteResult:
    """What a delete did: the ids deleted, those no article has, and any warning (the vector
    cache could not be saved: it is rebuilt from the catalog on the next start)."""

    deleted: tuple[str, ...]
    missing: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "deleted": list(self.deleted),
            "missing": list(self.missing),
            "warnings": list(self.warnings),
        }


class Library:
    def __init__(
        self,
        settings: IndexSettings,
        embedder: Encoder | None = None,
        index: NewsIndex | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._index = index
        self._owns = index is None

    @classmethod
    def over(cls, index: NewsIndex) -> Library:
        """A library over an index held open elsewhere (``close`` leaves it open)."""
        return cls(index.settings, index=index)

    def exists(self) -> bool:
        from index.store import NewsIndex

        return self._index is not None or NewsIndex.exists(self.settings)

    @property
    def index(self) -> NewsIndex:
        """The index, opened (and created, unless read-only) on first use: for writes."""
        return self._open(create=True)

    def _existing(self) -> NewsIndex:
        """The index for a read or a delete: IndexNotFound when there is none yet."""
        return self._open(create=False)

    def _open(self, create: bool) -> NewsIndex:
        if self._index is None:
            from index.store import NewsIndex

            self._index = NewsIndex.open(self.settings, embedder=self._embedder, create=create)
        return self._index

    def close(self) -> None:
        if self._owns and self._index is not None:
            self._index.close()
            self._index = None

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- writes -------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | Path],
        on_progress: ProgressHook | None = None,
        on_article: Callable[[Article], None] | None = None,
    ) -> IngestSummary:
        """Index files and folders (``ingest.ingestor.ingest_paths``); ``on_article`` is told of
        every article read (an upload lists what it held)."""
        from index.ingest.ingestor import ingest_paths

        return ingest_paths(self.index, paths, on_progress, on_article=on_article)

    def embed_awaiting(
        self,
        limit: int | None = None,
        batch: int | None = None,
        on_progress: EmbedProgress | None = None,
        save: bool = True,
    ) -> EmbedSummary:
        """Vectors for the passages ingest left without one (``NEWSRAG_EMBED=leads``), the
        latest first, up to ``limit``, ``batch`` per write (``index.ingest.backfill``);
        ``save=False`` leaves saving the vector cache to ``save_vectors``."""
        from index.ingest.backfill import BATCH, embed_awaiting

        return embed_awaiting(self._existing(), limit, batch or BATCH, on_progress, save)

    def save_vectors(self) -> str | None:
        """Save the vector cache (after ``embed_awaiting(save=False)``): None, or why not."""
        index = self._existing()
        with index.write_lock():
            return index.save_vectors()

    def awaiting_vectors(self) -> int:
        """Passages still without a vector (0 when there is no index)."""
        return self._existing().catalog.articles.awaiting_count() if self.exists() else 0

    def delete(self, article_ids: Sequence[str]) -> DeleteResult:
        """Delete articles (a primary's first copy inherits its passages); unknown ids are
        reported, not an error (no index at all is: IndexNotFound)."""
        from index.ingest.maintenance import delete_articles

        done = delete_articles(self._existing(), list(article_ids))
        return DeleteResult(tuple(done["deleted"]), tuple(done["missing"]), tuple(done["warnings"]))

    def follow(self, feed: FeedSource, given: frozenset[str] = frozenset()) -> bool:
        """Follow a feed; True when it is new (a followed one takes the ``given`` fields)."""
        return self.index.catalog.feeds.add(feed, given)

    def unfollow(self, url: str) -> bool:
        """Stop following a feed; False when it was not followed."""
        return self.exists() and self._existing().catalog.feeds.remove(url)

    def fetch(
        self, fetcher: Fetcher, every_feed: bool = False, writing: Writing | None = None
    ) -> list[FeedOutcome]:
        """One fetch pass over the due feeds (``every_feed``: all); what is new is ingested,
        each write inside ``writing()`` (default: the index's write lock)."""
        from index.feeds.passes import fetch_pass

        if not self.exists():
            return []
        return fetch_pass(self._existing(), fetcher, every_feed=every_feed, writing=writing)

    # -- watchlists (#33): the matching itself is the assistant's (assistant.watch) ----------
    def watch(self, watchlist: Watchlist) -> Watchlist:
        """Follow a query or a story: matched against the articles written from now on."""
        return self.index.catalog.watchlists.add(watchlist)

    def unwatch(self, watchlist_id: int) -> bool:
        """Forget a watchlist with its items; False when there is none."""
        return self.exists() and self._existing().catalog.watchlists.remove(watchlist_id)

    def record_watch_items(
        self, watchlist_id: int, after: int, through: int, items: Sequence[WatchItem]
    ) -> list[int]:
        """A matching run's items, written with the watchlist's cursor moved to ``through`` in
        one transaction (``WatchlistRows.record``); the ids of those new."""
        return self._existing().catalog.watchlists.record(watchlist_id, after, through, items)

    def mark_watch_read(self, watchlist_id: int, through: int | None = None) -> int:
        """Items up to ``through`` (None: all) read; the read cursor."""
        return self._existing().catalog.watchlists.mark_read(watchlist_id, through)

    def claim_delivery(self, item_id: int) -> int:
        """A webhook delivery marked as being sent, before it is (at most once): its attempts
        (0: not due any more)."""
        return self._existing().catalog.watchlists.claim_delivery(item_id)

    def settle_delivery(
        self, item_id: int, state: str, error: str | None = None, next_try_at: str | None = None
    ) -> None:
        """How a claimed delivery went (``sent``, ``retry``, ``failed``)."""
        return self._existing().catalog.watchlists.settle_delivery(
            item_id, state, error, next_try_at
        )

    def interrupt_deliveries(self, before: str) -> int:
        """Deliveries left being sent since before ``before`` (a killed sender): interrupted."""
        return self._existing().catalog.watchlists.interrupt_stale(before)

    def regroup_stories(self) -> int:
        """Group every article into stories again (``newsrag story --rebuild``); how many."""
        return self._existing().regroup_stories()

    def reindex(
        self, on_progress: ProgressHook | None = None, ann: str | None = None
    ) -> IngestSummary:
        """Rebuild every passage and vector from the stored texts (``index.ingest.maintenance``);
        this library's own index is closed first and reopened on next use."""
        from index.ingest.maintenance import reindex

        self.close()
        return reindex(self.settings, on_progress=on_progress, ann=ann)

    # -- reads for managing it ----------------------------------------------------------------
    def articles(
        self, limit: int | None = None, offset: int = 0, filters: SearchFilters | None = None
    ) -> tuple[int, list[StoredArticle]]:
        """How many articles match ``filters`` (sources, since, until), and those from
        ``offset`` on, newest first (``limit`` of them; None: all)."""
        if not self.exists():
            return 0, []
        articles = self._existing().catalog.articles
        return articles.count_articles(filters), articles.list_articles(limit, offset, filters)

    def find(self, query: str, limit: int) -> tuple[int, list[tuple[StoredArticle, str | None]]]:
        """The articles whose title or outlet (as stored or as shown: "cnn" finds "CNN") holds
        every word of ``query`` (all when it has none), newest first, ``limit`` at most, and how
        many there are; each with the citation key of its first passage (its primary's for an
        exact copy; None when it has none)."""
        if not self.exists():
            return 0, []
        articles = self._existing().catalog.articles
        words = query.casefold().split()
        if words:
            found = [r for r in articles.list_articles() if _matches(r.meta, words)]
            total, rows = len(found), found[:limit]
        else:
            total, rows = articles.count_articles(), articles.list_articles(limit)
        keys = self._first_passage_keys([r.copy_of or r.meta.id for r in rows])
        return total, [(r, keys.get(r.copy_of or r.meta.id)) for r in rows]

    def page(self, query: str, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """``find`` as the Library tab lists it: each row's dict with its ``cite`` key."""
        total, found = self.find(query, limit)
        return total, [{**row.to_dict(), "cite": key} for row, key in found]

    def _first_passage_keys(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article id -> the citation key of its first passage (articles without one left out)."""
        from index.citation_keys import citation_key

        articles = self._existing().catalog.articles
        firsts = [min(ids) for ids in map(articles.chunk_ids_of, set(article_ids)) if ids]
        return {
            meta.id: citation_key(meta.id, start, end, text)
            for meta, start, end, text in articles.passages(firsts).values()
        }

    def article(self, article_id: str) -> StoredArticle:
        """One article with its text; UnknownArticle when the index has none by that id."""
        from index.citation_lookup import UnknownArticle

        stored = self._existing().catalog.articles.article(article_id)
        if stored is None:
            raise UnknownArticle(f"no article {article_id!r} in the index")
        return stored

    def versions(self, article_id: str) -> list[ArticleVersion]:
        """Every version of one article, oldest first; UnknownArticle or DeletedArticleError."""
        from index.citation_lookup import missing_article

        index = self._existing()
        found = index.catalog.versions.history(article_id)
        if not found:
            raise missing_article(index, article_id)
        return found

    def feeds(self) -> list[FeedSource]:
        """The feeds followed, with how each one's last fetch went."""
        return self._existing().catalog.feeds.followed() if self.exists() else []

    def watchlists(self) -> list[Watchlist]:
        """The watchlists, oldest first, with their items, unread and delivery counts."""
        return self._existing().catalog.watchlists.all() if self.exists() else []

    def watchlist(self, watchlist_id: int) -> Watchlist | None:
        return self._existing().catalog.watchlists.get(watchlist_id) if self.exists() else None

    def watch_items(
        self, watchlist_id: int, since: str | None = None, limit: int | None = None
    ) -> list[WatchItem]:
        """A watchlist's items, newest first (``since``: matched at or after it)."""
        return self._existing().catalog.watchlists.items(watchlist_id, since, limit)


def _matches(meta: ArticleMeta, words: list[str]) -> bool:
    text = f"{meta.title} {display_name(meta.source)} {meta.source or ''}".casefold()
    return all(word in text for word in words)
