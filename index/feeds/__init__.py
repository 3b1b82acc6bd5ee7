"""News that keeps arriving: a polite, safe fetcher (``fetch``), the address rules it keeps
(``addresses``) and its settings (``settings``). Feeds, sitemaps and article versions build on
these (issue #18); so does the revalidation of recent entries' pages (``schedule``,
``revalidation``; issue #33). Names load on first use, so importing the settings costs no
network library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.feeds.addresses import BlockedAddress, check_url
    from index.feeds.fetch import Fetcher, FetchError, FetchResult
    from index.feeds.passes import FeedOutcome, due
    from index.feeds.revalidation import Outlook, Revalidation, revalidation_outlook
    from index.feeds.schedule import DEFAULT_REVALIDATE, ScheduleError, schedule_text
    from index.feeds.settings import FetchSettings
    from index.feeds.sources import DEFAULT_EVERY, feed_url, new_feed

_LAZY = {
    "BlockedAddress": "index.feeds.addresses",
    "check_url": "index.feeds.addresses",
    "FetchError": "index.feeds.fetch",
    "FetchResult": "index.feeds.fetch",
    "Fetcher": "index.feeds.fetch",
    "FetchSettings": "index.feeds.settings",
    "FeedOutcome": "index.feeds.passes",
    "due": "index.feeds.passes",
    "Outlook": "index.feeds.revalidation",
    "Revalidation": "index.feeds.revalidation",
    "revalidation_outlook": "index.feeds.revalidation",
    "DEFAULT_REVALIDATE": "index.feeds.schedule",
    "ScheduleError": "index.feeds.schedule",
    "schedule_text": "index.feeds.schedule",
    "DEFAULT_EVERY": "index.feeds.sources",
    "feed_url": "index.feeds.sources",
    "new_feed": "index.feeds.sources",
}
__all__ = [
    "DEFAULT_EVERY",
    "DEFAULT_REVALIDATE",
    "BlockedAddress",
    "FeedOutcome",
    "FetchError",
    "FetchResult",
    "FetchSettings",
    "Fetcher",
    "Outlook",
    "Revalidation",
    "ScheduleError",
    "check_url",
    "due",
    "feed_url",
    "new_feed",
    "revalidation_outlook",
    "schedule_text",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'index.feeds' has no attribute {name!r}")
