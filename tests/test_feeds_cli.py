"""Following feeds (issue #18, point 1, the part that exists): ``newsrag feeds add/list/remove``
keep each feed and its fetch state in the catalog; bad URLs and intervals are refused naming
the field; a feed write leaves the index's generation (and so every vector cache) alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import NewsIndex
from index.feeds.sources import FeedError, feed_url, parse_every
from tests.conftest import settings_for
from ui.cli import main

pytestmark = pytest.mark.unit


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_update_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "index")
    url = "https://example.org/rss.xml"
    assert run(capsys, "feeds", "add", url, "--every", "2h", "--source", "Example", "--home", home)[
        1
    ].startswith("following")
    code, out, _ = run(capsys, "feeds", "add", "HTTPS://EXAMPLE.org/rss.xml#top", "--home", home)
    assert code == 0 and out.strip() == f"already followed: {url}"  # one feed, unchanged
    code, out, _ = run(capsys, "feeds", "list", "--home", home, "--json")
    (feed,) = json.loads(out)["feeds"]
    assert (feed["url"], feed["source"], feed["every_s"]) == (url, "Example", 7200)
    assert feed["last_status"] is None and feed["failures"] == 0
    run(capsys, "feeds", "add", url, "--every", "45m", "--home", home)
    index = NewsIndex.open(settings_for(Path(home)).index)
    assert (
        index.catalog.feeds.followed()[0].every_s == 2700
        and index.catalog.feeds.followed()[0].source == "Example"
    )
    assert index.catalog.generation == 0  # no article changed: caches stay valid
    assert run(capsys, "feeds", "remove", url, "--home", home)[1].startswith("removed")
    code, out, _ = run(capsys, "feeds", "remove", url, "--home", home)
    assert code == 1 and out.startswith("not followed")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["http://169.254.169.254/latest/"], "metadata"),
        (["ftp://example.org/feed"], "only http and https"),
        (["https://user:pw@example.org/feed"], "user name or password"),
        (["http://127.0.0.1/feed"], "NEWSRAG_FETCH_ALLOW_HOSTS"),
        (["https://example.org/feed", "--every", "5"], "--every '5'"),
        (["https://example.org/feed", "--every", "10s"], "between 1m and 7d"),
    ],
)
def test_bad_feeds_are_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    code, _, err = run(capsys, "feeds", "add", *argv, "--home", str(tmp_path / "index"))
    assert code == 1 and said in err and "Traceback" not in err


def test_the_rules_themselves() -> None:
    assert parse_every("30m") == 1800 and parse_every(" 1D ") == 86400
    assert feed_url("http://127.0.0.1:8000/rss", allow_hosts="127.0.0.1").startswith("http://127")
    with pytest.raises(FeedError):
        parse_every("8d")


def test_a_new_interval_moves_the_next_fetch(tmp_path: Path) -> None:
    """Issue #30 point 8: re-adding a followed feed with a new --every kept the old due time."""
    from dataclasses import replace

    from index.feeds.sources import new_feed

    index = NewsIndex.open(settings_for(tmp_path).index, create=True)
    feed = new_feed("https://example.org/rss.xml", "1d")
    index.catalog.feeds.add(feed)
    fetched = "2026-12-01T10:00:00+00:00"
    index.catalog.feeds.record_fetch(
        replace(
            feed, last_fetch_at=fetched, last_status="ok", next_try_at="2026-12-02T10:00:00+00:00"
        )
    )
    index.catalog.feeds.add(replace(feed, every_s=3600), frozenset({"every_s"}))
    assert index.catalog.feeds.followed()[0].next_try_at == "2026-12-01T11:00:00+00:00"
