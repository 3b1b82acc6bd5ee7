"""The feeds a user follows: checking a new one (its URL and interval) before it is stored.
Their state lives in the catalog (``Catalog.add_feed``, ``remove_feed``, ``feeds``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from index.feeds.addresses import BlockedAddress, check_url
from index.feeds.schedule import parse_schedule, schedule_text
from index.records import FeedSource

DEFAULT_EVERY = "30m"
EVERY_BOUNDS_S = (60, 7 * 86400)  # at most once a minute, at least once a week
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"^\s*(\d{1,6})\s*([smhd])\s*$")


class FeedError(ValueError):
    """A feed cannot be followed as given; the message names the field."""


def parse_every(text: str) -> int:
    """``30m``, ``2h``, ``1d``, ``90s`` → seconds, within ``EVERY_BOUNDS_S``."""
    match = _EVERY.match(text.lower())
    if match is None:
        raise FeedError(f"--every {text!r}: write a number and s, m, h or d (e.g. 30m)")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    low, high = EVERY_BOUNDS_S
    if not low <= seconds <= high:
        raise FeedError(f"--every {text!r}: between 1m and 7d")
    return seconds


def feed_url(url: str, allow_hosts: str = "") -> str:
    """``url`` checked (http or https, a host, no address that is never fetched) and tidied
    (scheme and host lower-cased, fragment dropped)."""
    parts = urlsplit(url.strip())
    if parts.username or parts.password:
        raise FeedError(f"feed URL {url!r}: has a user name or password; newsrag stores none")
    try:
        check_url(url.strip(), allow_hosts, resolve=False)  # names are checked at each fetch
    except BlockedAddress as exc:
        raise FeedError(f"feed URL {exc}") from None
    netloc = parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def new_feed(
    url: str,
    every: str = DEFAULT_EVERY,
    source: str | None = None,
    allow_hosts: str = "",
    revalidate: str | None = None,
) -> FeedSource:
    """A feed to follow; ``revalidate`` (``1h,6h,24h,3d,7d`` or ``off``) is its own schedule
    for reading its recent entries' pages again (None: ``NEWSRAG_FETCH_REVALIDATE``)."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    name = (source or "").strip() or None
    schedule = None if revalidate is None else schedule_text(parse_schedule(revalidate))
    return FeedSource(
        feed_url(url, allow_hosts), name, parse_every(every), stamp, revalidate=schedule
    )
