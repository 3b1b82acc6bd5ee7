"""Corrections the feed does not announce (issue #33): the pages of recent entries are asked for
again on a decaying schedule after their publication, conditionally, against a real HTTP server
on 127.0.0.1. A page corrected silently (same feed, same entry date) becomes version 2 once a
point is due, the old version still citable; an unchanged page costs one 304 and creates
nothing; ``off`` (the feed's or the setting's) asks for nothing; a deleted article is never
brought back; the per-pass bound leaves the rest for the next pass; ``feeds add`` of a followed
URL with a new ``--every`` takes effect at once and says so; ``feeds list`` shows where each
feed's revalidation stands; a schema-6 catalog is upgraded. The clock is the pass's ``now``:
nothing sleeps. Hash encoder: the unit tier."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from index import NewsIndex
from index.catalog.schema import SCHEMA_VERSION, _revalidation
from index.feeds.fetch import Fetcher
from index.feeds.passes import fetch_pass
from index.feeds.schedule import (
    ScheduleError,
    anchor,
    next_check,
    parse_schedule,
    schedule_text,
)
from index.feeds.settings import FetchSettings
from index.feeds.sources import new_feed
from index.loaders.ids import url_id
from index.records import EntryState
from tests.conftest import settings_for
from tests.fakes import HashEncoder
from tests.feed_site import FixtureSite, fixture_site
from ui.cli import main

pytestmark = pytest.mark.unit

PUBLISHED = datetime(2025, 11, 21, 9, 0, tzinfo=UTC)
BODY = (
    "The ferry between Kirkwall and Stromness was cancelled on Tuesday after a storm damaged "
    "the pier, the harbour authority said. Repairs are expected to take two weeks. "
)
FIRST = "Two crew members were hurt when the gangway gave way."
CORRECTED = "Three crew members were hurt when the gangway gave way, the operator said."


def page(text: str) -> str:
    return (
        '<html><head><title>Ferry</title><meta property="article:published_time" '
        'content="2025-11-21"></head><body><article><h1>Ferry cancelled</h1>'
        + f"<p>{BODY}{text}</p>" * 3
        + "</article></body></html>"
    )


def atom(site: FixtureSite, published: datetime = PUBLISHED) -> str:
    """One entry whose dates never move: a correction on its page is not announced."""
    day = published.isoformat().replace("+00:00", "Z")
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Fixture</title><entry><title>Ferry'
        f'</title><link href="{site.url("/story/1")}"/><published>{day}</published>'
        f"<updated>{day}</updated><summary>{BODY}</summary></entry></feed>"
    )


def at(hours: float) -> datetime:
    return PUBLISHED + timedelta(hours=hours)


@pytest.fixture()
def site() -> Iterator[FixtureSite]:
    with fixture_site() as s:
        s.set("/feed.xml", atom(s), "application/atom+xml")
        s.set("/story/1", page(FIRST))
        yield s


@pytest.fixture()
def index(tmp_path: Path) -> Iterator[NewsIndex]:
    opened = NewsIndex.open(settings_for(tmp_path).index, embedder=HashEncoder(), create=True)
    yield opened
    opened.close()


def fetcher(**overrides: object) -> Fetcher:
    return Fetcher(
        FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0, **overrides)  # type: ignore[arg-type]
    )


def follow(index: NewsIndex, site: FixtureSite, revalidate: str | None = None) -> None:
    feed = new_feed(site.url("/feed.xml"), "30m", "Fixture News", "127.0.0.1", revalidate)
    index.catalog.feeds.add(feed)


def test_a_silent_correction_is_picked_up_once_due_and_an_unchanged_page_costs_a_304(
    site: FixtureSite, index: NewsIndex
) -> None:
    from assistant import Retriever
    from index import lookup_citation

    follow(index, site)
    article_id = url_id(site.url("/story/1"))
    f = fetcher()
    try:
        (first,) = fetch_pass(index, f, at(0.5))  # read 30 minutes after publication
        assert (first.new, first.summary.added, first.revalidation.checked) == (1, 1, 0)
        key = Retriever(index).search("crew members hurt gangway", k=1)[0].citation
        site.set("/story/1", page(CORRECTED))  # corrected silently: the feed is as it was

        (early,) = fetch_pass(index, f, at(0.9), every_feed=True)  # the 1 h point: not yet
        assert early.status == "not_modified" and early.revalidation.checked == 0
        assert site.hits["/story/1"] == 1
        assert len(index.catalog.versions.history(article_id)) == 1

        (due,) = fetch_pass(index, f, at(1.1), every_feed=True)
        assert due.status == "not_modified"  # the feed said nothing; the page was asked again
        assert due.revalidation.to_dict() == {
            "checked": 1,
            "changed": 1,
            "unchanged": 0,
            "failed": 0,
            "left": 0,
        }
        assert due.summary.updated == 1 and due.to_dict()["revalidation"]["changed"] == 1
        versions = index.catalog.versions.history(article_id)
        assert [v.version for v in versions] == [1, 2]
        note = lookup_citation(index, key).updated  # the old key opens, marked updated since
        assert note is not None and "Three crew members" in (note.current_text or "")
        (feed,) = index.catalog.feeds.followed()
        assert feed.revalidated_at == at(1.1).isoformat(timespec="seconds")
        assert (feed.revalidation or "").startswith("1 checked: 1 changed, 0 unchanged")
        (state,) = index.catalog.feeds.entry_states(feed.url).values()
        assert state.last_check == "changed" and state.published_at == "2025-11-21T09:00:00+00:00"

        hits, generation = site.hits["/story/1"], index.catalog.generation
        (again,) = fetch_pass(index, f, at(1.5), every_feed=True)  # checked at 1 h: next at 6 h
        assert again.revalidation.checked == 0 and site.hits["/story/1"] == hits

        (six,) = fetch_pass(index, f, at(6.2), every_feed=True)
        assert six.revalidation.unchanged == 1 and six.revalidation.changed == 0
        assert site.hits["/story/1"] == hits + 1 and site.not_modified["/story/1"] == 1
        assert six.summary.updated == 0 and index.catalog.generation == generation  # nothing new
        assert len(index.catalog.versions.history(article_id)) == 2

        (late,) = fetch_pass(index, f, at(24 * 5), every_feed=True)  # 24 h and 3 d: one check
        assert late.revalidation.checked == 1 and site.not_modified["/story/1"] == 2
        (done,) = fetch_pass(index, f, at(24 * 7 + 1), every_feed=True)
        assert done.revalidation.checked == 1
        (after,) = fetch_pass(index, f, at(24 * 30), every_feed=True)  # the schedule is over
        assert after.revalidation.checked == 0 and site.hits["/story/1"] == hits + 3
    finally:
        f.close()


@pytest.mark.parametrize("where", ["feed", "setting"])
def test_revalidate_off_asks_for_nothing(site: FixtureSite, index: NewsIndex, where: str) -> None:
    follow(index, site, "off" if where == "feed" else None)
    f = fetcher(fetch_revalidate="off" if where == "setting" else "1h,6h,24h,3d,7d")
    try:
        fetch_pass(index, f, at(0.5))
        site.set("/story/1", page(CORRECTED))
        for hours in (1.1, 6.1, 24.1, 72.1, 168.1):
            (outcome,) = fetch_pass(index, f, at(hours), every_feed=True)
            assert outcome.revalidation.checked == 0
    finally:
        f.close()
    assert site.hits["/story/1"] == 1
    assert len(index.catalog.versions.history(url_id(site.url("/story/1")))) == 1


def test_a_deleted_article_is_not_brought_back(site: FixtureSite, index: NewsIndex) -> None:
    from index import Library

    follow(index, site)
    f = fetcher()
    try:
        fetch_pass(index, f, at(0.5))
        Library.over(index).delete([url_id(site.url("/story/1"))])
        site.set("/story/1", page(CORRECTED))
        (outcome,) = fetch_pass(index, f, at(1.1), every_feed=True)
    finally:
        f.close()
    assert outcome.revalidation.checked == 0 and site.hits["/story/1"] == 1
    assert index.catalog.articles.article(url_id(site.url("/story/1"))) is None


def test_a_pass_checks_at_most_its_bound_and_leaves_the_rest(
    site: FixtureSite, index: NewsIndex
) -> None:
    day = PUBLISHED.isoformat().replace("+00:00", "Z")
    entries = "".join(
        f'<entry><title>Ferry {n}</title><link href="{site.url(f"/story/{n}")}"/>'
        f"<published>{day}</published><updated>{day}</updated></entry>"
        for n in range(1, 4)
    )
    site.set(
        "/feed.xml", f'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>{entries}</feed>'
    )
    for n in range(1, 4):
        site.set(f"/story/{n}", page(f"{FIRST} Story {n}."))
    follow(index, site)
    f = fetcher(fetch_revalidate_per_pass=2)
    try:
        fetch_pass(index, f, at(0.5))
        (first,) = fetch_pass(index, f, at(1.1), every_feed=True)
        assert (first.revalidation.checked, first.revalidation.left) == (2, 1)
        assert "1 left for the next pass" in (index.catalog.feeds.followed()[0].revalidation or "")
        (second,) = fetch_pass(index, f, at(1.2), every_feed=True)
        assert (second.revalidation.checked, second.revalidation.left) == (1, 0)
    finally:
        f.close()
    assert sum(site.not_modified[f"/story/{n}"] for n in range(1, 4)) == 3


def test_the_schedule_rules() -> None:
    assert parse_schedule("1h,6h,24h,3d,7d") == (3600, 21600, 86400, 259200, 604800)
    assert parse_schedule(" 7d, 1h ,1h") == (3600, 604800) and parse_schedule("OFF") == ()
    assert schedule_text(parse_schedule("24h,90m")) == "90m,1d" and schedule_text(()) == "off"
    for bad in ("1x", "30s", "100d", "1h;6h", ""):
        with pytest.raises(ScheduleError):
            parse_schedule(bad)
    with pytest.raises(ValueError, match="NEWSRAG_FETCH_REVALIDATE"):
        FetchSettings(fetch_revalidate="soon")
    # a schedule starts at publication, never later than first seen; a date alone is not a time
    assert anchor("2025-11-21T09:00:00Z", "2025-11-21T12:00:00+00:00") == (
        "2025-11-21T09:00:00+00:00"
    )
    assert anchor("2025-11-21", "2025-11-21T12:00:00+00:00") == "2025-11-21T12:00:00+00:00"
    assert anchor("2025-11-22T09:00:00Z", "2025-11-21T12:00:00+00:00").startswith("2025-11-21T12")
    points = parse_schedule("1h,6h")
    start = "2025-11-21T09:00:00+00:00"
    assert next_check(start, "2025-11-21T09:30:00+00:00", points) == at(1)
    assert next_check(start, "2025-11-21T11:00:00+00:00", points) == at(6)
    assert next_check(start, "2025-11-21T15:00:00+00:00", points) is None
    assert next_check(None, "2025-11-21", points) == datetime(2025, 11, 21, 1, tzinfo=UTC)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_feeds_add_again_with_a_new_every_takes_effect_now_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path / "index")
    url = "https://example.org/rss.xml"
    assert run(capsys, "feeds", "add", url, "--every", "1d", "--home", home)[0] == 0
    index = NewsIndex.open(settings_for(Path(home)).index)
    (feed,) = index.catalog.feeds.followed()
    index.catalog.feeds.record_fetch(
        replace(
            feed,
            last_fetch_at="2026-12-01T10:00:00+00:00",
            last_status="ok",
            next_try_at="2026-12-02T10:00:00+00:00",
        )
    )
    index.close()
    code, out, _ = run(capsys, "feeds", "add", url, "--every", "2h", "--home", home)
    assert code == 0 and out.startswith(f"already followed; updated: {url}")
    assert "every 2h (was 1d); in effect now, next fetch 2026-12-01T12:00:00+00:00" in out
    code, out, _ = run(
        capsys, "feeds", "add", url, "--every", "45m", "--revalidate", "off", "--home", home,
        "--json",
    )  # fmt: skip
    said = json.loads(out)
    assert said["added"] is False and said["feed"]["every_s"] == 2700
    assert said["changed"] == {
        "every": {"was": "2h", "now": "45m"},
        "revalidate": {"was": "default", "now": "off"},
    }
    assert said["feed"]["next_try_at"] == "2026-12-01T10:45:00+00:00"
    code, out, _ = run(capsys, "feeds", "add", url, "--every", "45m", "--home", home)
    assert out.strip() == f"already followed; updated: {url}  (nothing changed)"
    code, _, err = run(capsys, "feeds", "add", url, "--revalidate", "soon", "--home", home)
    assert code == 1 and "--revalidate 'soon'" in err


def test_feeds_list_shows_where_revalidation_stands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two entries a pass recorded (read 10 minutes after publication, one 2 hours ago, one
    30 minutes ago) and the feed's last revalidation, as ``feeds list`` shows them."""
    home = tmp_path / "index"
    url = "https://example.org/rss.xml"
    run(capsys, "feeds", "add", url, "--home", str(home))
    now = datetime.now(UTC).replace(microsecond=0)
    older, newer = now - timedelta(hours=2), now - timedelta(minutes=30)
    with NewsIndex.open(settings_for(home).index) as index:
        index.catalog.feeds.record_entries(
            [
                EntryState(
                    f"https://example.org/{n}", url, None, '"e"', None,
                    (when + timedelta(minutes=10)).isoformat(), True, when.isoformat(),
                )
                for n, when in enumerate((older, newer))
            ]
        )  # fmt: skip
        index.catalog.feeds.record_revalidation(url, now.isoformat(), "1 checked: 1 changed")
    code, out, _ = run(capsys, "feeds", "list", "--home", str(home), "--json")
    assert code == 0, out
    (feed,) = json.loads(out)["feeds"]
    assert {"url", "every_s", "last_status", "next_try_at"} <= set(feed)  # the keys it had
    assert feed["revalidate"] is None and feed["revalidate_schedule"] == "1h,6h,1d,3d,7d"
    assert (feed["revalidation_pending"], feed["revalidation_due"]) == (2, 1)  # older: its 1 h
    assert feed["next_revalidation_at"] == (older + timedelta(hours=1)).isoformat()
    assert feed["revalidated_at"] == now.isoformat()
    assert feed["revalidation"] == "1 checked: 1 changed"
    _, out, _ = run(capsys, "feeds", "list", "--home", str(home))
    assert "revalidate 1h,6h,1d,3d,7d (default): 2 awaiting, 1 due, next " in out
    assert f"; last {now.isoformat()}: 1 checked: 1 changed" in out
    run(capsys, "feeds", "add", url, "--revalidate", "off", "--home", str(home))
    _, out, _ = run(capsys, "feeds", "list", "--home", str(home), "--json")
    (feed,) = json.loads(out)["feeds"]
    assert feed["revalidate"] == feed["revalidate_schedule"] == "off"
    assert (feed["revalidation_pending"], feed["next_revalidation_at"]) == (0, None)


def test_a_catalog_of_schema_6_is_upgraded(site: FixtureSite, tmp_path: Path) -> None:
    """Schema 6 had no revalidation columns: the upgrade adds them, keeps every feed and entry,
    and an entry it finds (no schedule start) is scheduled from when its page was read."""
    settings = settings_for(tmp_path).index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    follow(index, site)
    f = fetcher()
    try:
        fetch_pass(index, f, at(0.5))
    finally:
        f.close()
    index.close()
    _as_schema_6(settings.catalog_path)

    index = NewsIndex.open(settings, embedder=HashEncoder())
    try:
        assert index.catalog.meta()["schema_version"] == str(SCHEMA_VERSION) == "9"
        (feed,) = index.catalog.feeds.followed()
        assert feed.last_status == "ok" and feed.revalidate is None
        (state,) = index.catalog.feeds.entry_states(feed.url).values()
        assert state.page_read and state.published_at is None and state.last_check is None
        site.set("/story/1", page(CORRECTED))
        f = fetcher()
        try:
            (outcome,) = fetch_pass(index, f, at(1.6), every_feed=True)  # read at 0.5 h + 1 h
        finally:
            f.close()
        assert outcome.revalidation.changed == 1
    finally:
        index.close()
    conn = sqlite3.connect(settings.catalog_path)
    try:
        steps = [v for (v,) in conn.execute("SELECT version FROM schema_steps ORDER BY version")]
        assert 7 in steps and steps[-1] == SCHEMA_VERSION == 9  # 9: late vectors
        _revalidation(conn, lambda _: None)  # met twice: it does nothing
        columns = [row[1] for row in conn.execute("PRAGMA table_info(feed_entries)")]
        assert columns.count("published_at") == 1 and columns.count("last_check") == 1
    finally:
        conn.close()


def _as_schema_6(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE feeds DROP COLUMN revalidate; ALTER TABLE feeds DROP COLUMN revalidated_at;"
        "ALTER TABLE feeds DROP COLUMN revalidation;"
        "ALTER TABLE feed_entries DROP COLUMN published_at;"
        "ALTER TABLE feed_entries DROP COLUMN last_check;"
        "DELETE FROM schema_steps WHERE version = 7;"
        "UPDATE meta SET value='6' WHERE key='schema_version';"
    )
    conn.commit()
    conn.close()
