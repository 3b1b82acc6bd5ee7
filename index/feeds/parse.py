"""A fetched feed or sitemap → its entries. RSS 2.0, RSS 1.0/RDF and Atom through feedparser;
sitemaps (``<urlset>``, with Google News ``<news:news>``) through lxml. A ``<sitemapindex>``
lists other sitemaps, which are entries too (followed as feeds are: their pages are fetched)."""

from __future__ import annotations

import calendar
import html
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from index.loaders.dates import MAX_YEAR, MIN_YEAR, normalize_date

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class FeedParseError(ValueError):
    """The document is neither a feed nor a sitemap; the message says what was found."""


@dataclass(frozen=True)
class Entry:
    url: str
    title: str = ""
    published: str | None = None  # ISO date or datetime
    updated: str | None = None
    summary: str = ""  # the entry's own text (used only when the page cannot be read)
    authors: tuple[str, ...] = ()


def entries(body: bytes, base_url: str) -> list[Entry]:
    """The entries of a fetched document, parsed from memory only: feedparser, given bytes or a
    string, first tries them as a file path or URL (a body of ``/dev/zero`` was opened), so it
    gets a stream."""
    if not body.strip():
        raise FeedParseError("not a readable feed or sitemap (the body is empty)")
    head = body.lstrip()[:2048].lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return _sitemap(body, base_url)
    parsed = feedparser.parse(io.BytesIO(body))
    found = _feed_entries(parsed, base_url)
    if not found and (parsed.get("bozo") or not parsed.get("version")):
        reason = getattr(parsed, "bozo_exception", None) or "no feed or sitemap elements"
        raise FeedParseError(f"not a readable feed or sitemap ({reason})")
    return found


def _feed_entries(parsed: Any, base_url: str) -> list[Entry]:
    """Entries with a link. An RSS 1.0 item's one date (``dc:date``) is its publication date;
    Atom's ``<updated>`` is not one (when it changed), so an entry with only that has none."""
    rdf = str(parsed.get("version", "")).startswith("rss09") or parsed.get("version") == "rss10"
    found = []
    for e in parsed.entries:
        link = e.get("link") or ""
        if not link:
            continue
        text = e.get("summary") or ""
        if e.get("content"):
            text = max((c.get("value", "") for c in e["content"]), key=len) or text
        found.append(
            Entry(
                urljoin(base_url, link),
                str(e.get("title") or ""),
                _entry_date(e, "published") or (_entry_date(e, "updated") if rdf else None),
                _entry_date(e, "updated"),
                str(text),
                tuple(a.get("name", "") for a in e.get("authors", []) if a.get("name")),
            )
        )
    return found


_BREAK = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/blockquote)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """An entry's own text without its markup (feeds carry HTML in descriptions and content):
    blocks become paragraphs, tags go, entities are decoded."""
    if "<" not in text and "&" not in text:
        return text
    blocks = _BREAK.sub("\n\n", text)
    return html.unescape(_TAG.sub("", blocks))


def _sitemap(body: bytes, base_url: str) -> list[Entry]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"not a readable sitemap ({exc})") from None
    found = []
    for node in root:
        loc = node.findtext(f"{SITEMAP}loc")
        if not loc:
            continue
        news = node.find(f"{NEWS}news")
        title = news.findtext(f"{NEWS}title") if news is not None else None
        published = news.findtext(f"{NEWS}publication_date") if news is not None else None
        updated = node.findtext(f"{SITEMAP}lastmod")
        found.append(
            Entry(
                urljoin(base_url, loc.strip()),
                (title or "").strip(),
                normalize_date(published),
                normalize_date(updated),
            )
        )
    return found


def _entry_date(entry: Any, name: str) -> str | None:
    """An entry's date as the feed wrote it, or None when it is not a real date in
    ``MIN_YEAR..MAX_YEAR``: feedparser turns ``0000-00-00`` into year -1 and ``-0044-03-15``
    into a day of this year, so its reading is believed only when the text says that year."""
    raw = str(entry.get(name) or "").strip()
    if not raw:
        return None
    moment = _strict_date(raw)
    if moment is None:
        parsed = entry.get(f"{name}_parsed")
        if parsed and str(parsed.tm_year) in raw and not raw.startswith("-"):
            moment = _from_struct(parsed)
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _strict_date(raw: str) -> datetime | None:
    """RFC 822 (RSS) or ISO 8601 (Atom, W3C-DTF) text as a UTC moment; None for anything else."""
    for read in (parsedate_to_datetime, _iso_moment):
        try:
            moment = read(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    return None


def _iso_moment(raw: str) -> datetime:
    if raw.startswith("-") or not raw[:4].isdigit():
        raise ValueError(raw)
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _from_struct(parsed: time.struct_time) -> datetime | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, OSError, ValueError):
        return None
