"""SIGKILL a fetch pass (issue #18) in a child process, then resume it.

A real threaded HTTP server on 127.0.0.1 serves an RSS feed of 40 entries whose pages answer
slowly. A child process runs one pass into a fresh index and is killed either while it is still
fetching pages (the server holds the 11th) or between the commits of its write (small commits,
a slow encoder that never returns from its 8th batch): whatever the machine's load, the pass
cannot finish before the kill. After the kill the index passes ``check``, every article it holds is
whole, and the feed's state was not recorded (the pass did not finish, so the feed stays due);
a second pass, here, finishes with status ok, fetches only the pages the killed one did not
commit, and leaves each of the 40 articles indexed exactly once; a third reads no page. Hash
encoder in both processes: the unit tier, though it starts a process (slow)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from index import NewsIndex, check_index
from index.feeds import Fetcher, FetchSettings
from index.feeds.passes import FeedOutcome, fetch_pass
from index.feeds.sources import new_feed
from index.settings import IndexSettings
from tests.conftest import REPO, settings_for
from tests.fakes import HashEncoder

pytestmark = [pytest.mark.unit, pytest.mark.slow]

N = 40
DEADLINE_S = 240.0  # for the child to reach the moment, on a loaded machine
TOWNS = ["Kirkwall", "Stornoway", "Lerwick", "Oban", "Wick", "Portree", "Thurso", "Dingwall"]
TOPICS = ["harbour", "ferry", "school", "clinic", "bus route", "library", "pier", "road"]

# One fetch pass into the index at argv[1], in small commits (a batch of one or two articles)
# with an encoder that takes argv[2] seconds a batch and never returns from batch argv[3] on
# (0: it always does): the pass cannot finish before the kill, however slow the test is.
CHILD = """
import sys, threading, time
from pathlib import Path
from index import NewsIndex
from index.feeds import Fetcher, FetchSettings
from index.feeds.passes import fetch_pass
from index.settings import IndexSettings
from tests.fakes import HashEncoder

DELAY, STOP = float(sys.argv[2]), int(sys.argv[3])

class SlowEncoder(HashEncoder):
    calls = 0

    def encode_documents(self, texts):
        SlowEncoder.calls += 1
        if STOP and SlowEncoder.calls >= STOP:
            threading.Event().wait()
        time.sleep(DELAY)
        return super().encode_documents(texts)

settings = IndexSettings.from_env(env={}, home=Path(sys.argv[1]), commit_chunks=2)
index = NewsIndex.open(settings, embedder=SlowEncoder())
fetcher = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0))
print([o.to_dict() for o in fetch_pass(index, fetcher)], flush=True)
"""


def story(n: int) -> list[str]:
    town, topic = TOWNS[n % len(TOWNS)], TOPICS[(n // len(TOWNS)) % len(TOPICS)]
    return [
        f"Council officials in {town} said the {topic} project number {n} would go ahead after "
        f"a public meeting that ran late into the evening and drew {120 + n} residents.",
        f"The scheme in {town} is expected to cost {2 + n % 7}.{n % 10} million pounds, most of "
        "it from the regional transport fund, with the rest borrowed over twenty-five years.",
        f"Opponents of the {topic} plan said they had not been shown the full survey, and a "
        f"petition signed by {40 + 3 * n} people asked for the decision to be postponed.",
        f"Work on the {topic} in {town} should start in the spring, and the contractor said the "
        f"first phase would take {6 + n % 5} months if the weather allowed.",
    ]


def page(n: int) -> bytes:
    title = f"{TOWNS[n % len(TOWNS)]} {TOPICS[(n // len(TOWNS)) % len(TOPICS)]} plan {n} approved"
    body = "".join(f"<p>{p}</p>" for p in story(n))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}"
        "</article><footer><p>Highland Gazette</p></footer></body></html>"
    ).encode()


class Site(BaseHTTPRequestHandler):
    pages: ClassVar[list[str]] = []  # page paths requested, in order
    base: ClassVar[str] = ""  # http://127.0.0.1:port
    lock: ClassVar[threading.Lock] = threading.Lock()
    answered: ClassVar[int | None] = None  # pages answered before the rest wait for `released`
    released: ClassVar[threading.Event] = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        base = Site.base
        if self.path == "/feed.xml":
            items = "".join(
                f"<item><title>Plan {n}</title><link>{base}/story/{n}</link>"
                "<pubDate>Fri, 21 Nov 2025 09:00:00 GMT</pubDate></item>"
                for n in range(N)
            )
            feed = f'<rss version="2.0"><channel><title>Gazette</title>{items}</channel></rss>'
            self._send(200, feed.encode(), "application/rss+xml")
        elif self.path.startswith("/story/"):
            with Site.lock:
                Site.pages.append(self.path)
                held = Site.answered is not None and len(Site.pages) > Site.answered
            if held:
                Site.released.wait()
            n = int(self.path.rsplit("/", 1)[1])
            time.sleep(0.05 + 0.01 * (n % 6))  # a slow site
            self._send(200, page(n), "text/html; charset=utf-8")
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        with contextlib.suppress(OSError):  # a held page's reader may have been killed
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture()
def base() -> Iterator[str]:
    Site.pages, Site.answered, Site.released = [], None, threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    Site.base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield Site.base
    Site.released.set()  # a test that failed while pages were held
    server.shutdown()
    server.server_close()


def query(home: Path, sql: str) -> list[tuple]:
    uri = f"{(home / 'catalog.sqlite3').resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def committed(home: Path) -> int:
    """Articles committed so far, read while the child may be writing (0 while it is busy)."""
    try:
        return int(query(home, "SELECT count(*) FROM articles")[0][0])
    except sqlite3.Error:
        return 0


def all_urls(base: str) -> list[str]:
    return [f"{base}/story/{n}" for n in range(N)]


@dataclass(frozen=True)
class Moment:
    name: str
    reached: Callable[[Path], bool]  # given the index home
    kept: range  # how many articles the killed pass may leave
    answered: int | None = None  # pages the server answers before it holds the rest
    encoder_delay_s: float = 0.0  # per batch, in the child
    encoder_stop: int = 0  # the child's encoder never returns from this batch on (0: never)


MOMENTS = [
    # a pass writes once every new page is fetched: nothing yet
    Moment("while-fetching-pages", lambda home: len(Site.pages) > 10, range(1), answered=10),
    Moment(
        "between-commits",
        lambda home: committed(home) >= 3,
        range(3, N),
        encoder_delay_s=0.1,
        encoder_stop=8,
    ),
]


def kill_pass_at(moment: Moment, home: Path, log: Path) -> None:
    Site.answered = moment.answered
    args = [str(home), str(moment.encoder_delay_s), str(moment.encoder_stop)]
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + DEADLINE_S
        try:
            while not moment.reached(home):
                if child.poll() is not None:
                    pytest.fail(f"the pass ended before {moment.name}:\n{log.read_text()}")
                assert time.monotonic() < deadline, f"timed out waiting for {moment.name}"
                time.sleep(0.01)
        finally:
            if child.poll() is None:  # still ours (not reaped): its pid cannot be reused yet
                os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    Site.answered = None
    Site.released.set()


def whole_articles(home: Path) -> dict[str, str]:
    """url -> text of every article, each checked whole: its text is its page's story and its
    chunks are numbered 0..n-1 and reach the end of the text."""
    articles = {}
    rows = query(
        home,
        'SELECT a.url, a.text, count(c.id), min(c.ordinal), max(c.ordinal), max(c."end") '
        "FROM articles a LEFT JOIN chunks c ON c.article_id = a.id GROUP BY a.id",
    )
    for url, text, chunks, first, last, end in rows:
        n = int(url.rsplit("/", 1)[1])
        assert text == "\n\n".join(story(n)), url
        assert chunks >= 1 and (first, last) == (0, chunks - 1) and end == len(text), url
        articles[url] = text
    return articles


def one_pass(settings: IndexSettings) -> FeedOutcome:
    """A pass here, over every feed (the one followed)."""
    index = NewsIndex.open(settings, embedder=HashEncoder())
    fetcher = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0))
    try:
        (outcome,) = fetch_pass(index, fetcher, datetime.now(UTC), every_feed=True)
    finally:
        fetcher.close()
        index.close()
    return outcome


@pytest.mark.parametrize("moment", MOMENTS, ids=[m.name for m in MOMENTS])
def test_a_killed_pass_leaves_whole_articles_and_the_next_one_finishes(
    moment: Moment, base: str, tmp_path: Path
) -> None:
    home = tmp_path / "index"
    settings = settings_for(home)
    index = NewsIndex.open(settings.index, embedder=HashEncoder(), create=True)
    index.catalog.feeds.add(new_feed(base + "/feed.xml", "30m", "Highland Gazette", "127.0.0.1"))
    index.close()

    kill_pass_at(moment, home, tmp_path / "child.log")
    report = check_index(settings.index, embedder=HashEncoder())
    assert report.ok, report.problems
    kept = whole_articles(home)
    assert len(kept) in moment.kept, f"{len(kept)} articles after a kill {moment.name}"
    feeds = query(home, "SELECT last_status, etag, next_try_at FROM feeds")
    assert feeds == [(None, None, None)]  # not recorded: the feed is still due

    fetched_before = len(Site.pages)
    outcome = one_pass(settings.index)
    rest = N - len(kept)
    assert (outcome.status, outcome.entries, outcome.new, outcome.summary.added) == (
        "ok",
        N,
        rest,
        rest,
    )
    assert (outcome.summary.failed, outcome.from_entry, outcome.error) == (0, 0, None)
    refetched = sorted(Site.pages[fetched_before:])
    assert refetched == sorted(p.removeprefix(base) for p in all_urls(base) if p not in kept)
    assert query(home, "SELECT last_status, failures FROM feeds") == [("ok", 0)]

    assert check_index(settings.index, embedder=HashEncoder()).ok
    final = whole_articles(home)
    assert sorted(final) == sorted(all_urls(base))
    assert {k: final[k] for k in kept} == kept  # what the killed pass wrote stays as it was
    urls = query(home, "SELECT url, count(*) FROM articles GROUP BY url HAVING count(*) > 1")
    assert urls == [] and len(query(home, "SELECT id FROM articles")) == N

    fetched_before = len(Site.pages)
    again = one_pass(settings.index)  # the feed unchanged: nothing is new, no page is read
    assert (again.status, again.new, again.summary.added) == ("ok", 0, 0)
    assert Site.pages[fetched_before:] == []
