"""The one door for writes (issue #31, step 1): ``index.Library`` owns ingest, delete, feeds,
fetch, regrouping and reindex, and the reads that manage a library; every interface goes
through it (a fence below reads ui/ for any other way in). Fast tier: the hash encoder, real
SQLite and FAISS."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from index import (
    DeleteResult,
    IndexNotFound,
    Library,
    NewsIndex,
    UnknownArticle,
)
from index.feeds.sources import new_feed
from tests.conftest import REPO, settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

TEXT = "The harbour bridge reopened to traffic on Wednesday after eight months of repairs."
ROWS = [
    {"id": "bridge", "title": "Harbour bridge reopens", "published_at": "2024-11-20", "text": TEXT},
    {"id": "ferry", "title": "Ferry strike ends", "published_at": "2024-11-22", "text": TEXT[:40]},
]
# what only the write door may call in ui/ (each is a write, or opens one)
WRITES = re.compile(
    r"(?<!door\.)\b(?:ingest_paths|Ingestor|delete_articles|fetch_pass|add_feed|remove_feed|"
    r"regroup_stories|reindex)\s*\("
)


def _source(tmp_path: Path) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    return path


def test_the_door_ingests_tells_each_article_and_closes_its_index(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "index").index
    read: list[str] = []
    with Library(settings, HashEncoder()) as door:
        summary = door.ingest([_source(tmp_path)], on_article=lambda a: read.append(a.id))
        index = door.index
    assert summary.added == 2 and read == ["bridge", "ferry"]
    with pytest.raises(sqlite3.ProgrammingError):  # closed with the block: no connection
        index.catalog.articles.counts()
    with Library(settings, HashEncoder()) as door:
        total, rows = door.articles()
        assert total == 2 and [r.meta.id for r in rows] == ["ferry", "bridge"]
        assert door.article("bridge").text == TEXT
        assert [v.version for v in door.versions("bridge")] == [1]
        assert door.page("ferry", 10)[1][0]["cite"].startswith("ferry:0-")


def test_deletes_report_unknown_ids_and_a_missing_index_is_said(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "index").index
    with Library(settings, HashEncoder()) as door, pytest.raises(IndexNotFound):
        door.delete(["bridge"])  # no index yet: nothing is created for a delete
    assert not NewsIndex.exists(settings)
    with Library(settings, HashEncoder()) as door:
        door.ingest([_source(tmp_path)])
        result = door.delete(["bridge", "nope"])
        assert result == DeleteResult(("bridge",), ("nope",))
        assert result.to_dict() == {"deleted": ["bridge"], "missing": ["nope"], "warnings": []}
        with pytest.raises(UnknownArticle):
            door.article("bridge")


def test_feeds_are_followed_and_unfollowed_through_the_door(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "index").index
    with Library(settings, HashEncoder()) as door:
        assert door.feeds() == [] and not door.unfollow("https://example.org/rss")
        assert door.fetch(fetcher=None) == []  # type: ignore[arg-type]  # no index: no pass
    with Library(settings, HashEncoder()) as door:
        feed = new_feed("https://example.org/rss")
        assert door.follow(feed) and not door.follow(feed)
        assert [f.url for f in door.feeds()] == ["https://example.org/rss"]
        assert door.unfollow("https://example.org/rss") and door.feeds() == []


def test_a_door_over_a_borrowed_index_leaves_it_open(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "index").index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    with Library.over(index) as door:
        door.ingest([_source(tmp_path)])
    assert index.catalog.articles.counts()["articles"] == 2  # still open
    index.close()


def test_no_interface_writes_but_through_the_door() -> None:
    found = [
        f"{path.relative_to(REPO)}:{n}"
        for path in sorted((REPO / "ui").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRITES.search(line)
    ]
    assert found == [], found
