"""The period a briefing covers, and the one before it (what "new" is measured against)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from assistant.requests import QueryError


@dataclass(frozen=True)
class Period:
    since: str  # ISO days, inclusive
    until: str

    @property
    def days(self) -> int:
        return (date.fromisoformat(self.until) - date.fromisoformat(self.since)).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = date.fromisoformat(self.since) - timedelta(days=1)
        return Period((end - timedelta(days=self.days - 1)).isoformat(), end.isoformat())


def period_of(day: str | None, since: str | None, until: str | None, latest: str) -> Period:
    """``--day D``, or ``--since D [--until D]``; nothing: the ``latest`` day with news."""
    if day and (since or until):
        raise QueryError("day: give either day, or since (and until), not both")
    if day:
        since = until = _day("day", day)
    elif since:
        since, until = _day("since", since), _day("until", until) if until else latest
    elif until:
        raise QueryError("until: give since too (or day)")
    else:
        since = until = latest
    if since > until:
        raise QueryError(f"since: {since} is after until {until}")
    return Period(since, until)


def _day(name: str, value: str) -> str:
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a day (YYYY-MM-DD)") from None
