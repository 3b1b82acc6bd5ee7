"""Hostile feeds (issue #28): a local HTTP server on 127.0.0.1 serves each way a feed has been
seen to attack or break a pass, and the cases that held, so they stay fixed.

- A body that is a file path (``/dev/zero``, a named pipe, a local RSS file) is parsed as
  bytes, never opened.
- An empty body, an entry dated ``0000-00-00``, an Atom year 0, and a feed that raises in an
  unforeseen way each fail alone: recorded with their kind and backed off, the others fetched.
- Out-of-range dates (``-0044-03-15``) leave the entry undated instead of rewritten.
- A server that trickles its header bytes is cut off at the request's one deadline.
- XXE, billion laughs, a gzip bomb, a 1 GB body, a slow body and redirect chains to forbidden
  hosts are refused as before.
- Pages are fetched outside the write lock: a writer is never held up by a slow feed.

Unit tier: the fake encoder, a real server and the real fetcher."""

from __future__ import annotations

import contextlib
import gzip
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from index import Article, Ingestor, NewsIndex
from index.feeds.fetch import Fetcher, FetchError
from index.feeds.parse import FeedParseError, entries
from index.feeds.passes import due, fetch_pass
from index.feeds.settings import FetchSettings
from index.feeds.sources import new_feed
from index.loaders.ids import url_id
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

BODY = (
    "The harbour authority said on Tuesday that repairs to the old swing bridge would take "
    "another month, after divers found cracked piers below the waterline. "
)
SECRET_RSS = (
    "<rss version='2.0'><channel><item><title>Local secret</title>"
    "<link>http://127.0.0.1:9/secret-entry</link><description>secret words from a local "
    "file</description></item></channel></rss>"
)


def rss(*items: str) -> bytes:
    return f"<rss version='2.0'><channel><title>t</title>{''.join(items)}</channel></rss>".encode()


def item(path: str, date: str = "Tue, 01 Nov 2022 10:00:00 GMT", tag: str = "pubDate") -> str:
    return (
        f"<item><title>Entry {path}</title><link>{{base}}{path}</link><{tag}>{date}</{tag}>"
        f"<description>{BODY}</description></item>"
    )


def atom(path: str, date: str) -> bytes:
    return (
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>a</title>"
        f"<entry><title>Atom {path}</title><link href='{{base}}{path}'/>"
        f"<published>{date}</published><summary>{BODY}</summary></entry></feed>"
    ).encode()


XXE = (
    b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
    b"<rss version='2.0'><channel><item><title>XXE</title><link>{base}/xxe-page</link>"
    b"<description>leak: &x;</description></item></channel></rss>"
)
LAUGHS = (
    b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
    + b"".join(
        f"<!ENTITY lol{i} '{f'&lol{i - 1};' * 10 if i > 1 else '&lol;' * 10}'>".encode()
        for i in range(1, 10)
    )
    + b"]><rss version='2.0'><channel><item><title>&lol9;</title><link>{base}/lol-page</link>"
    b"</item></channel></rss>"
)


class Hostile(BaseHTTPRequestHandler):
    bodies: ClassVar[dict[str, bytes]] = {}
    base: ClassVar[str] = ""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        special = getattr(self, "_" + path.strip("/").replace(".", "_").replace("-", "_"), None)
        if special is not None:
            special()
        elif path in self.bodies:
            self._send(200, self.bodies[path].replace(b"{base}", self.base.encode()))
        elif path.endswith("-page"):
            self._send(503, b"the page is down", "text/plain")  # each entry from its own text
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, kind: str = "application/rss+xml") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle_xml(self) -> None:
        """Header bytes one at a time, each well inside the read timeout."""
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for byte in b"X-Slow: " + b"a" * 100:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:  # the client gave up
            pass

    def _slow_body_xml(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(100):
                self.wfile.write(b"<" * 10)
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    def _gigabyte_xml(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(b"<rss>" + b" " * 200_000)

    def _gigabyte_undeclared_xml(self) -> None:
        self.send_response(200)
        self.end_headers()  # no length: streamed until the client stops reading
        try:
            for _ in range(1 << 14):
                self.wfile.write(b" " * 65536)
        except OSError:
            pass
        self.close_connection = True

    def _bomb_xml(self) -> None:
        body = gzip.compress(b" " * 50_000_000)
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect_xml(self) -> None:
        self._hop("/redirect-2.xml")

    def _redirect_2_xml(self) -> None:
        self._hop("http://169.254.169.254/latest/meta-data/")

    def _redirect_private_xml(self) -> None:
        self._hop("http://10.0.0.1/feed.xml")

    def _hop(self, target: str) -> None:
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("local")
    secret = folder / "secret.xml"
    secret.write_text(SECRET_RSS)
    pipe = folder / "pipe"
    os.mkfifo(pipe)
    Hostile.bodies = {
        "/dev-zero.xml": b"/dev/zero",
        "/pipe.xml": str(pipe).encode(),
        "/local-file.xml": str(secret).encode(),
        "/empty.xml": b"",
        "/zero-date.xml": rss(item("/zero-page", "0000-00-00")),
        "/year-zero.xml": atom("/atom-zero-page", "0000-01-01T00:00:00Z"),
        "/caesar.xml": rss(item("/caesar-page", "-0044-03-15")),
        "/xxe.xml": XXE,
        "/laughs.xml": LAUGHS,
        "/good.xml": rss(item("/good-page"), item("/good-page-2")),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hostile.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield Hostile.base
    server.shutdown()


def fetcher(**overrides: object) -> Fetcher:
    base = {
        "fetch_allow_hosts": "127.0.0.1",
        "fetch_host_interval_s": 0,
        "fetch_timeout_s": 2.0,
        "fetch_max_bytes": 1_000_000,
    }
    return Fetcher(FetchSettings(**{**base, **overrides}))  # type: ignore[arg-type]


def new_index(tmp_path: Path) -> NewsIndex:
    index = NewsIndex.open(settings_for(tmp_path).index, embedder=HashEncoder(), create=True)
    with index.write_lock():
        Ingestor(index).run([Article(id="kept", text=BODY * 3, title="Indexed before")])
    return index


EXPECTED = {
    "dev-zero.xml": "malformed",
    "pipe.xml": "malformed",
    "local-file.xml": "malformed",
    "empty.xml": "malformed",
    "zero-date.xml": "ok",
    "year-zero.xml": "ok",
    "caesar.xml": "ok",
    "trickle.xml": "timeout",
    "slow-body.xml": "timeout",
    "gigabyte.xml": "too_large",
    "gigabyte-undeclared.xml": "too_large",
    "bomb.xml": "too_large",
    "redirect.xml": "blocked",
    "redirect-private.xml": "blocked",
    "xxe.xml": "ok",
    "laughs.xml": "ok",
    "good.xml": "ok",
}


def run_pass(index: NewsIndex, names: list[str], base: str) -> dict[str, str]:
    for name in names:
        index.catalog.feeds.add(new_feed(f"{base}/{name}", "30m", "Hostile", "127.0.0.1"))
    f = fetcher()
    outcome: dict[str, str] = {}

    def go() -> None:
        for o in fetch_pass(index, f):
            outcome[o.url.removeprefix(base + "/")] = o.status

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(timeout=90)  # a pipe opened for reading would hang here for ever
    f.close()
    assert not worker.is_alive(), "the pass hung"
    return outcome


def test_every_hostile_feed_fails_alone_and_the_good_one_is_indexed(
    site: str, tmp_path: Path
) -> None:
    index = new_index(tmp_path)
    assert run_pass(index, list(EXPECTED), site) == EXPECTED
    states = {f.url.removeprefix(site + "/"): f for f in index.catalog.feeds.followed()}
    now = datetime.now(UTC)
    for name, kind in EXPECTED.items():
        failed = kind != "ok"
        assert states[name].last_status == kind and (states[name].failures == 1) is failed
        later = now + timedelta(minutes=61 if failed else 31)  # a failure doubles the interval
        assert due(states[name], later) and not due(states[name], later - timedelta(minutes=2))
    assert "169.254.169.254" in (states["redirect.xml"].last_error or "")
    ids = {a.meta.id for a in index.catalog.articles.list_articles()}
    assert "kept" in ids and url_id(f"{site}/good-page") in ids  # nothing lost; the good read
    assert not any("secret" in (index.catalog.articles.article(i).text or "") for i in ids)  # type: ignore[union-attr]


def test_out_of_range_dates_leave_an_entry_undated(site: str, tmp_path: Path) -> None:
    index = new_index(tmp_path)
    run_pass(index, ["zero-date.xml", "year-zero.xml", "caesar.xml"], site)
    for page in ("zero-page", "atom-zero-page", "caesar-page"):
        article = index.catalog.articles.article(url_id(f"{site}/{page}"))
        assert article is not None and article.meta.published_at is None, page


def test_xml_entities_are_never_expanded(site: str, tmp_path: Path) -> None:
    index = new_index(tmp_path)
    run_pass(index, ["xxe.xml", "laughs.xml"], site)
    texts = " ".join(
        f"{a.meta.title} {index.catalog.articles.article(a.meta.id).text}"  # type: ignore[union-attr]
        for a in index.catalog.articles.list_articles()
    )
    assert "root:" not in texts and "lollollol" not in texts


@pytest.mark.parametrize("body", [b"/dev/zero", b"/etc/hostname", b"   ", b""])
def test_a_body_that_is_a_path_is_parsed_not_opened(body: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(FeedParseError):
        entries(body, "http://127.0.0.1/feed.xml")
    assert time.monotonic() - started < 5


def test_a_local_rss_file_named_by_the_body_gives_no_entries(tmp_path: Path) -> None:
    local = tmp_path / "feed.xml"
    local.write_text(SECRET_RSS)
    with pytest.raises(FeedParseError):
        entries(str(local).encode(), "http://127.0.0.1/feed.xml")


def test_trickled_headers_stop_at_the_requests_deadline(site: str) -> None:
    """Each header byte comes well within the read timeout; the whole request may not."""
    f = fetcher(fetch_timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        f.get(f"{site}/trickle.xml")
    f.close()
    assert caught.value.kind == "timeout" and time.monotonic() - started < 3


def test_a_feed_that_raises_in_an_unforeseen_way_is_recorded_and_the_next_is_fetched(
    site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.feeds import passes

    real = passes.entries

    def flaky(body: bytes, base_url: str) -> list:
        if base_url.endswith("/zero-date.xml"):
            raise AttributeError("object has no attribute 'version'")
        return real(body, base_url)

    monkeypatch.setattr(passes, "entries", flaky)
    index = new_index(tmp_path)
    outcome = run_pass(index, ["zero-date.xml", "good.xml"], site)
    assert outcome == {"zero-date.xml": "error", "good.xml": "ok"}
    state = {f.url.removeprefix(site + "/"): f for f in index.catalog.feeds.followed()}[
        "zero-date.xml"
    ]
    assert state.failures == 1 and "AttributeError" in (state.last_error or "")


def test_a_pass_out_of_time_defers_the_rest_to_the_next_pass(site: str, tmp_path: Path) -> None:
    index = new_index(tmp_path)
    for name in ("good.xml", "caesar.xml"):
        index.catalog.feeds.add(new_feed(f"{site}/{name}", "30m", "Hostile", "127.0.0.1"))
    f = fetcher(fetch_pass_s=0)
    try:
        first = {o.url.removeprefix(site + "/"): o.status for o in fetch_pass(index, f)}
        assert set(first.values()) == {"deferred"}
        assert all(due(s, datetime.now(UTC)) for s in index.catalog.feeds.followed())
        f = fetcher()
        second = {o.url.removeprefix(site + "/"): o.status for o in fetch_pass(index, f)}
    finally:
        f.close()
    assert second == {"good.xml": "ok", "caesar.xml": "ok"}


def test_a_writer_is_not_held_up_by_a_slow_feed(site: str, tmp_path: Path) -> None:
    """``serve --watch``'s pass reads the network outside the server's write lock: while it
    waits on a trickling server, a delete (the server's one writer) goes through at once."""
    from ui.services import Services
    from ui.settings import Settings

    index = NewsIndex.open(settings_for(tmp_path).index, create=True)  # no model loaded
    index.catalog.feeds.add(new_feed(f"{site}/trickle.xml", "30m", "Hostile", "127.0.0.1"))
    index.close()
    env = {"NEWSRAG_FETCH_ALLOW_HOSTS": "127.0.0.1", "NEWSRAG_FETCH_TIMEOUT_S": "2"}
    services = Services(Settings.from_env(env=env, home=str(tmp_path)), readers=1)
    worker = threading.Thread(target=services.fetch_feeds, daemon=True)
    worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert services.delete(["not-there"])["missing"] == ["not-there"]
    waited = time.monotonic() - started
    worker.join(timeout=30)
    assert waited < 1.0
