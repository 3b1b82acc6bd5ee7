"""Watchlists (issue #33) on the hash encoder: matching only what is past each cursor, once;
search's "nothing matches well" keeps unrelated articles out; story watchlists; the Atom feed
(parsed by feedparser); webhooks signed, retried with back-off and sent at most once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from assistant import Policy, WebhookPoster, deliver_due, sign
from assistant.engines.extractive import ExtractiveConfig
from assistant.retrieval.match_strength import WEAK_SIMILARITY
from index import Library, NewsIndex, lookup_citation
from index.catalog.schema import SCHEMA_VERSION
from tests.conftest import settings_for
from tests.fakes import HashEncoder
from ui.settings import Settings
from ui.views.watch_atom import atom_feed
from ui.watching import WatchlistError, match_after, new_watchlist, since_stamp

pytestmark = pytest.mark.unit

KHERSON = [
    {
        "id": "kherson-port",
        "title": "Drones strike the port of Kherson",
        "source": "Test Wire",
        "published_at": "2025-03-04",
        "text": "Russian drones struck the river port of Kherson overnight, officials said. "
        "Two cranes were damaged and a warehouse burned until the morning.",
    },
    {
        "id": "kherson-power",
        "title": "Kherson without power after shelling",
        "source": "Daily Test",
        "published_at": "2025-03-05",
        "text": "Most of Kherson was without power on Wednesday after shelling hit a substation. "
        "Repair crews expect to restore it within two days.",
    },
]
BAKERY = {
    "id": "sourdough",
    "title": "Village bakery wins sourdough prize",
    "source": "Food Notes",
    "published_at": "2025-03-05",
    "text": "A small village bakery won the national sourdough award for its rye loaf. "
    "The baker thanked her customers and her oven.",
}
OLD = {
    "id": "kherson-old",
    "title": "Kherson ferry resumes",
    "source": "Test Wire",
    "published_at": "2025-01-10",
    "text": "The ferry across the Dnipro at Kherson resumed service after a month of repairs.",
}


def _write(folder: Path, name: str, articles: list[dict]) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in articles) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[tuple[Library, Settings, Path]]:
    settings = settings_for(tmp_path / "index", fetch_allow_hosts="127.0.0.1")
    with Library(settings.index, HashEncoder()) as door:
        door.ingest([_write(tmp_path, "old", [OLD])])
        yield door, settings, tmp_path


def test_a_query_watchlist_gets_the_new_matching_articles_once(world) -> None:
    door, settings, folder = world
    watchlist, secret = new_watchlist(door, settings, query="Kherson")
    assert secret is None and watchlist.matched_through == door.index.catalog.watchlists.head()
    door.ingest([_write(folder, "new", [*KHERSON, BAKERY])])
    report = match_after(door, settings)
    assert report is not None and report.total == 2
    items = door.watch_items(watchlist.id)
    assert sorted(i.article_id for i in items) == ["kherson-port", "kherson-power"]  # not old
    for item in items:
        text = door.index.catalog.articles.article_text(item.article_id) or ""
        assert text[item.quote_start : item.quote_end] == item.quote and "Kherson" in item.quote
        assert lookup_citation(door.index, item.citation).text == text[item.start : item.end]
    assert match_after(door, settings) is None  # nothing past the cursor
    door.ingest([_write(folder, "again", [*KHERSON, BAKERY])])  # unchanged: no new passage
    assert match_after(door, settings) is None
    listed = door.watchlist(watchlist.id)
    assert listed is not None and (listed.items, listed.unread) == (2, 2)
    assert door.mark_watch_read(watchlist.id) == max(i.id for i in items)
    assert door.watchlist(watchlist.id).unread == 0  # type: ignore[union-attr]


def test_a_run_that_never_came_is_made_up_by_the_next(world) -> None:
    door, settings, folder = world
    watchlist, _ = new_watchlist(door, settings, query="Kherson", name="South")
    door.ingest([_write(folder, "one", KHERSON[:1])])  # no matching after it (a kill)
    door.ingest([_write(folder, "two", [KHERSON[1], BAKERY])])
    report = match_after(door, settings)
    assert report is not None and report.total == 2 and watchlist.name == "South"


def test_two_runs_over_one_range_write_each_item_once(world) -> None:
    door, settings, folder = world
    watchlist, _ = new_watchlist(door, settings, query="Kherson")
    after = watchlist.matched_through
    door.ingest([_write(folder, "new", KHERSON)])
    rows = door.index.catalog.watchlists
    head = rows.head()
    from assistant import Retriever, WatchMatcher

    matcher = WatchMatcher(door.index, Retriever(door.index, settings.retrieval), door)
    items = matcher.items_for(watchlist, rows.new_articles(after, head))
    assert len(door.record_watch_items(watchlist.id, after, head, items)) == 2
    assert door.record_watch_items(watchlist.id, after, head, items) == []  # cursor past it
    assert rows.record(watchlist.id, after, head + 1, items) == []  # unique (article, version)
    assert len(door.watch_items(watchlist.id)) == 2


def test_a_corrected_article_that_still_matches_is_a_new_item(world) -> None:
    door, settings, folder = world
    watchlist, _ = new_watchlist(door, settings, query="Kherson")
    door.ingest([_write(folder, "new", KHERSON[:1])])
    match_after(door, settings)
    fixed = {**KHERSON[0], "text": KHERSON[0]["text"].replace("Two cranes", "Three cranes")}
    door.ingest([_write(folder, "fixed", [fixed])])
    match_after(door, settings)
    assert [i.version for i in door.watch_items(watchlist.id)] == [2, 1]


def test_a_story_watchlist_gets_the_articles_that_join_its_story(world) -> None:
    door, settings, folder = world
    door.ingest([_write(folder, "first", KHERSON[:1])])
    story_id = door.index.catalog.stories.story_ids_of(["kherson-port"])["kherson-port"]
    watchlist, _ = new_watchlist(door, settings, story_id=story_id)
    assert watchlist.name == KHERSON[0]["title"]
    follow_up = {
        **KHERSON[0],
        "id": "kherson-port-2",
        "published_at": "2025-03-06",
        "text": KHERSON[0]["text"] + " On Thursday the port reopened for grain barges.",
    }
    door.ingest([_write(folder, "next", [follow_up, BAKERY])])
    joined = door.index.catalog.stories.story_ids_of(["kherson-port-2", "sourdough"])
    assert joined["kherson-port-2"] == story_id != joined["sourdough"]
    match_after(door, settings)
    items = door.watch_items(watchlist.id)
    assert [i.article_id for i in items] == ["kherson-port-2"]
    assert all(i.score is None and i.quote for i in items)
    with pytest.raises(WatchlistError, match="no story"):
        new_watchlist(door, settings, story_id="s-none")


def test_a_watchlist_needs_a_query_or_a_story_and_a_safe_webhook(world) -> None:
    door, settings, _ = world
    with pytest.raises(WatchlistError):
        new_watchlist(door, settings, query="  ")
    with pytest.raises(WatchlistError):
        new_watchlist(door, settings, query="x", story_id="s1")
    with pytest.raises(WatchlistError, match="link-local"):
        new_watchlist(door, settings, query="x", webhook="http://169.254.169.254/latest")
    with pytest.raises(WatchlistError, match="only http"):
        new_watchlist(door, settings, query="x", webhook="file:///etc/passwd")
    made, secret = new_watchlist(door, settings, query="x", webhook="http://127.0.0.1:9/h/sec")
    assert secret and len(secret) == 64
    assert made.to_dict()["webhook_url"] == "http://127.0.0.1:9/…"  # the path is secret too
    assert "webhook_secret" not in made.to_dict() and secret not in repr(made)


def test_the_atom_feed_is_atom_and_links_each_item_to_its_cite_page(world) -> None:
    door, settings, folder = world
    watchlist, _ = new_watchlist(door, settings, query="Kherson")
    door.ingest([_write(folder, "new", [*KHERSON, BAKERY])])
    match_after(door, settings)
    items = door.watch_items(watchlist.id)
    body = atom_feed(watchlist, items, "http://127.0.0.1:7860", "http://127.0.0.1:7860/f.atom")
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.id.startswith("urn:uuid:") and "Kherson" in parsed.feed.title
    assert parsed.feed.updated == max(i.matched_at for i in items)
    assert len(parsed.entries) == 2
    for entry, item in zip(parsed.entries, items, strict=True):
        assert entry.title == item.title and entry.summary == f"“{item.quote}”"
        assert entry.link.startswith("http://127.0.0.1:7860/cite/" + item.article_id)
        assert f"?quote={item.quote_start}-{item.quote_end}#quote" in entry.link
        assert entry.id.startswith("urn:uuid:") and entry.updated and entry.published
    again = feedparser.parse(atom_feed(watchlist, items, "http://x", "http://x/f"))
    assert [e.id for e in again.entries] == [e.id for e in parsed.entries]  # stable ids
    empty = feedparser.parse(atom_feed(watchlist, [], "http://x", "http://x/f"))
    assert not empty.bozo and empty.feed.updated == watchlist.created_at
    odd = replace(items[0], title="a\x00b <c> & d")
    assert (
        feedparser.parse(atom_feed(watchlist, [odd], "http://x", "http://x/f")).entries[0].title
        == "ab <c> & d"
    )


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses  # answered in turn; the last one from then on
        self.posts: list[tuple[bytes, str]] = []

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((body, self.headers.get("X-Newsrag-Signature", "")))
                status = receiver.statuses[min(len(receiver.posts), len(receiver.statuses)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_are_signed_retried_and_sent_at_most_once(world) -> None:
    door, settings, folder = world
    with Receiver([500, 200]) as receiver:
        watchlist, secret = new_watchlist(door, settings, query="Kherson", webhook=receiver.url)
        assert secret
        door.ingest([_write(folder, "new", [*KHERSON, BAKERY])])
        match_after(door, settings)
        poster = WebhookPoster(settings.fetch)
        soon = Policy(attempts=3, backoff_s=-1)  # a retry is due at once
        first = deliver_due(door, poster, soon)
        assert (first.sent, first.retrying) == (1, 1)  # the first POST got a 500
        listed = door.watchlist(watchlist.id)
        assert listed is not None and listed.deliveries == {"retry": 1, "sent": 1}
        assert listed.last_delivery_error == "status: HTTP 500"
        second = deliver_due(door, poster, soon)
        assert second.sent == 1 and deliver_due(door, poster, soon).sent == 0
        poster.close()
    assert len(receiver.posts) == 3
    for body, signature in receiver.posts:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected) and signature == sign(secret, body)
        item = json.loads(body)
        assert item["watchlist"] == {"id": watchlist.id, "name": "Kherson"}
        assert item["citation"] and item["quote"] and "webhook_secret" not in item
    assert len({json.loads(b)["id"] for b, _ in receiver.posts}) == 2
    done = door.watchlist(watchlist.id)
    assert done is not None and done.deliveries == {"sent": 2}


def test_a_delivery_left_sending_is_never_sent_again(world) -> None:
    door, settings, folder = world
    with Receiver([200]) as receiver:
        watchlist, _ = new_watchlist(door, settings, query="Kherson", webhook=receiver.url)
        door.ingest([_write(folder, "new", KHERSON)])
        match_after(door, settings)
        first = door.watch_items(watchlist.id)[-1]
        assert door.claim_delivery(first.id) == 1  # claimed, then the sender was killed
        assert door.claim_delivery(first.id) == 0  # nobody claims it twice
        poster = WebhookPoster(settings.fetch)
        report = deliver_due(door, poster, Policy(stale_s=-5))
        poster.close()
    assert (report.sent, report.interrupted) == (1, 1) and len(receiver.posts) == 1
    assert json.loads(receiver.posts[0][0])["id"] != first.id
    states = door.watchlist(watchlist.id).deliveries  # type: ignore[union-attr]
    assert states == {"interrupted": 1, "sent": 1}


def test_an_unreachable_webhook_gives_up_after_its_attempts(world) -> None:
    door, settings, folder = world
    fast = replace(settings, fetch=replace(settings.fetch, fetch_timeout_s=2.0))
    watchlist, _ = new_watchlist(door, fast, query="Kherson", webhook="http://127.0.0.1:9/x")
    door.ingest([_write(folder, "new", KHERSON[:1])])
    match_after(door, fast)
    poster = WebhookPoster(fast.fetch)
    for _ in range(2):
        deliver_due(door, poster, Policy(attempts=2, backoff_s=-1))
    poster.close()
    listed = door.watchlist(watchlist.id)
    assert listed is not None and listed.deliveries == {"failed": 1}
    assert "gave up after 2 attempts" in (listed.last_delivery_error or "")


def test_since_and_the_shared_threshold() -> None:
    assert since_stamp("2025-03-05") == "2025-03-05"
    assert since_stamp("2025-03-05T12:00:00+02:00") == "2025-03-05T10:00:00+00:00"
    assert since_stamp("2025-03-05T12:00:00") == "2025-03-05T12:00:00+00:00"
    assert since_stamp(None) is None
    with pytest.raises(ValueError):
        since_stamp("yesterday")
    assert ExtractiveConfig().min_similarity == WEAK_SIMILARITY  # the engine's floor, shared
    assert SCHEMA_VERSION == 9


def test_a_read_only_catalog_without_watchlists_lists_none(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "index")
    with NewsIndex.open(settings.index, embedder=HashEncoder(), create=True) as index:
        assert index.catalog.watchlists.all() == [] and index.catalog.watchlists.head() == 0
        assert index.catalog.watchlists.get(1) is None
