"""Feed passes in the cases a first version got wrong (issue #18 review), against a real HTTP
server on 127.0.0.1: a page that could not be read is tried again while the feed answers 304;
an entry listed by two feeds follows corrections in each; an article made from its entry's text
by a pass killed before it recorded the entry is read from its page next time; a pass writes
the vector cache once; an entry's update date is never its publication date. Hash encoder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index import NewsIndex
from index.encoding.ann import VectorIndex
from index.feeds.fetch import Fetcher
from index.feeds.parse import entries
from index.feeds.passes import WRITE_EVERY, FeedOutcome, fetch_pass
from index.feeds.settings import FetchSettings
from index.feeds.sources import new_feed
from index.loaders.ids import url_id
from tests.conftest import settings_for
from tests.fakes import HashEncoder
from tests.feed_site import FixtureSite, fixture_site

pytestmark = pytest.mark.unit

NOW = datetime(2025, 11, 21, 12, 0, tzinfo=UTC)
BODY = (
    "The ferry between Kirkwall and Stromness was cancelled on Tuesday after a storm damaged "
    "the pier, the harbour authority said. Repairs are expected to take two weeks. "
)


def story(text: str, day: str = "2025-11-21") -> str:
    return (
        f'<html><head><title>Ferry</title><meta property="article:published_time" '
        f'content="{day}"></head><body><article><h1>Ferry cancelled</h1>'
        + f"<p>{BODY}{text}</p>" * 3
        + "</article></body></html>"
    )


def atom(site: FixtureSite, items: list[tuple[str, str, str]]) -> str:
    """An Atom feed of (path, updated, entry text); every entry published 2025-11-21."""
    body = "".join(
        f'<entry><title>Ferry</title><link href="{site.url(path)}"/>'
        f"<published>2025-11-21T09:00:00Z</published><updated>{updated}</updated>"
        f"<summary>{summary}</summary></entry>"
        for path, updated, summary in items
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Fixture</title>{body}</feed>'


@pytest.fixture()
def site() -> Iterator[FixtureSite]:
    with fixture_site() as s:
        yield s


@pytest.fixture()
def index(tmp_path: Path) -> Iterator[NewsIndex]:
    opened = NewsIndex.open(settings_for(tmp_path).index, embedder=HashEncoder(), create=True)
    yield opened
    opened.close()


@pytest.fixture()
def fetcher() -> Iterator[Fetcher]:
    f = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0))
    yield f
    f.close()


def follow(index: NewsIndex, site: FixtureSite, *paths: str) -> None:
    for path in paths:
        index.catalog.feeds.add(new_feed(site.url(path), "30m", "Fixture News", "127.0.0.1"))


def run(index: NewsIndex, fetcher: Fetcher) -> dict[str, FeedOutcome]:
    return {o.url.rsplit("/", 1)[1]: o for o in fetch_pass(index, fetcher, NOW, every_feed=True)}


def origin(index: NewsIndex, url: str) -> str:
    row = index.catalog.articles.article_state(url_id(url))
    assert row is not None, f"{url} is not indexed"
    return str(row["origin"])


def test_a_page_not_read_is_tried_again_while_the_feed_answers_304(
    site: FixtureSite, index: NewsIndex, fetcher: Fetcher
) -> None:
    site.set("/feed.xml", atom(site, [("/story/1", "2025-11-21T09:00:00Z", BODY + "Teaser.")]))
    site.set("/story/1", "busy", "text/plain", status=503)
    follow(index, site, "/feed.xml")
    first = run(index, fetcher)["feed.xml"]
    assert (first.status, first.new, first.from_entry) == ("ok", 1, 1)
    assert "page not read" in origin(index, site.url("/story/1"))

    site.set("/story/1", story("The pier reopens next month."))  # the site is back
    second = run(index, fetcher)["feed.xml"]
    assert (second.status, second.changed, second.summary.updated) == ("not_modified", 1, 1)
    assert "(fetched " in origin(index, site.url("/story/1"))
    article = index.catalog.articles.article(url_id(site.url("/story/1")))
    assert article is not None and "pier reopens next month" in (article.text or "")

    hits = site.hits["/story/1"]
    third = run(index, fetcher)["feed.xml"]
    assert third.status == "not_modified" and third.changed == 0
    assert site.hits["/story/1"] == hits  # read once: not asked for again


def test_an_entry_listed_by_two_feeds_follows_a_correction_in_either(
    site: FixtureSite, index: NewsIndex, fetcher: Fetcher
) -> None:
    site.set("/a.xml", atom(site, [("/story/1", "2025-11-21T09:00:00Z", "")]))
    site.set("/b.xml", atom(site, [("/story/1", "2025-11-21T09:00:00Z", "")]))
    site.set("/story/1", story("Two sailings were cancelled."))
    follow(index, site, "/a.xml", "/b.xml")
    first = run(index, fetcher)
    assert (first["a.xml"].new, first["b.xml"].new) == (1, 0)  # indexed once
    article_id = url_id(site.url("/story/1"))
    assert set(index.catalog.feeds.entry_states(site.url("/b.xml"))) == {site.url("/story/1")}

    site.set("/story/1", story("Three sailings were cancelled, the operator said."))
    site.set("/b.xml", atom(site, [("/story/1", "2025-11-22T08:00:00Z", "")]))  # only B moved
    second = run(index, fetcher)
    assert (second["a.xml"].status, second["b.xml"].changed) == ("not_modified", 1)
    assert [v.version for v in index.catalog.versions.history(article_id)] == [1, 2]
    current = index.catalog.articles.article(article_id)
    assert current is not None and "Three sailings" in (current.text or "")

    index.catalog.feeds.remove(site.url("/b.xml"))
    assert index.catalog.feeds.entry_states(site.url("/b.xml")) == {}
    assert set(index.catalog.feeds.entry_states(site.url("/a.xml"))) == {site.url("/story/1")}


def test_an_entry_text_article_whose_entry_was_not_recorded_is_read_from_its_page(
    site: FixtureSite, index: NewsIndex, fetcher: Fetcher
) -> None:
    site.set("/feed.xml", atom(site, [("/story/1", "2025-11-21T09:00:00Z", BODY + "Teaser.")]))
    follow(index, site, "/feed.xml")
    assert run(index, fetcher)["feed.xml"].from_entry == 1  # /story/1 is a 404
    # a pass killed after writing the article and before recording its entry
    with index.catalog.transaction(content=False) as conn:
        conn.execute("DELETE FROM feed_entries")
    site.set("/story/1", story("The pier reopens next month."))
    site.set("/feed.xml", atom(site, [("/story/1", "2025-11-21T09:00:00Z", BODY + "Teaser!")]))
    again = run(index, fetcher)["feed.xml"]
    assert (again.new, again.changed, again.summary.updated) == (0, 1, 1)
    assert "(fetched " in origin(index, site.url("/story/1"))
    (state,) = index.catalog.feeds.entry_states(site.url("/feed.xml")).values()
    assert state.page_read


def test_a_pass_writes_the_vector_cache_once_and_a_reopened_index_uses_it(
    site: FixtureSite, index: NewsIndex, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = WRITE_EVERY + 5  # two writes
    items = [(f"/story/{n}", "2025-11-21T09:00:00Z", "") for n in range(count)]
    for n in range(count):
        site.set(f"/story/{n}", story(f"Story number {n} of the storm."))
    site.set("/feed.xml", atom(site, items[:1]))
    follow(index, site, "/feed.xml")
    run(index, fetcher)  # a first article: the new index's meta written, its cache made
    site.set("/feed.xml", atom(site, items))
    saves: list[Path] = []
    real_save = VectorIndex.save

    def counted(self: VectorIndex, path: Path) -> None:
        saves.append(path)
        real_save(self, path)

    monkeypatch.setattr(VectorIndex, "save", counted)
    outcome = run(index, fetcher)["feed.xml"]
    assert outcome.summary.added == count - 1 and len(saves) == 1

    generation = index.catalog.generation
    reopened = NewsIndex.open(index.settings, embedder=HashEncoder())
    try:
        assert reopened.vectors.generation == generation and len(saves) == 1  # loaded, not rebuilt
        assert len(reopened.vectors) == index.catalog.articles.counts()["chunks"]
    finally:
        reopened.close()


def test_an_update_date_is_not_a_publication_date() -> None:
    base = "http://example.org"
    only_updated = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><title>T</title>'
        b'<link href="/a"/><updated>2025-11-22T08:00:00Z</updated></entry></feed>'
    )
    (entry,) = entries(only_updated, base)
    assert (entry.published, entry.updated) == (None, "2025-11-22T08:00:00Z")
    rdf = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b'<channel rdf:about="/"><title>F</title></channel><item rdf:about="/b"><title>T</title>'
        b"<link>http://example.org/b</link><dc:date>2025-11-21T07:30:00Z</dc:date></item></rdf:RDF>"
    )
    (item,) = entries(rdf, base)
    assert item.published == "2025-11-21T07:30:00Z"  # RSS 1.0's one date is its publication
