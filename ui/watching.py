"""Watchlists for every interface (issue #33): adding one (checked the same way from the CLI
and the HTTP API), matching after every write, and webhook deliveries.

After every ingest, upload and feed pass (and at each ``serve --watch`` tick) ``match_after``
runs the assistant's ``WatchMatcher`` over the articles past each watchlist's cursor and writes
the items through the ``Library`` that wrote the articles. A matching failure never fails the
write that came before it: it is logged, the cursors stay, and the next run matches what is left
(as after a kill). Webhook deliveries go out after the write, never under the write lock: the
CLI sends them before it exits; the server from a background thread (``Deliveries``), which
also retries the failed ones when their back-off is over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from assistant import (
    Assistant,
    DeliveryError,
    DeliveryReport,
    MatchReport,
    Retriever,
    WatchMatcher,
    WebhookPoster,
    check_webhook,
    deliver_due,
    new_secret,
)
from index import Library, NewsIndex, WatchItem, Watchlist
from ui.settings import Settings

if TYPE_CHECKING:
    from assistant import Policy

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 200
MAX_QUERY_CHARS = 10_000
DELIVERY_TICK_S = 15.0  # the server's delivery thread looks for due retries this often


class WatchlistError(ValueError):
    """A watchlist that cannot be made or found; ``kind`` is the API's error name."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def new_watchlist(
    door: Library,
    settings: Settings,
    query: str | None = None,
    story_id: str | None = None,
    name: str | None = None,
    webhook: str | None = None,
    secret: str | None = None,
) -> tuple[Watchlist, str | None]:
    """Store a watchlist of ``query`` or of ``story_id``; with its webhook secret when one was
    generated (shown once: it is never listed)."""
    query = " ".join((query or "").split()) or None
    story_id = (story_id or "").strip() or None
    if (query is None) == (story_id is None):
        raise WatchlistError("bad_watchlist", "give a query or a story id (one of them)")
    if query is not None and len(query) > MAX_QUERY_CHARS:
        raise WatchlistError("bad_watchlist", f"the query is over {MAX_QUERY_CHARS} characters")
    title = query or _story_title(door, story_id or "")
    webhook = (webhook or "").strip() or None
    generated = None
    if webhook is not None:
        try:
            check_webhook(webhook, settings.fetch)
        except DeliveryError as exc:
            raise WatchlistError("bad_watchlist", str(exc)) from None
        if not secret:
            secret = generated = new_secret()
    label = " ".join((name or "").split()) or title
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    made = Watchlist(0, label[:MAX_NAME_CHARS], query, story_id, stamp)
    made = replace(made, webhook_url=webhook, webhook_secret=secret if webhook else None)
    return door.watch(made), generated


def _story_title(door: Library, story_id: str) -> str:
    story = door.index.catalog.stories.story(story_id) if door.exists() else None
    if story is None:
        raise WatchlistError("unknown_story", f"no story {story_id!r} in this index")
    return story.title


def known(door: Library, watchlist_id: int) -> Watchlist:
    """The watchlist, or WatchlistError ``unknown_watchlist``."""
    found = door.watchlist(watchlist_id)
    if found is None:
        raise WatchlistError("unknown_watchlist", f"no watchlist {watchlist_id} in this index")
    return found


def match_after(door: Library, settings: Settings) -> MatchReport | None:
    """Match the watchlists against what was written since their cursors (None: nothing to
    match, or the run failed: logged, and the next run does it)."""
    if not door.exists() or not door.watchlists():
        return None
    try:
        matcher = WatchMatcher(door.index, Retriever(door.index, settings.retrieval), door)
        if not matcher.behind():
            return None
        report = matcher.run()
    except Exception as exc:  # the write before it stands; the cursors stay behind
        log.warning("watchlist matching failed (the next run retries): %s", exc)
        return None
    if report.total:
        log.info("watchlists: %d new items", report.total)
    return report


def after_write(
    door: Library, settings: Settings, deliveries: Deliveries | None = None
) -> MatchReport | None:
    """``match_after``, then the server's deliveries woken when it found something."""
    report = match_after(door, settings)
    if report is not None and report.total and deliveries is not None:
        deliveries.wake()
    return report


def deliver(door: Library, settings: Settings, policy: Policy | None = None) -> DeliveryReport:
    """Send the webhook deliveries due now (none without a watchlist with a webhook)."""
    if not door.exists() or not any(w.webhook_url for w in door.watchlists()):
        return DeliveryReport()
    poster = WebhookPoster(settings.fetch)
    try:
        report = deliver_due(door, poster, policy)
    finally:
        poster.close()
    for error in report.errors:
        log.warning("webhook: %s", error)
    return report


class Deliveries:
    """The server's webhook sender: a daemon thread woken after each matching run that found
    something, and every ``DELIVERY_TICK_S`` for retries; one delivery round at a time."""

    def __init__(self, settings: Settings, tick_s: float = DELIVERY_TICK_S) -> None:
        self.settings = settings
        self.tick_s = tick_s
        self._wake = threading.Event()
        self._started = False
        self._lock = threading.Lock()

    def wake(self) -> None:
        with self._lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._run, name="newsrag-webhooks", daemon=True).start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.tick_s)
            self._wake.clear()
            if not NewsIndex.exists(self.settings.index):
                continue
            try:
                with Library(self.settings.index) as door:
                    deliver(door, self.settings)
            except Exception as exc:  # the thread must live on: the next round retries
                log.warning("webhook deliveries failed: %s", exc)


def since_stamp(raw: str | None) -> str | None:
    """``?since=`` / ``--since`` as the stored stamps compare: a day (``YYYY-MM-DD``) or an ISO
    time (a naive one is UTC); ValueError otherwise."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a day (YYYY-MM-DD) or an ISO time") from None
    if len(text) == 10:
        return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


class WatchlistService:
    """The server's watchlists: reads on a reader's index, writes through a ``Library`` under
    the server's write lock (one writer with uploads, deletes and feed passes)."""

    def __init__(
        self,
        settings: Settings,
        reading: Callable[[], AbstractContextManager[Assistant]],
        write_lock: AbstractContextManager[object],
    ) -> None:
        self.settings = settings
        self._reading = reading
        self._write_lock = write_lock

    def all(self) -> list[Watchlist]:
        if not NewsIndex.exists(self.settings.index):
            return []
        with self._reading() as a:
            return Library.over(a.index).watchlists()

    def get(self, watchlist_id: int) -> Watchlist:
        if not NewsIndex.exists(self.settings.index):
            raise WatchlistError("unknown_watchlist", f"no watchlist {watchlist_id} (no index)")
        with self._reading() as a:
            return known(Library.over(a.index), watchlist_id)

    def items(self, watchlist_id: int, since: str | None, limit: int) -> list[WatchItem]:
        with self._reading() as a:
            return Library.over(a.index).watch_items(watchlist_id, since, limit)

    def add(self, **given: str | None) -> tuple[Watchlist, str | None]:
        with self._write_lock, Library(self.settings.index) as door:
            return new_watchlist(door, self.settings, **given)

    def remove(self, watchlist_id: int) -> bool:
        with self._write_lock, Library(self.settings.index) as door:
            return door.unwatch(watchlist_id)

    def mark_read(self, watchlist_id: int, through: int | None) -> int:
        with self._write_lock, Library(self.settings.index) as door:
            return door.mark_watch_read(watchlist_id, through)
