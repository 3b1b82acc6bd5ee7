"""Watchlists end to end (issue #33), with the packaged model and real processes on 127.0.0.1:
the HTTP API (writes behind the token, errors in the documented shape), and the issue's feed
test — follow a query, publish two matching entries and one unrelated one on a local feed
server, ``newsrag fetch``: the watchlist's Atom feed (parsed by feedparser) holds exactly the two,
each linking to a /cite page that opens, and a webhook receiver on 127.0.0.1 gets exactly two
POSTs, each signed with HMAC-SHA256 of its body."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import feedparser
import httpx
import pytest

from tests.conftest import REPO
from tests.feed_site import FixtureSite, fixture_site
from tests.live_server import ServerSpec, copy_index, error_of, live_servers

TOKEN = "watch-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ALLOW = {"NEWSRAG_FETCH_ALLOW_HOSTS": "127.0.0.1"}

PAGES = {
    "/kherson-port": (
        "Drones strike the river port of Kherson",
        [
            "Russian drones struck the river port of Kherson overnight, regional officials "
            "said on Tuesday, damaging two cranes and setting a grain warehouse on fire.",
            "Firefighters in Kherson worked until the morning to put out the blaze, and the "
            "port authority said loading would resume within a week.",
        ],
    ),
    "/kherson-power": (
        "Kherson without power after shelling hits a substation",
        [
            "Most of Kherson was without electricity on Wednesday after Russian shelling hit a "
            "substation on the city's northern edge, the regional governor said.",
            "Repair crews expect to restore power to Kherson within two days, while hospitals "
            "run on generators.",
        ],
    ),
    "/sourdough": (
        "Village bakery wins the national sourdough prize",
        [
            "A small village bakery won the national sourdough award for its dark rye loaf, "
            "the judges announced at the annual baking fair.",
            "The baker thanked her customers and said the secret was a starter kept alive for "
            "thirty years and a slow, cool rise overnight.",
        ],
    ),
}


class Receiver(BaseHTTPRequestHandler):
    posts: ClassVar[list[tuple[bytes, str]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.posts.append((body, self.headers.get("X-Newsrag-Signature", "")))
        self.send_response(204)
        self.end_headers()


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/newsrag"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(sample_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    home = copy_index(sample_home, tmp_path_factory.mktemp("watch") / "index")
    with live_servers([ServerSpec(home, TOKEN, ALLOW)]) as (base,):
        yield base, home


def _page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def _publish(site: FixtureSite) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{site.url(path)}</link>"
        "<pubDate>Tue, 04 Mar 2025 09:00:00 GMT</pubDate></item>"
        for path, (title, _) in PAGES.items()
    )
    for path, (title, paragraphs) in PAGES.items():
        site.set(path, _page(title, paragraphs))
    feed = f'<rss version="2.0"><channel><title>Test Wire</title>{items}</channel></rss>'
    site.set("/feed.xml", feed, "application/rss+xml")
    return site.url("/feed.xml")


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSRAG_HOME": str(home), **ALLOW}
    env.pop("NEWSRAG_API_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_watchlists_over_http(served: tuple) -> None:
    base, _ = served
    api = f"{base}/api/watchlists"
    assert error_of(httpx.post(api, json={"query": "drones"}), 401)["error"] == "unauthorized"
    made = httpx.post(api, json={"query": "drones", "name": "Drones"}, headers=AUTH)
    assert made.status_code == 201, made.text
    body = made.json()
    wid = body["watchlist"]["id"]
    assert body["webhook_secret"] is None and body["watchlist"]["kind"] == "query"
    listed = httpx.get(api).json()["watchlists"]
    assert [w["name"] for w in listed if w["id"] == wid] == ["Drones"]
    one = httpx.get(f"{api}/{wid}").json()
    assert (one["items"], one["unread"], one["webhook_url"]) == (0, 0, None)
    assert httpx.get(f"{api}/{wid}/items?since=2025-01-01").json()["items"] == []
    feed = httpx.get(f"{api}/{wid}/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert feedparser.parse(feed.content).entries == []
    assert error_of(httpx.get(f"{api}/{wid}/items?since=soon"), 400)["error"] == "bad_filter"
    assert error_of(httpx.get(f"{api}/99999"), 404)["error"] == "unknown_watchlist"
    assert error_of(httpx.get(f"{api}/99999/feed.atom"), 404)["error"] == "unknown_watchlist"
    both = {"query": "x", "story_id": "s1"}
    assert error_of(httpx.post(api, json=both, headers=AUTH), 400)["error"] == "bad_watchlist"
    story = {"story_id": "s-none"}
    assert error_of(httpx.post(api, json=story, headers=AUTH), 404)["error"] == "unknown_story"
    hook = {"query": "x", "webhook": "http://169.254.169.254/latest/meta-data"}
    assert error_of(httpx.post(api, json=hook, headers=AUTH), 400)["error"] == "bad_watchlist"
    read = httpx.post(f"{api}/{wid}/read", headers=AUTH)
    assert read.json() == {"id": wid, "read_through": 0, "unread": 0}
    assert error_of(httpx.delete(f"{api}/{wid}"), 401)["error"] == "unauthorized"
    assert httpx.delete(f"{api}/{wid}", headers=AUTH).json() == {"deleted": wid}
    assert error_of(httpx.delete(f"{api}/{wid}", headers=AUTH), 404)["error"] == "unknown_watchlist"


def test_a_followed_query_gets_two_items_from_a_feed_as_atom_and_webhook(
    served: tuple, receiver: str
) -> None:
    base, home = served
    Receiver.posts = []
    api = f"{base}/api/watchlists"
    made = httpx.post(api, json={"query": "Kherson", "webhook": receiver}, headers=AUTH).json()
    wid, secret = made["watchlist"]["id"], made["webhook_secret"]
    assert secret and made["watchlist"]["webhook_url"] == receiver.rsplit("/", 1)[0] + "/…"
    with fixture_site() as site:
        url = _publish(site)
        assert _cli(home, "feeds", "add", url).returncode == 0
        fetched = _cli(home, "fetch", "--json")
    assert fetched.returncode == 0, fetched.stderr
    assert [f["added"] for f in json.loads(fetched.stdout)["feeds"]] == [3]
    feed = feedparser.parse(httpx.get(f"{api}/{wid}/feed.atom").content)
    assert not feed.bozo and feed.version == "atom10" and feed.feed.id and feed.feed.updated
    titles = sorted(e.title for e in feed.entries)
    assert titles == sorted(PAGES[p][0] for p in ("/kherson-port", "/kherson-power"))
    for entry in feed.entries:
        assert "Kherson" in entry.summary and entry.id and entry.updated
        page = httpx.get(entry.link)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert entry.link.startswith(f"{base}/cite/")
    assert len(Receiver.posts) == 2
    for body, signature in Receiver.posts:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected)
        item = json.loads(body)
        assert item["watchlist"]["id"] == wid and "Kherson" in item["quote"]
    listed = httpx.get(f"{api}/{wid}").json()
    assert (listed["items"], listed["unread"], listed["deliveries"]) == (2, 2, {"sent": 2})
    items = httpx.get(f"{api}/{wid}/items").json()["items"]
    newest = items[0]["id"]
    assert (
        httpx.post(f"{api}/{wid}/read", json={"through": newest}, headers=AUTH).json()["unread"]
        == 0
    )
    again = _cli(home, "watch", "run", "--json")  # nothing past the cursor: nothing new
    assert again.returncode == 0 and json.loads(again.stdout)["deliveries"]["sent"] == 0
    assert len(Receiver.posts) == 2
    shown = _cli(home, "watch", "list")
    assert "2 items, 0 unread" in shown.stdout and "2 sent" in shown.stdout
