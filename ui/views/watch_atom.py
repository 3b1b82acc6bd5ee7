"""A watchlist as an Atom 1.0 feed (RFC 4287), so any feed reader can subscribe to it.

The feed has a stable ``id`` (a UUID URN made from the watchlist's id and creation time), its
name as ``title``, ``updated`` (its newest item, else its creation), an author and a ``self``
link. Each item is an entry: a stable ``id`` (from the watchlist, article and version), the
article's title, ``updated`` (when it was matched), ``published`` (the article's day, when it
has one), a link to its ``/cite`` page (scrolled to the quoted sentence) and the quoted sentence
as a plain-text ``summary``. Text goes through the XML serialiser: nothing is markup.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from index import WatchItem, Watchlist
from ui.views.cite_urls import cite_url

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/newsrag/newsrag#watchlists")


def feed_id(watchlist: Watchlist) -> str:
    return uuid.uuid5(NAMESPACE, f"{watchlist.id}:{watchlist.created_at}").urn


def entry_id(watchlist: Watchlist, item: WatchItem) -> str:
    name = f"{watchlist.id}:{watchlist.created_at}:{item.article_id}:{item.version}"
    return uuid.uuid5(NAMESPACE, name).urn


def atom_feed(watchlist: Watchlist, items: Sequence[WatchItem], base: str, self_url: str) -> bytes:
    """The feed of ``items`` (newest first); ``base``: the server's origin, for the /cite
    links; ``self_url``: the feed's own address."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id(watchlist))
    _text(feed, "title", f"newsrag watchlist: {watchlist.name}")
    what = f"articles matching “{watchlist.query}”" if watchlist.query else "a story's articles"
    _text(feed, "subtitle", f"New {what}, each with its cited sentence")
    _text(feed, "updated", max((i.matched_at for i in items), default=watchlist.created_at))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "newsrag")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    _text(feed, "generator", "newsrag")
    for item in items:
        _entry(feed, watchlist, item, base)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ET.Element, watchlist: Watchlist, item: WatchItem, base: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(watchlist, item))
    _text(entry, "title", item.title or item.article_id)
    _text(entry, "updated", item.matched_at)
    if item.published_at:
        _text(entry, "published", f"{item.published_at[:10]}T00:00:00Z")
    link = base.rstrip("/") + cite_url(item.citation, (item.quote_start, item.quote_end))
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
    if item.source:
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", item.source)
    _text(entry, "summary", f"“{item.quote}”").set("type", "text")


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    child.text = _xml_safe(value)
    return child


def _xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (controls other than tab and line
    breaks, lone surrogates): an article's text may carry them."""
    return "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or (" " <= ch <= "\ud7ff")
        or ("\ue000" <= ch <= "\ufffd")
        or ch > "\uffff"
    )
