"""Relative dates in news text ("on Monday", "yesterday", "last week", "November 21") and the
dates they mean, counted from the article's publication day. Display only: the text is never
changed; ``annotate`` shows each date in square brackets after its phrase.

News conventions: a bare weekday is the most recent such day on or before publication, or the
first on or after it when its sentence speaks of the future ("will", "is set to") and no past
verb stands right before it ("said Friday"); weeks run
Monday to Sunday; a month-day without a year takes the year that puts it nearest the
publication day. Month names must be capitalized, so "may 5" and "march 5 miles" stay verbs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from index.text.sentences import sentence_spans

MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
NUMBERS = {"a": 1} | {
    w: n for n, w in enumerate("one two three four five six seven eight nine ten".split(), 1)
}
DAY_WORDS = {
    "the day before yesterday": -2,
    "yesterday": -1,
    "last night": -1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "tomorrow": 1,
}

Resolved = tuple[str, str]  # (ISO date, label)
_POSS = r"(?:['’]s)?"  # possessive: "Monday's", "yesterday's"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
_WORDS = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in DAY_WORDS)
_NAMED_DAY = re.compile(r"\b(?:USA|NBC'?s?|Good\s+Morning\s+America)\s+$", re.I)
_DAY_WORD_RE = re.compile(rf"\b(?P<word>{_WORDS}){_POSS}\b", re.I)
_WEEKDAY_RE = re.compile(
    rf"\b(?:(?P<rel>on|last|this|next)\s+)?(?P<day>{'|'.join(WEEKDAYS)}){_POSS}\b", re.I
)
_PERIOD_RE = re.compile(
    rf"\b(?:(?:earlier|later)\s+)?(?P<rel>last|this|next)\s+(?P<unit>week|month|year){_POSS}\b",
    re.I,
)
_AGO_RE = re.compile(
    rf"\b(?P<n>\d{{1,3}}|{'|'.join(NUMBERS)})\s+(?P<unit>days?|weeks?)\s+ago\b", re.I
)
_MONTH_DAY_RE = re.compile(  # "Nov. 21" or "21st of November", not followed by a year
    rf"\b(?P<mon>{_MONTH})\.?\s+(?P<day>\d{{1,2}}){_ORD}\b(?!,?\s*\d{{4}}\b)"
    rf"|\b(?P<day2>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon2>{_MONTH})\b(?!\.?,?\s*\d{{4}}\b)"
)
_WRITTEN_DATE = re.compile(  # after a weekday: "Monday, November 25" says which Monday
    rf",?\s+(?:the\s+)?(?:\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}\b|{_MONTH}\.?\s+\d)"
)
_FUTURE = re.compile(
    r"\bwill\b|\bwon['’]t\b|['’]ll\b|\b(?:is|are)\s+(?:scheduled|set\s+to|expected\s+to|due)\b"
    r"|\bplans?\s+to\b|\bupcoming\b",
    re.I,
)
# a weekday right after a past verb is past whatever the rest says: "Biden said Friday that
# Florida will take years to rebuild"
_PAST_VERB_BEFORE = re.compile(
    r"\b(?!(?:scheduled|expected|planned|slated)\b)"  # "talks are scheduled Monday": ahead
    r"(?:said|told|wrote|met|spoke|began|took|made|gave|held|won|lost|[a-z]+ed)\s*$",
    re.I,
)
_EVENT_AFTER = re.compile(
    r"(?:['’]s)?,?\s+(?:attacks?|riots?|rioters?|insurrection|committee|panel|select|hearings?|"
    r"investigations?|probe|anniversary|defendants?|cases?|mob|siege|events?|massacres?|"
    r"uprising|protests?|raid|shooting|bombings?|elections?|primary|deadline)\b",
    re.I,
)
_EVENT_BEFORE = re.compile(r"\b(?:since|anniversary\s+of)\s+$", re.I)
_ANNIVERSARY = re.compile(r"\banniversar(?:y|ies)\b|\byears?\s+(?:ago|since|after)\b", re.I)
_ISO_DAY = re.compile(r"\s*(\d{4}-\d{2}-\d{2})(?:[T\s]|$)")


@dataclass(frozen=True)
class DateMention:
    """A relative date phrase at ``text[start:end]`` and the date it means."""

    start: int
    end: int
    phrase: str
    date: str  # ISO day, week "YYYY-MM-DD/YYYY-MM-DD" (Mon..Sun), month "YYYY-MM" or year
    label: str  # what a reader is shown: "25 Nov 2024", "week of 18 Nov 2024", "October 2024"
    kind: str = "day"  # the rule that read it: day, weekday, period, ago, month_day (KINDS)

    def to_dict(self) -> dict[str, str | int]:
        return {
            "start": self.start,
            "end": self.end,
            "phrase": self.phrase,
            "date": self.date,
            "label": self.label,
            "kind": self.kind,
        }


def resolve_dates(
    text: str, published_at: str | None, kinds: Collection[str] | None = None
) -> list[DateMention]:
    """Relative date phrases in text with the dates they mean, in text order; [] when
    published_at is missing or unparseable ('YYYY-MM-DD' or an ISO timestamp: its date part).
    ``kinds``: read only the phrases of these rules (None: all of KINDS)."""
    pub = _publication_day(published_at)
    if pub is None:
        return []
    found = [
        DateMention(m.start(), m.end(), m.group(), *resolved, kind=kind)
        for kind, pattern, rule in _RULES
        for m in pattern.finditer(text)
        if (resolved := rule(m, pub, text))
    ]
    kept = _without_overlaps(found)  # a longer phrase of a kind left out still wins its place
    return [m for m in kept if kinds is None or m.kind in kinds]


def annotate(text: str, mentions: Sequence[DateMention]) -> str:
    """text with ' [label]' inserted right after each mention, e.g. 'on Monday [25 Nov 2024]'."""
    return with_notes(text, {m.end: f" [{m.label}]" for m in mentions})


def with_notes(
    text: str,
    notes: Mapping[int, str],
    piece: Callable[[str], str] = str,
    lo: int = 0,
    hi: int | None = None,
) -> str:
    """``text[lo:hi]`` with each note inserted at its offset; the text between notes passes
    through ``piece`` (an HTML view escapes it; a note is written as it should appear)."""
    hi = len(text) if hi is None else hi
    out, at = [], lo
    for cut in sorted(n for n in notes if lo < n <= hi):
        out += [piece(text[at:cut]), notes[cut]]
        at = cut
    return "".join(out) + piece(text[at:hi])


def _publication_day(published_at: str | None) -> dt.date | None:
    match = _ISO_DAY.match(published_at or "")
    try:
        return dt.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def _without_overlaps(found: list[DateMention]) -> list[DateMention]:
    """The longest phrases first, then any that do not overlap them, in text order."""
    kept: list[DateMention] = []
    for m in sorted(found, key=lambda m: (m.start - m.end, m.start)):
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def day_label(day: dt.date) -> str:
    """How a day is shown to a reader: "25 Nov 2024"."""
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _day(day: dt.date) -> Resolved:
    return day.isoformat(), day_label(day)


def _week(day: dt.date) -> Resolved:
    monday = day - dt.timedelta(days=day.weekday())
    sunday = monday + dt.timedelta(days=6)
    return f"{monday.isoformat()}/{sunday.isoformat()}", f"week of {_day(monday)[1]}"


def _month(year: int, month: int) -> Resolved:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}", f"{MONTHS[month - 1]} {year}"


def _day_word(m: re.Match[str], pub: dt.date, text: str) -> Resolved | None:
    if _NAMED_DAY.search(text, max(0, m.start() - 12), m.start()) or m["word"] == "TODAY":
        return None  # "USA Today", "TODAY": a name, not a day
    return _day(pub + dt.timedelta(days=DAY_WORDS[" ".join(m["word"].lower().split())]))


def _weekday(m: re.Match[str], pub: dt.date, text: str) -> Resolved | None:
    if _WRITTEN_DATE.match(text, m.end()):
        return None
    weekday = WEEKDAYS.index(m["day"].lower())
    back, ahead = (pub.weekday() - weekday) % 7, (weekday - pub.weekday()) % 7
    rel = (m["rel"] or "on").lower()
    if rel == "last":
        return _day(pub - dt.timedelta(days=back or 7))
    if rel == "next":
        return _day(pub + dt.timedelta(days=ahead or 7))
    if rel == "this":
        return _day(pub + dt.timedelta(days=weekday - pub.weekday()))
    past = _PAST_VERB_BEFORE.search(text, max(0, m.start() - 30), m.start()) is not None
    future = not past and _FUTURE.search(_sentence(text, m.start(), m.end()))
    return _day(pub + dt.timedelta(days=ahead if future else -back))


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end]."""
    return next((text[s:e] for s, e in sentence_spans(text) if s <= start and end <= e), text)


def _period(m: re.Match[str], pub: dt.date, text: str) -> Resolved:
    step = {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]
    unit = m["unit"].lower()
    if unit == "week":
        return _week(pub + dt.timedelta(weeks=step))
    if unit == "month":
        return _month(pub.year, pub.month + step)
    return str(pub.year + step), str(pub.year + step)


def _ago(m: re.Match[str], pub: dt.date, text: str) -> Resolved:
    n = NUMBERS[m["n"].lower()] if m["n"].isalpha() else int(m["n"])
    return _day(pub - dt.timedelta(days=n * 7 if m["unit"].lower().startswith("w") else n))


def _month_day(m: re.Match[str], pub: dt.date, text: str) -> Resolved | None:
    if _names_an_event(m, text):
        return None
    month = [name[:3] for name in MONTHS].index((m["mon"] or m["mon2"])[:3]) + 1
    day = int(m["day"] or m["day2"])
    candidates = [d for y in (pub.year - 1, pub.year, pub.year + 1) if (d := _date(y, month, day))]
    return _day(min(candidates, key=lambda d: abs((d - pub).days))) if candidates else None


def _names_an_event(m: re.Match[str], text: str) -> bool:
    """ "the Jan. 6 attack", "Jan. 6 committee", "since 9/11"-like uses: a day that names an
    event (or an anniversary) says nothing certain about its year."""
    before = text[max(0, m.start() - 20) : m.start()]
    return bool(
        _EVENT_AFTER.match(text, m.end())
        or _EVENT_BEFORE.search(before)
        or _ANNIVERSARY.search(_sentence(text, m.start(), m.end()))
    )


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


Rule = Callable[[re.Match[str], dt.date, str], Resolved | None]
_RULES: tuple[tuple[str, re.Pattern[str], Rule], ...] = (
    ("day", _DAY_WORD_RE, _day_word),
    ("weekday", _WEEKDAY_RE, _weekday),
    ("period", _PERIOD_RE, _period),
    ("ago", _AGO_RE, _ago),
    ("month_day", _MONTH_DAY_RE, _month_day),
)
KINDS = tuple(kind for kind, _, _ in _RULES)
