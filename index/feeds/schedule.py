"""When a recent entry's page is read again (issue #33): a correction made on the page without a
new date in the feed is found only by asking the page itself. Each entry is re-validated on a
decaying schedule counted from its publication — by default 1 h, 6 h, 24 h, 3 d and 7 d after —
with a conditional GET (its page's ETag / Last-Modified are kept per entry), so an unchanged
page costs a 304. A point of the schedule is due when it lies after the page was last read and
not after now: a pass that comes late checks once for every point it missed. Pure arithmetic,
no network and no catalog here (``index.feeds.passes`` runs the checks)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

DEFAULT_REVALIDATE = "1h,6h,24h,3d,7d"
OFF = "off"
POINT_BOUNDS_S = (60, 90 * 86400)  # a point between 1 minute and 90 days after publication
MAX_POINTS = 12
LATE_S = 86400  # a point missed by more than this (no pass ran) is not checked any more
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_POINT = re.compile(r"^\s*(\d{1,6})\s*([smhd])\s*$")


class ScheduleError(ValueError):
    """A revalidation schedule that cannot be read; the message says what to write."""


def parse_schedule(text: str, name: str = "--revalidate") -> tuple[int, ...]:
    """``1h,6h,24h,3d,7d`` → seconds after publication, sorted (``off``, ``none`` or ``0``:
    no revalidation, ``()``)."""
    if text.strip().lower() in (OFF, "none", "0", "no", "false"):
        return ()
    points = set()
    for part in text.split(","):
        match = _POINT.match(part.lower())
        if match is None:
            raise ScheduleError(
                f"{name} {text!r}: write times after publication such as 1h,6h,24h,3d,7d "
                "(a number and s, m, h or d each), or off"
            )
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
        low, high = POINT_BOUNDS_S
        if not low <= seconds <= high:
            raise ScheduleError(f"{name} {text!r}: each time between 1m and 90d")
        points.add(seconds)
    if len(points) > MAX_POINTS:
        raise ScheduleError(f"{name} {text!r}: at most {MAX_POINTS} times")
    return tuple(sorted(points))


def schedule_text(points: tuple[int, ...]) -> str:
    """Seconds → ``1h,6h,1d,3d,7d`` (each in its largest whole unit); ``off`` for none."""
    if not points:
        return OFF
    return ",".join(_point_text(p) for p in points)


def _point_text(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def moment(text: str | None) -> datetime | None:
    """A stored ISO date or datetime as a UTC moment (a date alone: its midnight UTC)."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def anchor(published: str | None, first_seen: str) -> str:
    """Where an entry's schedule starts: its publication (a full date and time, not later than
    when it was first seen), else when it was first seen."""
    seen = moment(first_seen)
    when = moment(published) if published and "T" in published else None
    if seen is None:
        return first_seen
    return stamp(min(when, seen) if when is not None else seen)


def next_check(start: str | None, last_read: str, points: tuple[int, ...]) -> datetime | None:
    """The first point of the schedule after the page was last read (``start``: the entry's
    anchor; None: when it was last read); None when no point is left."""
    read = moment(last_read)
    begin = moment(start) or read
    if read is None or begin is None:
        return None
    for seconds in points:
        point = begin + timedelta(seconds=seconds)
        if point > read:
            return point
    return None


def oldest_pending(points: tuple[int, ...], now: datetime) -> str:
    """The anchor before which an entry has no point left that is not ``LATE_S`` past."""
    return stamp(now - timedelta(seconds=max(points, default=0) + LATE_S))
