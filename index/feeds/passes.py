"""One fetch pass: every feed that is due is fetched (conditionally), its new entries' pages
fetched and extracted with trafilatura (the entry's own text when the page cannot be read, and
the article says so in its origin), written by the one writer, and the feed's state recorded:
ok, not_modified, or the failure's kind with a back-off (its interval doubled per failure in a
row, at most a day). A failure of one feed or one page never stops the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from index.feeds.fetch import Fetcher, FetchError
from index.feeds.parse import Entry, FeedParseError, entries
from index.ingest import Ingestor, IngestSummary
from index.loaders.build import Draft, Origin, build_article
from index.loaders.dates import normalize_date
from index.loaders.html import parse_html
from index.loaders.ids import url_id
from index.records import Article, FeedSource, LoadProblem
from index.store import NewsIndex

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 86400


@dataclass
class FeedOutcome:
    url: str
    status: str  # ok, not_modified, or a failure kind
    entries: int = 0
    new: int = 0
    from_entry: int = 0  # articles made from the entry's text: their page could not be read
    error: str | None = None
    summary: IngestSummary = field(default_factory=IngestSummary)

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "status": self.status,
            "entries": self.entries,
            "new": self.new,
            "from_entry": self.from_entry,
            "error": self.error,
            "added": self.summary.added,
            "updated": self.summary.updated,
        }


def due(feed: FeedSource, now: datetime) -> bool:
    return feed.next_try_at is None or datetime.fromisoformat(feed.next_try_at) <= now


def fetch_pass(
    index: NewsIndex, fetcher: Fetcher, now: datetime | None = None, every_feed: bool = False
) -> list[FeedOutcome]:
    """Fetch every due feed (``every_feed``: all of them) and index what is new."""
    now = now or datetime.now(UTC)
    outcomes = []
    for feed in index.catalog.feeds():
        if every_feed or due(feed, now):
            outcomes.append(_one(index, fetcher, feed, now))
    return outcomes


def _one(index: NewsIndex, fetcher: Fetcher, feed: FeedSource, now: datetime) -> FeedOutcome:
    stamp = now.isoformat(timespec="seconds")
    try:
        result = fetcher.get(feed.url, feed.etag, feed.last_modified)
        if result.not_modified:
            _record(index, feed, now, "not_modified", None, result.etag or feed.etag)
            return FeedOutcome(feed.url, "not_modified")
        found = entries(result.body, result.url)
    except (FetchError, FeedParseError) as exc:
        kind = exc.kind if isinstance(exc, FetchError) else "malformed"
        _record(index, feed, now, kind, str(exc))
        return FeedOutcome(feed.url, kind, error=str(exc))
    new = [e for e in found if index.catalog.article_text(url_id(e.url)) is None]
    articles, from_entry = [], 0
    for entry in new:
        article = _article(fetcher, feed, entry, stamp)
        if isinstance(article, Article):
            articles.append(article)
            from_entry += "page not read" in article.origin
    with index.write_lock():
        summary = Ingestor(index).run(articles)
    _record(index, feed, now, "ok", None, result.etag, result.last_modified)
    return FeedOutcome(feed.url, "ok", len(found), len(new), from_entry, None, summary)


def _article(fetcher: Fetcher, feed: FeedSource, entry: Entry, stamp: str) -> Article | None:
    """The entry's page, extracted; else its own text (saying so in ``origin``)."""
    origin = Origin(Path(feed.url), f"{feed.url} → {entry.url}")
    why = "no page"
    try:
        page = fetcher.get(entry.url)
        parsed = parse_html(page.body.decode("utf-8", "replace"), origin)
        if isinstance(parsed, Article):
            return replace(
                parsed,
                url=entry.url,
                id=url_id(entry.url),
                source=feed.source or parsed.source,
                published_at=parsed.published_at or normalize_date(entry.published),
                origin=f"{entry.url} (fetched {stamp} from feed {feed.url})",
            )
        why = parsed.message
    except FetchError as exc:
        why = str(exc)
    if not entry.summary.strip():
        log.info("feed %s: %s skipped (%s; the entry has no text)", feed.url, entry.url, why)
        return None
    draft = Draft(
        text=entry.summary,
        title=entry.title or None,
        url=entry.url,
        source=feed.source,
        authors=entry.authors,
        published_at=normalize_date(entry.published),
    )
    built = build_article(draft, origin)
    if isinstance(built, LoadProblem):
        return None
    return replace(built, origin=f"{entry.url} (feed entry text: page not read: {why})")


def _record(
    index: NewsIndex,
    feed: FeedSource,
    now: datetime,
    status: str,
    error: str | None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    failed = status not in ("ok", "not_modified")
    failures = feed.failures + 1 if failed else 0
    wait = min(feed.every_s * 2**failures, MAX_BACKOFF_S) if failed else feed.every_s
    index.catalog.record_fetch(
        replace(
            feed,
            etag=etag if not failed else feed.etag,
            last_modified=last_modified or feed.last_modified,
            last_fetch_at=now.isoformat(timespec="seconds"),
            last_status=status,
            last_error=error,
            failures=failures,
            next_try_at=(now + timedelta(seconds=wait)).isoformat(timespec="seconds"),
        )
    )
