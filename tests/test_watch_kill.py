"""SIGKILL a writer between its ingest's commit and its watchlist matching, in the middle of
writing the items, and while a webhook request is out (issue #33): nothing is lost, nothing is
recorded or sent twice.

A child process ingests two matching articles and one unrelated one into an index that follows
"Kherson" with a webhook to a receiver on 127.0.0.1, then does what ``newsrag ingest`` does
after its write (``ui.cli.watch_commands.after_write``), and is killed at the moment under
test: right after the ingest committed (before any matching), inside the transaction writing
the items (after the first item's row), or while its first webhook request is held by the
receiver. Then this process runs the next matching and delivery round (what the next ingest,
fetch or ``newsrag watch run`` does). The index then holds exactly the two items, once each; the
receiver got each item at most once, and every item not interrupted in flight exactly once.
Hash encoder in both processes: the unit tier, though it starts a process (slow)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from assistant import Policy, WebhookPoster, deliver_due
from index import Library, check_index
from tests.conftest import REPO, settings_for
from tests.fakes import HashEncoder
from tests.test_watchlists import BAKERY, KHERSON, OLD, _write
from ui.watching import match_after, new_watchlist

pytestmark = [pytest.mark.unit, pytest.mark.slow]

DEADLINE_S = 120.0

CHILD = """
import os, sys, threading
from pathlib import Path
from index import Library
from index.catalog import watchlists
from tests.fakes import HashEncoder
from tests.conftest import settings_for
from ui.cli.watch_commands import after_write
import assistant.watch.webhook as webhook

home, stage, path = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

def hold(said):
    print(said, flush=True)
    threading.Event().wait()

if stage == "mid-record":
    insert = watchlists.WatchlistRows._insert
    def held_insert(self, conn, item, stamp):
        done = insert(self, conn, item, stamp)
        hold("recording")  # one item row written, its transaction still open
    watchlists.WatchlistRows._insert = held_insert
if stage == "sending":
    post = webhook.WebhookPoster.post
    def said_post(self, url, body, secret):
        print("sending", flush=True)  # claimed (committed): the request goes out now
        return post(self, url, body, secret)
    webhook.WebhookPoster.post = said_post

settings = settings_for(home, fetch_allow_hosts="127.0.0.1")
with Library(settings.index, HashEncoder()) as door:
    door.ingest([path])
    if stage == "after-ingest":
        hold("committed")
    after_write(door, settings)
print("done", flush=True)
"""


class Receiver(BaseHTTPRequestHandler):
    posts: ClassVar[list[int]] = []  # item ids, in arrival order
    hold_first = threading.Event()  # set: the first POST is held until `release`
    release = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.posts.append(json.loads(body)["id"])
        if Receiver.hold_first.is_set() and len(Receiver.posts) == 1:
            Receiver.release.wait(DEADLINE_S)
        try:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:  # its sender was killed
            pass


@pytest.fixture()
def receiver() -> Iterator[str]:
    Receiver.posts, Receiver.hold_first, Receiver.release = [], threading.Event(), threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    Receiver.release.set()
    server.shutdown()
    server.server_close()


def _run_child(home: Path, stage: str, path: Path, marker: str, posts: int = 0) -> None:
    """Run the child until it prints ``marker`` and the receiver has ``posts`` requests, then
    SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), stage, str(path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + DEADLINE_S
    try:
        assert child.stdout is not None
        for line in child.stdout:  # blocks until the child says where it is
            if line.strip() == marker:
                break
            assert time.monotonic() < deadline, "the child never reached the moment"
        else:
            pytest.fail(f"the child ended before {marker!r}")
        while len(Receiver.posts) < posts:  # the request reached the receiver, held there
            assert time.monotonic() < deadline, "the webhook request never arrived"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("stage", "marker", "in_flight"),
    [
        ("after-ingest", "committed", 0),  # the ingest committed, no matching ran
        ("mid-record", "recording", 0),  # one item row written, not committed
        ("sending", "sending", 1),  # the first webhook request is out
    ],
)
def test_a_killed_writer_loses_and_repeats_nothing(
    tmp_path: Path, receiver: str, stage: str, marker: str, in_flight: int
) -> None:
    home = tmp_path / "index"
    settings = settings_for(home, fetch_allow_hosts="127.0.0.1")
    with Library(settings.index, HashEncoder()) as door:
        door.ingest([_write(tmp_path, "old", [OLD])])
        watchlist, _ = new_watchlist(door, settings, query="Kherson", webhook=receiver)
    new = _write(tmp_path, "new", [*KHERSON, BAKERY])
    if in_flight:
        Receiver.hold_first.set()
    _run_child(home, stage, new, marker, posts=in_flight)
    Receiver.release.set()
    assert check_index(settings.index, embedder=HashEncoder()).ok
    with Library(settings.index, HashEncoder()) as door:  # the next round
        match_after(door, settings)
        poster = WebhookPoster(settings.fetch)
        deliver_due(door, poster, Policy(stale_s=-5))  # a claimed delivery: interrupted
        match_after(door, settings)
        deliver_due(door, poster, Policy(stale_s=-5))  # ... and a second round adds nothing
        poster.close()
        items = door.watch_items(watchlist.id)
        states = door.watchlist(watchlist.id).deliveries  # type: ignore[union-attr]
    assert sorted(i.article_id for i in items) == ["kherson-port", "kherson-power"]
    assert len(Receiver.posts) == len(set(Receiver.posts)) == 2  # each item once, at most
    assert sorted(Receiver.posts) == sorted(i.id for i in items)
    assert states == ({"interrupted": 1, "sent": 1} if in_flight else {"sent": 2})
