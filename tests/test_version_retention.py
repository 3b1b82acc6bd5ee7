"""Version retention (issue #28, point 9): a page that changes on every fetch keeps the texts of
its last ``NEWSRAG_KEEP_VERSIONS`` (default 5) older versions plus every version a key was ever
handed out for or resolved to (``cited_versions``, schema 5); pruning drops a version's text,
its kept passages (vectors included) and their full-text rows together, so ``check`` passes,
and ``check`` reports how much the kept versions weigh and which articles hold more than the
retention. Real SQLite and FAISS, the hash encoder: the unit tier."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Retriever, SearchFilters
from assistant.retrieval.stories import Stories
from index import Article, Ingestor, NewsIndex, StaleCitation, check_index, lookup_citation
from index.catalog.catalog import SCHEMA_VERSION
from index.citation_keys import CitationKey, citation_key
from index.settings import IndexSettings
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

LEAD = (
    "The toll bridge at Port Ellen publishes a traffic bulletin every hour, the city council "
    "said. Engineers count the cars crossing the deck in each direction. "
)
QUERY = "toll bridge traffic bulletin cars"
OTHER = "The ferry to the islands was cancelled after a storm damaged the pier on Sunday."
CHANGES = 20


def bulletin(n: int) -> str:
    return LEAD + f"Bulletin {n}: the counter read {n * 37} cars by noon and {n * 11} trucks."


def page(n: int, **extra: object) -> Article:
    fields: dict = {"id": "toll", "title": "Toll bridge traffic", "published_at": "2025-11-01"}
    return Article(text=bulletin(n), **{**fields, **extra})


def write(index: NewsIndex, *articles: Article) -> None:
    with index.write_lock():
        Ingestor(index).run(list(articles))


def handed_out(index: NewsIndex, as_of: str | None = None) -> str:
    """The key a search hands out for the page's best passage."""
    hits = Retriever(index).search(QUERY, k=1, filters=SearchFilters.build(as_of=as_of))
    assert hits and hits[0].article.id == "toll"
    return hits[0].citation


def kept_texts(index: NewsIndex) -> list[int]:
    """The older versions of the page whose text is still kept."""
    return [
        v.version for v in index.catalog.versions.history("toll") if not v.current and not v.removed
    ]


def opened(settings: IndexSettings) -> NewsIndex:
    return NewsIndex.open(settings, embedder=HashEncoder(), create=True)


@pytest.fixture()
def index(tmp_path: Path) -> Iterator[NewsIndex]:
    """An index with the default settings (the default retention)."""
    made = opened(settings_for(tmp_path).index)
    yield made
    made.close()


def test_the_default_keeps_the_last_five_older_texts_and_every_cited_one(
    index: NewsIndex,
) -> None:
    assert index.settings.keep_versions == 5
    keys = {}
    for n in range(1, CHANGES + 2):  # version 1 and 20 changes
        write(index, page(n))
        if n in (3, 10):  # a search hands out a key while the version is current
            keys[n] = handed_out(index)
    assert index.catalog.versions.history("toll")[-1].version == CHANGES + 1
    assert kept_texts(index) == [3, 10, 16, 17, 18, 19, 20]
    for n, key in keys.items():
        resolved = lookup_citation(index, key)
        assert resolved.updated is not None and resolved.updated.cited.version == n
        assert f"Bulletin {n}:" in resolved.text
    assert check_index(index.settings, HashEncoder()).ok


def test_a_cited_old_version_survives_pruning_and_its_key_opens_with_the_update_note(
    tmp_path: Path,
) -> None:
    index = opened(settings_for(tmp_path, keep_versions=1).index)
    write(index, page(1))
    write(index, page(2))
    key = handed_out(index)  # version 2, current when the key was handed out
    for n in range(3, CHANGES + 2):
        write(index, page(n))
    assert kept_texts(index) == [2, CHANGES]
    resolved = lookup_citation(index, key)
    note = resolved.updated
    assert note is not None and (note.cited.version, note.current.version) == (2, CHANGES + 1)
    assert "Bulletin 2:" in resolved.text and note.current_text
    assert note.when_updated().startswith("updated on ") and "more times since" in (
        note.when_updated()
    )
    assert check_index(index.settings, HashEncoder()).ok
    index.close()


def test_a_key_resolved_or_found_as_of_a_date_keeps_its_older_version(tmp_path: Path) -> None:
    """A key never handed out by a search (a client made it from the text) is kept from the
    first time it is resolved to an older version; an as-of search hands out older ones."""
    index = opened(settings_for(tmp_path, keep_versions=1).index)
    write(index, page(1))
    write(index, page(2, modified_at="2025-11-03"))
    text = bulletin(1)
    made = citation_key("toll", 0, len(text), text)
    assert lookup_citation(index, made).updated is not None  # version 1, still kept
    write(index, page(3, modified_at="2025-11-05"))
    as_of = handed_out(index, as_of="2025-11-04")  # version 2, older by now
    for n in range(4, 10):
        write(index, page(n))
    assert kept_texts(index) == [1, 2, 8]
    assert lookup_citation(index, made).updated is not None
    assert lookup_citation(index, as_of).article.version == 2
    with pytest.raises(StaleCitation, match="NEWSRAG_KEEP_VERSIONS"):
        lookup_citation(index, citation_key("toll", 0, len(bulletin(5)), bulletin(5)))
    index.close()


def test_pruning_drops_passages_vectors_and_full_text_rows_and_check_reports_growth(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, keep_versions=2).index
    index = opened(settings)
    write(index, page(1))
    key = handed_out(index)
    for n in range(2, 12):
        write(index, page(n))
    assert kept_texts(index) == [1, 9, 10]
    report = check_index(settings, HashEncoder())
    assert report.ok, report.problems
    conn = sqlite3.connect(settings.catalog_path)
    texts, text_bytes = conn.execute(
        "SELECT count(*), sum(length(CAST(text AS BLOB))) FROM article_versions "
        "WHERE text IS NOT NULL"
    ).fetchone()
    passages, vector_bytes = conn.execute(
        "SELECT count(*), sum(length(embedding)) FROM version_chunks"
    ).fetchone()
    fts = conn.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
    chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    conn.close()
    assert texts == 3 and fts == chunks + passages  # no full-text row of a pruned passage
    assert passages == len({1, 9, 10}) * chunks  # one passage per version of this page
    assert report.counts["kept_versions"] == 10  # every older version's dates and hash
    assert report.counts["version_texts"] == 3
    assert report.counts["version_bytes"] == text_bytes + vector_bytes
    assert report.counts["cited_versions"] >= 1
    assert not [n for n in report.notes if "NEWSRAG_KEEP_VERSIONS" in n]
    assert lookup_citation(index, key).updated is not None
    index.close()


def test_check_warns_about_an_article_over_the_retention_until_its_next_change(
    tmp_path: Path,
) -> None:
    everything = settings_for(tmp_path, keep_versions=0).index  # 0: keep every version
    index = opened(everything)
    for n in range(1, 9):
        write(index, page(n))
    index.close()
    assert kept_texts_at(everything) == list(range(1, 8))
    tighter = settings_for(tmp_path, keep_versions=2).index
    report = check_index(tighter, HashEncoder())
    assert report.ok
    warned = [n for n in report.notes if "NEWSRAG_KEEP_VERSIONS=2" in n]
    assert warned and "toll" in warned[0] and "7 older texts" in warned[0]
    assert report.counts["version_texts"] == 7
    index = opened(tighter)
    write(index, page(9))  # the next change prunes it
    index.close()
    report = check_index(tighter, HashEncoder())
    assert report.ok and report.counts["version_texts"] == 2
    assert not [n for n in report.notes if "NEWSRAG_KEEP_VERSIONS" in n]


def kept_texts_at(settings: IndexSettings) -> list[int]:
    index = opened(settings)
    try:
        return kept_texts(index)
    finally:
        index.close()


def test_a_timeline_key_sentence_is_recorded_as_cited(tmp_path: Path) -> None:
    index = opened(settings_for(tmp_path, keep_versions=1).index)
    write(index, page(1))
    story_id = index.catalog.stories.story_ids_of(["toll"])["toll"]
    timeline = Stories(index, Retriever(index)).timeline(story_id)
    assert timeline is not None and timeline.entries[0].citation is not None
    key = timeline.entries[0].citation.citation
    for n in range(2, 6):
        write(index, page(n))
    assert kept_texts(index) == [1, 4]
    assert index.catalog.retention.cited_versions("toll")[0] == 1
    span = CitationKey.parse(key)
    assert lookup_citation(index, key).text == bulletin(1)[span.start : span.end]
    index.close()


def test_a_deleted_article_forgets_its_citations(tmp_path: Path) -> None:
    from index import delete_articles

    index = opened(settings_for(tmp_path, keep_versions=1).index)
    write(index, page(1))
    handed_out(index)
    write(index, page(2))
    assert check_index(index.settings, HashEncoder()).counts["cited_versions"] == 1
    delete_articles(index, ["toll"])
    for n in range(3, 7):  # added again: its version 1 is a new text nobody cited
        write(index, page(n))
    assert kept_texts(index) == [3]
    report = check_index(index.settings, HashEncoder())
    assert report.ok and report.counts["cited_versions"] == 0
    index.close()


def cited_rows(settings: IndexSettings) -> int:
    conn = sqlite3.connect(settings.catalog_path)
    try:
        return int(conn.execute("SELECT count(*) FROM cited_versions").fetchone()[0])
    finally:
        conn.close()


def test_a_search_records_what_it_hands_out_but_a_read_only_replica_writes_nothing(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path).index
    index = opened(settings)
    write(index, page(1))
    index.close()
    replica = NewsIndex.open(settings_for(tmp_path, read_only=True).index, embedder=HashEncoder())
    assert lookup_citation(replica, handed_out(replica)).updated is None
    replica.close()
    assert cited_rows(settings) == 0
    index = opened(settings)
    handed_out(index)
    handed_out(index)  # once per version
    index.close()
    assert cited_rows(settings) == 1


def test_a_catalog_of_schema_4_is_upgraded_and_keeps_every_version_it_held(
    tmp_path: Path,
) -> None:
    """Schema 4 had no record of the keys handed out: every version it held (the current
    ones included) counts as cited, so no key handed out before the upgrade breaks."""
    settings = settings_for(tmp_path, keep_versions=0).index
    index = opened(settings)
    write(index, page(1))
    write(index, page(2))
    key = handed_out(index)  # version 2, current
    index.close()
    conn = sqlite3.connect(settings.catalog_path)
    conn.execute("DROP TABLE cited_versions")
    conn.execute("UPDATE meta SET value='4' WHERE key='schema_version'")
    conn.commit()
    conn.close()

    index = opened(settings_for(tmp_path, keep_versions=1).index)
    assert index.catalog.meta()["schema_version"] == str(SCHEMA_VERSION) == "9"
    for n in range(3, 8):
        write(index, page(n))
    assert kept_texts(index) == [1, 2, 6]
    assert lookup_citation(index, key).updated is not None
    assert check_index(index.settings, HashEncoder()).ok
    index.close()


def test_a_rebuild_can_carry_the_record_of_cited_versions(tmp_path: Path) -> None:
    """``reindex`` builds a new catalog: ``copy_cited`` carries the record over (for the
    articles the new catalog holds, under their new ids)."""
    old = opened(settings_for(tmp_path / "old").index)
    write(old, page(1), Article(id="url-gone", title="Gone", text=OTHER))
    handed_out(old)
    write(old, page(2))
    with old.write_lock(), old.catalog.transaction(content=False) as conn:
        old.catalog.retention.cite_versions(conn, [("url-gone", 1)], "2025-11-01T00:00:00+00:00")
    new = opened(settings_for(tmp_path / "new").index)
    write(new, page(1), Article(id="renamed", title="Gone", text=OTHER))
    write(new, page(2))
    with new.write_lock(), new.catalog.transaction(content=False) as conn:
        copied = new.catalog.retention.copy_cited(
            conn, old.catalog.retention, {"url-gone": "renamed"}
        )
    assert copied == 2
    assert new.catalog.retention.cited_versions("toll") == [1]
    assert new.catalog.retention.cited_versions("renamed") == [1]
    old.close()
    new.close()


def test_a_search_never_waits_behind_a_writer_to_record_its_keys(tmp_path: Path) -> None:
    """While another connection holds the catalog's write lock, a search hands out its keys
    at once; the record is written with the next keys handed out."""
    settings = settings_for(tmp_path).index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    write(index, page(1))
    blocker = sqlite3.connect(settings.catalog_path)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        import time

        started = time.monotonic()
        handed_out(index)
        assert (
            time.monotonic() - started < 5 and index.catalog.retention.cited_versions("toll") == []
        )
    finally:
        blocker.rollback()
        blocker.close()
    index.note_cited([])
    assert index.catalog.retention.cited_versions("toll") == [1]
