"""A feed's revalidation within a fetch pass (``index.feeds.passes``): after the feed's own
fetch, the pages of its recent entries that are due on its revalidation schedule
(``index.feeds.revalidation``; at most ``fetch_revalidate_per_pass`` a pass, the pass's time
allowing) are asked for again, conditionally, with the validators they answered with last
time. A 304 costs nothing; a page that answers is extracted as any entry's page is and written
through the pass's one ``Ingestor`` write (a changed text a new version, the old one still
citable); a page that cannot be read leaves its article as it is until the next point of the
schedule. An entry whose article was deleted is never asked for nor brought back.

The pass is taken structurally (``PassRun``), its write and its page extraction as callables,
so this module never imports ``index.feeds.passes``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from index.feeds.fetch import Fetcher, FetchError, FetchResult
from index.feeds.parse import Entry
from index.feeds.revalidation import Revalidation, due_entries, feed_points
from index.feeds.schedule import anchor
from index.ingest.ingestor import IngestSummary
from index.loaders.ids import url_id
from index.records import Article, EntryState, FeedSource
from index.store import NewsIndex

log = logging.getLogger(__name__)
WRITE_EVERY = 20  # entries fetched per write: a pass killed midway keeps what it wrote
# what an entry's last revalidation found (``EntryState.last_check``)
CHANGED, UNCHANGED, FAILED = "changed", "unchanged", "failed"
READ = "read"  # answered with a page: changed or unchanged once its article is written
NOT_INDEXED = "not checked: its article was deleted"
Writing = Callable[[], AbstractContextManager[object]]


@dataclass
class Budget:
    left: int  # pages this pass may still re-validate


@dataclass(frozen=True)
class Todo:
    """An entry whose page is to be read, with what is known of it."""

    entry: Entry
    before: EntryState | None  # what this feed showed of it last time (None: new here)
    indexed: bool  # its article is in the index: a page that cannot be read leaves it as is
    published: str | None  # the indexed article's publication date (kept when a page has none)


class PassRun(Protocol):
    """What revalidation needs of a pass (``passes._Pass``)."""

    @property
    def index(self) -> NewsIndex: ...
    @property
    def fetcher(self) -> Fetcher: ...
    @property
    def now(self) -> datetime: ...
    @property
    def writing(self) -> Writing: ...
    @property
    def checks(self) -> Budget: ...
    @property
    def stamp(self) -> str: ...
    def out_of_time(self) -> bool: ...


Ingest = Callable[[IngestSummary, list[Article]], None]  # the pass's write, inside ``writing``
FromPage = Callable[[FeedSource, Todo, FetchResult, str], Article | str]  # a page's article


def revalidate(
    run: PassRun, feed: FeedSource, summary: IngestSummary, ingest: Ingest, from_page: FromPage
) -> Revalidation:
    """Ask again for the pages of ``feed``'s entries that are due on its schedule (the pass's
    bound and time allowing), ``WRITE_EVERY`` at a time; a changed page is written as any
    update is (``ingest``, into ``summary``). What was found is recorded on the feed."""
    found = Revalidation()
    due = _indexed_due(run, feed)
    for begin in range(0, len(due), WRITE_EVERY):
        if run.out_of_time() or run.checks.left <= 0:
            break
        batch = due[begin : begin + min(WRITE_EVERY, run.checks.left)]
        run.checks.left -= len(batch)
        rechecked = [
            (_recheck(run.fetcher, feed, item, run.stamp, from_page), text) for item, text in batch
        ]
        articles = [article for (article, _), _ in rechecked if article is not None]
        with run.writing():
            ingest(summary, articles)
            states = [_checked(run.index, state, text) for (_, state), text in rechecked]
            run.index.catalog.feeds.record_entries(states)  # after its article: a crash re-reads
        for state in states:
            check = state.last_check or ""
            found.changed += check == CHANGED
            found.unchanged += check.startswith(UNCHANGED)
            found.failed += check.startswith(FAILED)
        found.checked += len(batch)
    found.left = len(due) - found.checked
    if found.checked or found.left:
        with run.writing():
            run.index.catalog.feeds.record_revalidation(feed.url, run.stamp, found.text())
    return found


def _indexed_due(run: PassRun, feed: FeedSource) -> list[tuple[Todo, str]]:
    """The due entries of ``feed`` whose article is indexed, each with its text's hash; those
    whose article was deleted are never brought back nor asked for (recorded as not checked,
    so they wait for the next point)."""
    due, gone = [], []
    points = feed_points(feed, run.fetcher.settings)
    for before in due_entries(run.index, feed.url, points, run.now):
        row = run.index.catalog.articles.article_state(url_id(before.url))
        if row is None:
            gone.append(replace(before, fetched_at=run.stamp, last_check=NOT_INDEXED))
            continue
        entry = Entry(before.url, updated=before.updated)
        due.append((Todo(entry, before, True, row["published_at"]), row["text_hash"]))
    if gone:
        with run.writing():
            run.index.catalog.feeds.record_entries(gone)
    return due


def _recheck(
    fetcher: Fetcher, feed: FeedSource, item: Todo, stamp: str, from_page: FromPage
) -> tuple[Article | None, EntryState]:
    """An indexed entry's page asked for again with its validators: nothing on a 304, its
    article when it answered with a page (written, then ``_checked`` tells whether its text
    changed), and the entry's new state; a page that cannot be read keeps the old validators
    (and its article), and waits for the next point of the schedule."""
    before = item.before
    assert before is not None
    start = before.published_at or anchor(None, before.fetched_at)
    state = replace(before, fetched_at=stamp, published_at=start, page_read=True)
    try:
        page = fetcher.get(item.entry.url, before.etag, before.last_modified)
        if page.not_modified:
            etag, modified = page.etag or before.etag, page.last_modified or before.last_modified
            return None, replace(state, etag=etag, last_modified=modified, last_check=UNCHANGED)
        made = from_page(feed, item, page, stamp)
        if isinstance(made, Article):
            read = replace(state, etag=page.etag, last_modified=page.last_modified, last_check=READ)
            return made, read
        why = made
    except FetchError as exc:
        why = str(exc)
    except Exception as exc:  # one page's surprise never stops its feed
        log.exception("feed %s: page %s could not be re-validated", feed.url, item.entry.url)
        why = f"{type(exc).__name__}: {exc}"
    log.info("feed %s: %s not re-validated (%s); kept as it is", feed.url, item.entry.url, why)
    return None, replace(state, last_check=f"{FAILED}: {why}"[:300])


def _checked(index: NewsIndex, state: EntryState, text_before: str) -> EntryState:
    """A re-read page's state once its article is written: changed when its text is new."""
    if state.last_check != READ:
        return state
    row = index.catalog.articles.article_state(url_id(state.url))
    changed = row is not None and row["text_hash"] != text_before
    return replace(state, last_check=CHANGED if changed else f"{UNCHANGED} (the same text)")
