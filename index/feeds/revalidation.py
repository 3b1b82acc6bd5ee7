"""Which recent entries' pages are due to be read again (issue #33), and how a feed's stand: its
schedule (its own, else ``NEWSRAG_FETCH_REVALIDATE``), how many entries still have a check to
come, how many are due now and when the next one is. The checks themselves are made by the feed
pass (``index.feeds.passes``), through the same fetcher and the same write as any update."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from index.feeds.schedule import next_check, oldest_pending, parse_schedule, schedule_text, stamp
from index.feeds.settings import FetchSettings
from index.records import EntryState, FeedSource

if TYPE_CHECKING:
    from index.store import NewsIndex


@dataclass
class Revalidation:
    """What one pass's revalidation of a feed's entries found."""

    checked: int = 0  # pages asked for again (conditionally)
    changed: int = 0  # ... whose text changed: a new version of the article
    unchanged: int = 0  # ... a 304, or the same text
    failed: int = 0  # ... that could not be read (the article is kept as it is)
    left: int = 0  # due but not reached: the pass's bound or its time; checked next pass

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def text(self) -> str:
        said = (
            f"{self.checked} checked: {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.failed} failed"
        )
        return said + (f", {self.left} left for the next pass" if self.left else "")


@dataclass(frozen=True)
class Outlook:
    """Where a feed's revalidation stands (``feeds list``)."""

    schedule: str  # the schedule in force: "1h,6h,1d,3d,7d", or "off"
    pending: int  # entries with a check still to come (those due now included)
    due: int  # entries due now (checked at the feed's next pass)
    next_at: str | None  # the earliest check to come (past when some are due now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "revalidate_schedule": self.schedule,
            "revalidation_pending": self.pending,
            "revalidation_due": self.due,
            "next_revalidation_at": self.next_at,
        }


def feed_points(feed: FeedSource, settings: FetchSettings) -> tuple[int, ...]:
    """The feed's schedule, in seconds after publication (its own, else the setting's)."""
    return parse_schedule(feed.revalidate or settings.fetch_revalidate, "revalidate")


def due_entries(
    index: NewsIndex, feed_url: str, points: tuple[int, ...], now: datetime
) -> list[EntryState]:
    """The entries of ``feed_url`` due for a check at ``now``, the longest waiting first."""
    return [state for when, state in _scheduled(index, feed_url, points, now) if when <= now]


def revalidation_outlook(
    index: NewsIndex, feed: FeedSource, settings: FetchSettings, now: datetime | None = None
) -> Outlook:
    """Where ``feed``'s revalidation stands at ``now``."""
    points = feed_points(feed, settings)
    now = now or datetime.now(UTC)
    scheduled = _scheduled(index, feed.url, points, now)
    due = sum(when <= now for when, _ in scheduled)
    next_at = stamp(scheduled[0][0]) if scheduled else None
    return Outlook(schedule_text(points), len(scheduled), due, next_at)


def _scheduled(
    index: NewsIndex, feed_url: str, points: tuple[int, ...], now: datetime
) -> list[tuple[datetime, EntryState]]:
    """Each entry with a check still to come, and when, soonest first."""
    if not points:
        return []
    found = []
    for state in index.catalog.feeds.recent_entries(feed_url, oldest_pending(points, now)):
        when = next_check(state.published_at, state.fetched_at, points)
        if when is not None:
            found.append((when, state))
    return sorted(found, key=lambda pair: (pair[0], pair[1].url))
