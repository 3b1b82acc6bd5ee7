"""A fetch pass against a real threaded HTTP server on 127.0.0.1 (issue #18): a feed's new
entries are fetched, extracted and indexed; the next pass is a 304; a new entry appears; a page
that cannot be read falls back to the entry's own text and says so; a malformed feed and a 500
are recorded with a back-off; nothing indexed before is lost. Hash encoder: the unit tier."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from index import Article, Ingestor, NewsIndex
from index.feeds.fetch import Fetcher
from index.feeds.parse import entries
from index.feeds.passes import fetch_pass
from index.feeds.settings import FetchSettings
from index.feeds.sources import new_feed
from index.loaders.ids import url_id
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

BODY = (
    "The harbour bridge in Port Ellen reopened to traffic on Friday after eight months of "
    "repairs, the city council said. Engineers replaced corroded cables and the deck surface. "
)


def page(n: int) -> bytes:
    paragraphs = "".join(f"<p>{BODY} Paragraph {i} of story {n}.</p>" for i in range(4))
    return (
        f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
        f"{paragraphs}</article></body></html>"
    ).encode()


class Site(BaseHTTPRequestHandler):
    items: ClassVar[list[tuple[str, str, str]]] = []  # (path, title, entry text)

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/feed.xml":
            self._feed()
        elif self.path.startswith("/story/"):
            self._send(200, page(int(self.path.rsplit("/", 1)[1])), "text/html")
        elif self.path == "/broken.xml":
            self._send(200, b"<rss><channel><item><title>half", "application/rss+xml")
        elif self.path == "/fail.xml":
            self._send(500, b"oops", "text/plain")
        else:
            self._send(404, b"not here", "text/plain")

    def _feed(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        items = "".join(
            f"<item><title>{title}</title><link>{base}{path}</link><description>{text}"
            "</description><pubDate>Fri, 21 Nov 2025 09:00:00 GMT</pubDate></item>"
            for path, title, text in Site.items
        )
        body = f'<rss version="2.0"><channel><title>Fixture</title>{items}</channel></rss>'.encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, body, "application/rss+xml", etag)

    def _send(self, status: int, body: bytes, kind: str, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def base() -> Iterator[str]:
    Site.items = [
        ("/story/1", "Story 1", "The entry text of story one."),
        ("/gone/2", "Story 2", f"{BODY} This is the feed's own text of story two."),
    ]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_feed_over_three_passes(base: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "index")
    index = NewsIndex.open(settings.index, embedder=HashEncoder(), create=True)
    for path in ("/feed.xml", "/broken.xml", "/fail.xml"):
        index.catalog.feeds.add(new_feed(base + path, "30m", "Fixture News", "127.0.0.1"))
    fetcher = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0))
    now = datetime(2025, 11, 21, 12, 0, tzinfo=UTC)

    first = {o.url.rsplit("/", 1)[1]: o for o in fetch_pass(index, fetcher, now)}
    feed = first["feed.xml"]
    assert (feed.status, feed.entries, feed.new, feed.summary.added) == ("ok", 2, 2, 2)
    assert feed.from_entry == 1  # /gone/2 is a 404: the entry's own text, saying so
    story = index.catalog.articles.article(url_id(f"{base}/story/1"))
    assert story is not None and "eight months of repairs" in (story.text or "")
    assert story.meta.source == "Fixture News" and story.meta.url == f"{base}/story/1"
    gone = index.catalog.articles.article(url_id(f"{base}/gone/2"))
    assert gone is not None and "feed's own text" in (gone.text or "")
    assert first["broken.xml"].status == "malformed" and first["fail.xml"].status == "status"
    states = {f.url.rsplit("/", 1)[1]: f for f in index.catalog.feeds.followed()}
    assert states["fail.xml"].failures == 1 and "HTTP 500" in (states["fail.xml"].last_error or "")
    assert states["fail.xml"].next_try_at == "2025-11-21T13:00:00+00:00"  # 30 min × 2
    assert states["feed.xml"].etag and states["feed.xml"].next_try_at == "2025-11-21T12:30:00+00:00"

    second = fetch_pass(index, fetcher, now, every_feed=True)
    assert [o.status for o in second if o.url.endswith("feed.xml")] == ["not_modified"]

    Site.items.append(("/story/3", "Story 3", "Three."))
    third = [
        o for o in fetch_pass(index, fetcher, now, every_feed=True) if o.url.endswith("feed.xml")
    ]
    assert (third[0].new, third[0].summary.added) == (1, 1)
    assert index.catalog.articles.counts()["articles"] == 3  # nothing indexed before was lost
    assert {f.failures for f in index.catalog.feeds.followed() if f.url.endswith("fail.xml")} == {3}
    fetcher.close()
    index.close()


def test_sitemaps_and_news_sitemaps_are_entries() -> None:
    body = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://example.org/a</loc><lastmod>2025-11-20</lastmod></url>
  <url><loc>https://example.org/b</loc>
    <news:news><news:title>Bridge reopens</news:title>
    <news:publication_date>2025-11-21T09:00:00Z</news:publication_date></news:news></url>
</urlset>"""
    a, b = entries(body, "https://example.org/sitemap.xml")
    assert (a.url, a.updated) == ("https://example.org/a", "2025-11-20")
    assert b.title == "Bridge reopens" and (b.published or "").startswith("2025-11-21")
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>One</title><link href="/one"/>
<updated>2025-11-21T09:00:00Z</updated></entry></feed>"""
    (one,) = entries(atom, "https://example.org/atom.xml")
    assert one.url == "https://example.org/one"
    assert one.updated == "2025-11-21T09:00:00Z"


class Corrected(BaseHTTPRequestHandler):
    """An Atom feed of one story whose page is corrected: ``updated`` and ``text`` change."""

    updated = "2025-11-21T09:00:00Z"
    page_day = "2025-11-21"
    text = BODY + "Two people were injured when a cable snapped during the works."
    page_hits: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/atom.xml":
            body = (
                '<feed xmlns="http://www.w3.org/2005/Atom"><title>Fixture</title><entry>'
                f'<title>Bridge</title><link href="{base}/story/bridge"/>'
                f"<published>2025-11-21T09:00:00Z</published><updated>{Corrected.updated}"
                "</updated></entry></feed>"
            ).encode()
            self._send(body, "application/atom+xml")
        else:
            Corrected.page_hits.append(self.headers.get("If-None-Match") or "")
            day = Corrected.page_day
            html = (
                '<html><head><title>Bridge</title><meta property="article:published_time" '
                'content="2025-11-21"><meta property="article:modified_time" '
                f'content="{day}"></head><body><article><h1>Bridge</h1>'
                + f"<p>{Corrected.text}</p>" * 3
                + "</article></body></html>"
            )
            self._send(html.encode(), "text/html")

    def _send(self, body: bytes, kind: str) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


def test_a_corrected_page_becomes_a_new_version_and_old_citations_still_open(
    tmp_path: Path,
) -> None:
    from assistant import Retriever
    from index import lookup_citation

    server = ThreadingHTTPServer(("127.0.0.1", 0), Corrected)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/atom.xml"
    index = NewsIndex.open(settings_for(tmp_path).index, embedder=HashEncoder(), create=True)
    index.catalog.feeds.add(new_feed(url, "30m", "Fixture News", "127.0.0.1"))
    fetcher = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0))
    now = datetime(2025, 11, 21, 12, 0, tzinfo=UTC)
    try:
        (first,) = fetch_pass(index, fetcher, now)
        assert (first.new, first.changed, first.summary.added) == (1, 0, 1)
        key = Retriever(index).search("people injured cable", k=1)[0].citation

        Corrected.updated = "2025-11-22T10:00:00Z"  # the correction
        Corrected.page_day = "2025-11-22"
        Corrected.text = BODY + "Three people were injured when a cable snapped, police said."
        (second,) = fetch_pass(index, fetcher, now, every_feed=True)
        assert (second.new, second.changed, second.summary.updated) == (0, 1, 1)
        article_id = url_id(url.replace("atom.xml", "story/bridge"))
        versions = index.catalog.versions.history(article_id)
        assert [(v.version, v.valid_from) for v in versions] == [(1, None), (2, "2025-11-22")]
        assert versions[-1].published_at == "2025-11-21"  # published and updated kept apart
        note = lookup_citation(index, key).updated
        assert note is not None and "Three people" in (note.current_text or "")

        Corrected.updated = "2025-11-23T08:00:00Z"  # a new date, the same page: a 304
        (third,) = fetch_pass(index, fetcher, now, every_feed=True)
        assert (third.changed, third.summary.updated, third.summary.unchanged) == (1, 0, 0)
        assert Corrected.page_hits[-1]  # the page was asked for conditionally: a 304
        assert len(index.catalog.versions.history(article_id)) == 2

        hits = len(Corrected.page_hits)
        (fourth,) = fetch_pass(index, fetcher, now, every_feed=True)
        assert fourth.status == "not_modified" and len(Corrected.page_hits) == hits
    finally:
        fetcher.close()
        index.close()
        server.shutdown()


class Hostile(BaseHTTPRequestHandler):
    """Feeds that fail one way each, and a good feed whose entries' pages fail the same ways."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif self.path in ("/slow.xml", "/slow-page"):
            time.sleep(2.5)
            self._send(200, b"<rss/>", "application/rss+xml")
        elif self.path in ("/huge.xml", "/huge-page"):
            self._send(200, b"<rss>" + b" " * 300_000 + b"</rss>", "application/rss+xml")
        elif self.path in ("/loop.xml", "/loop-page"):
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
        elif self.path in ("/metadata.xml", "/metadata-page"):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/good.xml":
            pages = ("slow-page", "huge-page", "loop-page", "metadata-page", "private/page")
            items = "".join(
                f"<item><title>{name}</title><link>{base}/{name}</link><description>{BODY} "
                f"The entry's own words about {name}.</description></item>"
                for name in pages
            )
            self._send(200, f"<rss version='2.0'><channel>{items}</channel></rss>".encode(), "")
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind or "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_each_failure_is_recorded_and_nothing_indexed_is_lost(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    index = NewsIndex.open(settings_for(tmp_path).index, embedder=HashEncoder(), create=True)
    with index.write_lock():
        Ingestor(index).run([Article(id="kept", text=BODY * 3, title="Indexed before")])
    feeds = ("slow.xml", "huge.xml", "loop.xml", "metadata.xml", "private/feed.xml", "good.xml")
    for name in feeds:
        index.catalog.feeds.add(new_feed(f"{base}/{name}", "30m", "Hostile", "127.0.0.1"))
    fetcher = Fetcher(
        FetchSettings(
            fetch_allow_hosts="127.0.0.1",
            fetch_host_interval_s=0,
            fetch_timeout_s=1.0,
            fetch_max_bytes=100_000,
        )
    )
    try:
        outcomes = {o.url.removeprefix(base + "/"): o for o in fetch_pass(index, fetcher)}
    finally:
        fetcher.close()
        server.shutdown()
    expected = {
        "slow.xml": "timeout",
        "huge.xml": "too_large",
        "loop.xml": "redirects",
        "metadata.xml": "blocked",
        "private/feed.xml": "robots",
        "good.xml": "ok",
    }
    assert {name: o.status for name, o in outcomes.items()} == expected
    states = {f.url.removeprefix(base + "/"): f for f in index.catalog.feeds.followed()}
    for name, kind in expected.items():
        failed = kind != "ok"
        assert states[name].last_status == kind and (states[name].failures == 1) is failed
        assert bool(states[name].last_error) is failed and states[name].next_try_at
    assert "169.254.169.254" in (states["metadata.xml"].last_error or "")
    good = outcomes["good.xml"]
    assert (good.new, good.from_entry, good.summary.added) == (5, 5, 5)  # each from its text
    origins = sorted(a.meta.url or "" for a in index.catalog.articles.list_articles())
    assert len(origins) == 6 and index.catalog.articles.article("kept") is not None  # nothing lost
    reasons = [
        index.catalog.articles.article(url_id(f"{base}/{page}"))
        for page in ("slow-page", "huge-page")
    ]
    assert all(r is not None and "entry's own words" in (r.text or "") for r in reasons)
