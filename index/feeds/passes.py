"""One fetch pass: every feed that is due is fetched (conditionally), its new and changed
entries' pages fetched and extracted with trafilatura (the entry's own text when the page
cannot be read, and the article says so in its origin), written by the one writer, and the
feed's state recorded: ok, not_modified, or the failure's kind with a back-off (its interval
doubled per failure in a row, at most a day). A failure of one feed or one page never stops
the others: whatever one raises is recorded as its failure (kind ``error`` when it is none of
the fetcher's or the parser's).

The network is never read under the write lock: pages are fetched and extracted first, and the
lock (``writing``; the index's own by default, the server's one-writer lock under ``serve
--watch``) is taken for each batch's write alone. A pass has a wall-clock budget
(``fetch_pass_s``): the feeds and entries it did not reach are left due for the next one.

After a feed's own fetch, the pages of its recent entries that are due on its revalidation
schedule (``index.feeds.schedule``; at most ``fetch_revalidate_per_pass`` a pass) are asked for
again, conditionally: a 304 costs nothing, a changed page is extracted and written exactly as a
changed entry's is (the same ``Ingestor`` write: a new version, the old one still citable), and
a page that cannot be read leaves its article as it is until the next point of the schedule
(``index.feeds.recheck``)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from index.feeds.fetch import Fetcher, FetchError, FetchResult
from index.feeds.parse import Entry, FeedParseError, entries, plain_text
from index.feeds.recheck import WRITE_EVERY, Budget, Todo, Writing, revalidate
from index.feeds.revalidation import Revalidation
from index.feeds.schedule import anchor
from index.ingest.ingestor import Ingestor, IngestSummary
from index.loaders.build import Draft, Origin, build_article
from index.loaders.dates import normalize_date
from index.loaders.html import parse_html
from index.loaders.ids import url_id
from index.records import Article, EntryState, FeedSource, LoadProblem
from index.store import NewsIndex

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 86400
PAGE_NOT_READ = "page not read"  # in the origin of an article made from its entry's text
DEFERRED = "deferred"  # the pass ran out of time before this feed (or all its entries)


@dataclass(frozen=True)
class _Pass:
    """What every feed of one pass shares: where to write, how, and until when."""

    index: NewsIndex
    fetcher: Fetcher
    now: datetime
    writing: Writing
    deadline: float  # time.monotonic() past which nothing more is fetched
    checks: Budget = field(default_factory=lambda: Budget(0))

    @property
    def stamp(self) -> str:
        return self.now.isoformat(timespec="seconds")

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    @property
    def late(self) -> str:
        """What a feed or entry the pass did not reach is told."""
        budget = self.fetcher.settings.fetch_pass_s
        return f"the pass ran past its {budget:g} s; the rest is fetched on the next pass"


@dataclass
class FeedOutcome:
    url: str
    status: str  # ok, not_modified, or a failure kind
    entries: int = 0
    new: int = 0
    from_entry: int = 0  # articles made from the entry's text: their page could not be read
    error: str | None = None
    summary: IngestSummary = field(default_factory=IngestSummary)
    changed: int = 0  # known entries read again: their date moved (conditionally), or their
    # page could not be read last time
    revalidation: Revalidation = field(default_factory=Revalidation)  # pages due on the
    # schedule, read again (their updates are counted in ``summary`` too)

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "status": self.status,
            "entries": self.entries,
            "new": self.new,
            "changed": self.changed,
            "from_entry": self.from_entry,
            "error": self.error,
            "added": self.summary.added,
            "updated": self.summary.updated,
            "revalidation": self.revalidation.to_dict(),
        }


def due(feed: FeedSource, now: datetime) -> bool:
    return feed.next_try_at is None or datetime.fromisoformat(feed.next_try_at) <= now


def fetch_pass(
    index: NewsIndex,
    fetcher: Fetcher,
    now: datetime | None = None,
    every_feed: bool = False,
    writing: Writing | None = None,
) -> list[FeedOutcome]:
    """Fetch every due feed (``every_feed``: all of them) and index what is new; each write
    is made inside ``writing()`` (default: the index's write lock)."""
    deadline = time.monotonic() + fetcher.settings.fetch_pass_s
    checks = Budget(fetcher.settings.fetch_revalidate_per_pass)
    run = _Pass(
        index, fetcher, now or datetime.now(UTC), writing or index.write_lock, deadline, checks
    )
    outcomes = []
    for feed in index.catalog.feeds.followed():
        if not (every_feed or due(feed, run.now)):
            continue
        if run.out_of_time():
            outcomes.append(FeedOutcome(feed.url, DEFERRED, error=run.late))
            continue
        outcomes.append(_isolated(run, feed))
    return outcomes


def _isolated(run: _Pass, feed: FeedSource) -> FeedOutcome:
    """One feed's pass; whatever it raises is its own failure, recorded with a back-off."""
    try:
        return _one(run, feed)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.exception("feed %s failed", feed.url)
        try:
            _record(run, feed, "error", error)
        except Exception:
            log.exception("feed %s: its failure could not be recorded", feed.url)
        return FeedOutcome(feed.url, "error", error=error)


def _one(run: _Pass, feed: FeedSource) -> FeedOutcome:
    index = run.index
    try:
        result = run.fetcher.get(feed.url, feed.etag, feed.last_modified)
        found = [] if result.not_modified else entries(result.body, result.url)
    except (FetchError, FeedParseError) as exc:
        kind = exc.kind if isinstance(exc, FetchError) else "malformed"
        _record(run, feed, kind, str(exc))
        return FeedOutcome(feed.url, kind, error=str(exc))
    quiet: list[EntryState] = []
    if result.not_modified:  # the feed is as it was: only pages not read last time are tried
        todo = _unread(index, feed.url)
    else:
        todo, quiet = _worth_fetching(index, feed.url, found, run.stamp)
    with run.writing():
        index.catalog.feeds.record_entries(quiet)
    summary, from_entry, done = _read_pages(run, feed, todo)
    status = ("not_modified" if result.not_modified else "ok") if done else DEFERRED
    error = None if done else run.late  # deferred: read again in full, no unread entry lost
    _record(run, feed, status, error, result.etag or feed.etag, result.last_modified)
    ingest = partial(_ingest, run)
    try:
        checks = revalidate(run, feed, summary, ingest, _from_page) if done else Revalidation()
    finally:
        _save_vectors(run, summary)
    new = sum(item.before is None and not item.indexed for item in todo)
    return FeedOutcome(
        feed.url, status, len(found), new, from_entry, error, summary, len(todo) - new, checks
    )


def _read_pages(run: _Pass, feed: FeedSource, todo: list[Todo]) -> tuple[IngestSummary, int, bool]:
    """Read and index the pages of ``todo``, ``WRITE_EVERY`` at a time (a pass killed midway
    keeps what it wrote): fetched outside the write lock, written inside it (the vector cache
    is saved once, at the end of the feed). False when the pass's time ran out before the last
    page."""
    summary, from_entry, done = IngestSummary(), 0, True
    for begin in range(0, len(todo), WRITE_EVERY):
        if run.out_of_time():
            done = False
            break
        articles, seen = [], []
        for item in todo[begin : begin + WRITE_EVERY]:
            article, state = _article(run.fetcher, feed, item, run.stamp)
            seen.append(state)
            if article is not None:
                articles.append(article)
                from_entry += PAGE_NOT_READ in article.origin
        _write(run, summary, articles, seen)
    return summary, from_entry, done


def _write(
    run: _Pass, summary: IngestSummary, articles: list[Article], seen: list[EntryState]
) -> None:
    """One batch: its articles through the ``Ingestor`` (new ones added, changed ones a new
    version), then its entries' states — after their articles: a crash re-reads a page."""
    with run.writing():
        _ingest(run, summary, articles)
        run.index.catalog.feeds.record_entries(seen)


def _ingest(run: _Pass, summary: IngestSummary, articles: list[Article]) -> None:
    """The one write of a pass's articles, inside ``run.writing()``: new ones added, changed
    ones a new version of their article (its older one kept, still citable)."""
    if articles:
        _add(summary, Ingestor(run.index, save_cache=False).run(articles))


def _save_vectors(run: _Pass, summary: IngestSummary) -> None:
    if summary.added or summary.updated:
        with run.writing():
            problem = run.index.save_vectors()
        if problem:
            summary.warnings.append(problem)


def _add(total: IngestSummary, part: IngestSummary) -> None:
    """``part`` (one write's summary) added into ``total`` (the feed's)."""
    for name, value in part.to_dict().items():
        setattr(total, name, getattr(total, name) + value)


def _worth_fetching(
    index: NewsIndex, feed_url: str, found: list[Entry], stamp: str
) -> tuple[list[Todo], list[EntryState]]:
    """Entries whose page is to be read — new ones (no article yet), changed ones (their date
    in the feed moved) and ones whose page could not be read last time (retried while the feed
    lists them, or whose article was made from the entry's text) — and the states of entries
    whose article is indexed already (by another feed, a file, or a pass killed before it
    recorded them): recorded, not fetched."""
    known = index.catalog.feeds.entry_states(feed_url)
    todo: list[Todo] = []
    quiet: list[EntryState] = []
    for entry in found:
        before = known.get(entry.url)
        item, origin = _todo(index, entry, before)
        if before is not None:
            if not before.page_read or (entry.updated and entry.updated != before.updated):
                todo.append(item)
        elif not item.indexed or PAGE_NOT_READ in origin:  # new, or made from its entry's text
            todo.append(item)
        else:
            start = anchor(entry.published, stamp)
            quiet.append(
                EntryState(entry.url, feed_url, entry.updated, None, None, stamp, True, start)
            )
    return todo, quiet


def _unread(index: NewsIndex, feed_url: str) -> list[Todo]:
    """The entries of ``feed_url`` whose page could not be read last time."""
    states = index.catalog.feeds.entry_states(feed_url).values()
    unread = [(Entry(s.url, updated=s.updated), s) for s in states if not s.page_read]
    return [_todo(index, entry, state)[0] for entry, state in unread]


def _todo(index: NewsIndex, entry: Entry, before: EntryState | None) -> tuple[Todo, str]:
    """``entry`` to read, with what the index holds of its article; and that article's origin
    ("" when there is none)."""
    row = index.catalog.articles.article_state(url_id(entry.url))
    if row is None:
        return Todo(entry, before, False, None), ""
    return Todo(entry, before, True, row["published_at"]), row["origin"] or ""


def _article(
    fetcher: Fetcher, feed: FeedSource, item: Todo, stamp: str
) -> tuple[Article | None, EntryState]:
    """The entry's page, extracted (None when a changed page answered 304); else its own
    text (saying so in ``origin``); and the entry's new state."""
    entry, before = item.entry, item.before
    start = (before.published_at if before else None) or anchor(
        entry.published, before.fetched_at if before else stamp
    )
    state = EntryState(entry.url, feed.url, entry.updated, None, None, stamp, published_at=start)
    why = "no page"
    try:
        etag, modified = (before.etag, before.last_modified) if before else (None, None)
        page = fetcher.get(entry.url, etag, modified)
        state = replace(state, etag=page.etag, last_modified=page.last_modified, page_read=True)
        if page.not_modified:
            return None, state
        made = _from_page(feed, item, page, stamp)
        if isinstance(made, Article):
            return made, state
        why = made
    except FetchError as exc:
        why = str(exc)
    except Exception as exc:  # one page's surprise never stops its feed
        log.exception("feed %s: page %s could not be read", feed.url, entry.url)
        why = f"{type(exc).__name__}: {exc}"
    if item.indexed:  # an indexed article is never replaced by the entry's teaser
        log.info("feed %s: %s not read again (%s); kept as it is", feed.url, entry.url, why)
        return None, replace(state, page_read=False)
    origin = Origin(Path(feed.url), f"{feed.url} → {entry.url}")
    return _from_entry(feed, item, origin, why), replace(state, page_read=False)


def _from_page(feed: FeedSource, item: Todo, page: FetchResult, stamp: str) -> Article | str:
    """The entry's fetched page as its article, or why it is none."""
    entry = item.entry
    origin = Origin(Path(feed.url), f"{feed.url} → {entry.url}")
    parsed = parse_html(page.body.decode("utf-8", "replace"), origin)
    if not isinstance(parsed, Article):
        return parsed.message
    return replace(
        parsed,
        url=entry.url,
        id=url_id(entry.url),
        source=feed.source or parsed.source,
        authors=parsed.authors or entry.authors,
        published_at=parsed.published_at or _published(item),
        modified_at=parsed.modified_at or _changed_on(item),
        origin=f"{entry.url} (fetched {stamp} from feed {feed.url})",
    )


def _published(item: Todo) -> str | None:
    """The entry's publication date, else the indexed article's. An update date (Atom's
    ``<updated>``, a sitemap's ``<lastmod>``) says when the entry last changed, not when it
    was published: it is never taken for one."""
    return normalize_date(item.entry.published) or item.published


def _changed_on(item: Todo) -> str | None:
    """The entry's update date when it is not just its publication date."""
    updated = normalize_date(item.entry.updated)
    return updated if updated and updated != _published(item) else None


def _from_entry(feed: FeedSource, item: Todo, origin: Origin, why: str) -> Article | None:
    entry = item.entry
    if not entry.summary.strip():
        log.info("feed %s: %s skipped (%s; the entry has no text)", feed.url, entry.url, why)
        return None
    draft = Draft(
        text=plain_text(entry.summary),
        title=entry.title or None,
        url=entry.url,
        source=feed.source,
        authors=entry.authors,
        published_at=_published(item),
        modified_at=_changed_on(item),
    )
    built = build_article(draft, origin)
    if isinstance(built, LoadProblem):
        return None
    return replace(built, origin=f"{entry.url} (feed entry text: {PAGE_NOT_READ}: {why})")


def _record(
    run: _Pass,
    feed: FeedSource,
    status: str,
    error: str | None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """The feed's state after this pass: a failure backs off (its interval doubled per failure
    in a row); a deferred feed keeps its validators and is due at once."""
    failed = status not in ("ok", "not_modified", DEFERRED)
    failures = feed.failures + 1 if failed else 0
    wait = min(feed.every_s * 2**failures, MAX_BACKOFF_S) if failed else feed.every_s
    keep = failed or status == DEFERRED
    with run.writing():
        run.index.catalog.feeds.record_fetch(
            replace(
                feed,
                etag=feed.etag if keep else etag,
                last_modified=feed.last_modified if keep else last_modified or feed.last_modified,
                last_fetch_at=run.stamp,
                last_status=status,
                last_error=error,
                failures=failures,
                next_try_at=(
                    run.now + timedelta(seconds=0 if status == DEFERRED else wait)
                ).isoformat(timespec="seconds"),
            )
        )
