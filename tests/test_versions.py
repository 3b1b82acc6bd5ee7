"""Versions and corrections (issue #18, point 3 and 4): a changed text keeps the old version (its
text and passages, out of the default search); a citation made against it still opens, with an
"updated since" note, the passage as it reads now and a word diff; an as-of question reads the
version current on its date; retention, deletion (410 and says so), the schema upgrade and
``check``. Real SQLite and FAISS, the hash encoder: the unit tier."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Retriever, SearchFilters
from index import (
    Article,
    DeletedArticleError,
    Ingestor,
    NewsIndex,
    StaleCitation,
    check_index,
    delete_articles,
    lookup_citation,
)
from index.catalog.catalog import SCHEMA, SCHEMA_VERSION, CatalogError
from index.catalog.versions import VersionState, next_valid_from
from index.citation_keys import citation_key
from index.text.passage_diff import map_span, word_diff
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

LEAD = (
    "The harbour bridge in Port Ellen reopened to traffic on Friday after eight months of "
    "repairs, the city council said. Engineers replaced corroded cables and the deck surface. "
)
FIRST = LEAD + "Two people were injured when a cable snapped during the works in March."
SECOND = (
    LEAD + "Three people were injured when a cable snapped during the works in March, police said."
)
THIRD = LEAD + "Three people were injured, one seriously, when a cable snapped in March."


def article(text: str, modified: str | None = None, **extra: object) -> Article:
    fields: dict = {"id": "bridge", "title": "Bridge reopens", "published_at": "2025-11-01"}
    return Article(text=text, modified_at=modified, **{**fields, **extra})


def write(index: NewsIndex, *articles: Article) -> None:
    with index.write_lock():
        Ingestor(index).run(list(articles))


@pytest.fixture()
def index(tmp_path: Path) -> Iterator[NewsIndex]:
    opened = NewsIndex.open(settings_for(tmp_path).index, embedder=HashEncoder(), create=True)
    yield opened
    opened.close()


def cite(index: NewsIndex, query: str, **filters: str) -> str:
    hit = Retriever(index).search(query, k=1, filters=SearchFilters.build(**filters))[0]
    return hit.citation


def test_a_correction_keeps_the_old_version_and_its_citations_open(index: NewsIndex) -> None:
    write(index, article(FIRST))
    old_key = cite(index, "people injured cable snapped")
    write(index, article(SECOND, modified="2025-11-03"))

    versions = index.catalog.versions.history("bridge")
    assert [(v.version, v.current, v.valid_from) for v in versions] == [
        (1, False, None),
        (2, True, "2025-11-03"),
    ]
    assert versions[0].chars == len(FIRST) and versions[0].superseded_at
    hits = Retriever(index).search("people injured cable snapped", k=5)
    assert [h.article.version for h in hits] == [2]  # the old passages are not searched
    assert "Three people" in hits[0].text

    resolved = lookup_citation(index, old_key)
    assert "Two people" in resolved.text and resolved.article.version == 1
    assert resolved.article.versions == 2
    note = resolved.updated
    assert note is not None and (note.cited.version, note.current.version) == (1, 2)
    assert note.current_citation and "Three people" in (note.current_text or "")
    assert lookup_citation(index, note.current_citation).updated is None
    changes = [(p.op, p.text) for p in note.diff if p.op != "equal"]
    assert ("delete", "Two") in changes and ("insert", "Three") in changes
    assert resolved.to_dict()["updated_since"]["diff"]
    assert check_index(index.settings, HashEncoder()).ok


def test_an_as_of_question_reads_the_version_current_then(index: NewsIndex) -> None:
    write(index, article(FIRST))
    write(index, article(SECOND, modified="2025-11-03"))
    write(index, article(THIRD, modified="2025-11-05"))
    for day, version, words in (
        ("2025-11-02", 1, "Two people"),
        ("2025-11-03", 2, "police said"),
        ("2025-11-04", 2, "police said"),
        ("2025-11-06", 3, "one seriously"),
    ):
        for mode in ("hybrid", "dense", "keyword"):
            hits = Retriever(index).search(
                "people injured cable snapped",
                k=3,
                mode=mode,  # type: ignore[arg-type]
                filters=SearchFilters.build(as_of=day),
            )
            assert [h.article.version for h in hits] == [version], (day, mode)
            assert words in hits[0].text
            assert lookup_citation(index, hits[0].citation).text == hits[0].text
    assert index.catalog.versions.versions_at("2025-11-06") == {}


def test_a_version_without_a_source_date_starts_when_it_was_seen(index: NewsIndex) -> None:
    write(index, article(FIRST))
    write(index, article(SECOND))  # no modified date: from the time newsrag saw it
    current = index.catalog.versions.history("bridge")[-1]
    assert current.valid_from == current.seen_at
    hits = Retriever(index).search(
        "people injured", k=1, filters=SearchFilters.build(as_of="2025-11-02")
    )
    assert hits[0].article.version == 1


def test_the_same_text_again_or_new_metadata_is_no_new_version(index: NewsIndex) -> None:
    write(index, article(FIRST))
    write(index, article(SECOND, modified="2025-11-03"))
    write(index, article(SECOND, modified="2025-11-03", section="Transport"))
    write(index, article(SECOND, modified="2025-11-03", section="Transport"))
    versions = index.catalog.versions.history("bridge")
    assert [v.version for v in versions] == [1, 2]
    stored = index.catalog.articles.article("bridge")
    assert stored is not None and stored.meta.section == "Transport" and stored.meta.version == 2


def test_a_text_changed_back_is_a_new_version_and_old_keys_match_it_again(
    index: NewsIndex,
) -> None:
    write(index, article(FIRST))
    first_key = cite(index, "people injured cable snapped")
    write(index, article(SECOND))
    write(index, article(FIRST))
    assert [v.version for v in index.catalog.versions.history("bridge")] == [1, 2, 3]
    assert lookup_citation(index, first_key).updated is None  # the current text holds it


def test_retention_drops_old_texts_and_says_why_a_key_no_longer_opens(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, keep_versions=1).index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    write(index, article(FIRST))
    first_key = citation_key("bridge", 0, len(FIRST), FIRST)  # never handed out: a key a
    # search hands out keeps its version (tests/test_version_retention.py)
    write(index, article(SECOND))
    second_key = cite(index, "people injured cable snapped")
    write(index, article(THIRD))
    versions = index.catalog.versions.history("bridge")
    assert [(v.version, v.removed) for v in versions] == [(1, True), (2, False), (3, False)]
    assert lookup_citation(index, second_key).updated is not None
    with pytest.raises(StaleCitation, match="NEWSRAG_KEEP_VERSIONS"):
        lookup_citation(index, first_key)
    assert check_index(settings, HashEncoder()).ok
    index.close()


def test_a_deleted_article_says_so_and_can_come_back(index: NewsIndex) -> None:
    write(index, article(FIRST))
    key = cite(index, "people injured cable snapped")
    write(index, article(SECOND))
    delete_articles(index, ["bridge"])
    with pytest.raises(DeletedArticleError, match="was deleted from the index on"):
        lookup_citation(index, key)
    assert index.catalog.versions.history("bridge") == []
    write(index, article(THIRD))
    assert [v.version for v in index.catalog.versions.history("bridge")] == [1]
    with pytest.raises(DeletedArticleError, match="added again since"):
        lookup_citation(index, key)  # a key to the deleted text still says what happened
    assert lookup_citation(index, cite(index, "one seriously")).updated is None
    assert check_index(index.settings, HashEncoder()).ok


def test_a_primary_with_copies_hands_its_passages_on_and_keeps_its_old_text(
    index: NewsIndex,
) -> None:
    write(index, article(FIRST), article(FIRST, id="copy"))
    key = cite(index, "people injured cable snapped")
    assert key.startswith("bridge:")  # the primary holds the passages
    write(index, article(SECOND))
    assert [v.version for v in index.catalog.versions.history("bridge")] == [1, 2]
    assert lookup_citation(index, key).updated is not None
    inherited = Retriever(index).search("Two people injured", k=1)[0]
    assert inherited.article.id == "copy" and "Two people" in inherited.text
    copy_key = key.replace("bridge:", "copy:", 1)
    assert lookup_citation(index, copy_key).updated is None
    assert check_index(index.settings, HashEncoder()).ok


def test_a_catalog_made_before_versions_is_upgraded_in_place(tmp_path: Path) -> None:
    settings = settings_for(tmp_path).index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    write(index, article(FIRST))
    key = cite(index, "people injured")
    index.close()
    _downgrade(settings.catalog_path)

    index = NewsIndex.open(settings, embedder=HashEncoder())
    assert index.catalog.meta()["schema_version"] == str(SCHEMA_VERSION)
    assert index.catalog.versions.history("bridge")[0].version == 1
    write(index, article(SECOND))
    assert lookup_citation(index, key).updated is not None
    assert check_index(settings, HashEncoder()).ok
    index.close()


def _downgrade(path: Path) -> None:
    """Make the catalog look like one written before versions (schema 1)."""
    conn = sqlite3.connect(path)
    for column in ("version", "modified_at", "valid_from"):
        conn.execute("DROP INDEX IF EXISTS articles_version")
        conn.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    for table in ("article_versions", "version_chunks", "deleted_articles"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    assert "article_versions" in SCHEMA


def test_a_passage_is_found_in_the_new_text_and_diffed_word_by_word() -> None:
    old = "Alpha beta gamma. The mayor said two people died. Delta epsilon."
    new = "Alpha beta gamma. The mayor said on Monday that three people died. Delta epsilon."
    start = old.index("The mayor")
    end = old.index("died.") + len("died.")
    span = map_span(old, new, start, end)
    assert (
        span is not None and new[span[0] : span[1]] == new[new.index("The") : new.index(" Delta")]
    )
    parts = word_diff(old[start:end], new[span[0] : span[1]])
    assert [p.op for p in parts] == ["equal", "delete", "insert", "equal"]
    assert parts[2].text == "on Monday that three"
    assert map_span(old, "Completely different words here.", start, end) is None
    assert map_span(old, "Alpha beta gamma. Delta epsilon.", start, end) is None


OTHERS = [
    Article(id=f"other-{n}", title=title, text=text, published_at="2025-10-20")
    for n, (title, text) in enumerate(
        [
            ("Ferry cancelled", "The ferry was cancelled after a storm damaged the pier."),
            ("School opens", "A new school opened in the town with three hundred pupils."),
            ("Council budget", "The city council said the budget for repairs will grow."),
            ("Cable car", "A cable car line will link the harbour and the hill by 2027."),
        ]
    )
]


def test_old_passages_are_scored_with_the_corpus_statistics_and_left_out_of_search(
    index: NewsIndex,
) -> None:
    write(index, *OTHERS, article(FIRST))
    query = "people injured cable snapped"
    write(index, article(SECOND, modified="2025-11-03"))
    kept = index.catalog.versions.version_keyword(query, {"bridge": 1}, 10, SearchFilters())
    current = dict(index.catalog.articles.keyword(query, 10))
    assert len(kept) == 1
    chunk_id, score = kept[0]
    assert chunk_id not in current  # not searched by default
    # on one scale with the current passage, which holds the same words (scored in a table of
    # their own, old passages got ~1e-6 and sank below every current one)
    assert 0.5 < score / max(current.values()) < 2
    hits = Retriever(index).search(
        query, k=3, mode="keyword", filters=SearchFilters.build(as_of="2025-11-02")
    )
    assert hits[0].article.version == 1 and "Two people" in hits[0].text


def test_an_as_of_filter_reads_the_versions_own_source_and_dates(index: NewsIndex) -> None:
    write(index, *OTHERS, article(FIRST, source="Old Gazette"))
    write(index, article(SECOND, modified="2025-11-03", source="New Herald"))
    for mode in ("dense", "keyword"):
        for source, versions in (("Old Gazette", [1]), ("New Herald", [])):
            hits = Retriever(index).search(
                "people injured cable snapped",
                k=3,
                mode=mode,  # type: ignore[arg-type]
                filters=SearchFilters.build(sources=[source], as_of="2025-11-02"),
            )
            assert [h.article.version for h in hits if h.article.id == "bridge"] == versions


def test_an_as_of_date_whose_version_was_pruned_reads_the_article_as_it_is(
    tmp_path: Path,
) -> None:
    index = NewsIndex.open(
        settings_for(tmp_path, keep_versions=1).index, embedder=HashEncoder(), create=True
    )
    write(index, article(FIRST))
    write(index, article(SECOND, modified="2025-11-03"))
    write(index, article(THIRD, modified="2025-11-05"))
    assert index.catalog.versions.versions_at("2025-11-02") == {}  # version 1's text was dropped
    assert index.catalog.versions.versions_at("2025-11-04") == {"bridge": 2}
    hits = Retriever(index).search(
        "people injured", k=1, filters=SearchFilters.build(as_of="2025-11-02")
    )
    assert [h.article.version for h in hits] == [3]
    index.close()


def test_a_source_update_date_is_believed_only_when_it_moved_on() -> None:
    stamp = "2026-01-10T12:00:00+00:00"
    current = VersionState(1, None, "h", modified_at="2025-11-03", published_at="2025-11-01")
    assert next_valid_from("2025-11-04", current, stamp) == "2025-11-04"
    assert next_valid_from("2025-11-03", current, stamp) == stamp  # the page's stale date
    assert next_valid_from("2025-11-02", current, stamp) == stamp  # before the one it replaces
    assert next_valid_from("2026-02-01", current, stamp) == stamp  # in the future
    assert next_valid_from(None, current, stamp) == stamp
    later = VersionState(2, "2025-11-06", "h", modified_at=None, published_at="2025-11-01")
    assert next_valid_from("2025-11-05", later, stamp) == stamp  # before the current one began


def test_a_key_two_versions_old_says_when_it_changed_and_how_often_since(
    index: NewsIndex,
) -> None:
    write(index, article(FIRST))
    key = cite(index, "people injured cable snapped")
    write(index, article(SECOND, modified="2025-11-03"))
    write(index, article(THIRD, modified="2025-11-05"))
    note = lookup_citation(index, key).updated
    assert note is not None and note.changed_on == "2025-11-03"
    assert note.when_updated() == "updated on 2025-11-03 and 1 more time since, last on 2025-11-05"
    assert note.to_dict()["changed_on"] == "2025-11-03"


def test_a_catalog_of_schema_2_is_upgraded_in_place(tmp_path: Path) -> None:
    """Schema 2 kept old passages' words in their own full-text table, keyed feed entries by
    url alone and had no stories; the upgrade moves the words, re-keys the entries and groups
    every article into stories, losing nothing."""
    settings = settings_for(tmp_path).index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    write(index, *OTHERS, article(FIRST))
    key = cite(index, "people injured cable snapped")
    write(index, article(SECOND, modified="2025-11-03"))
    index.close()
    _as_schema_2(settings.catalog_path)

    index = NewsIndex.open(settings, embedder=HashEncoder())
    assert index.catalog.meta()["schema_version"] == str(SCHEMA_VERSION) == "9"
    assert index.catalog.stories.count() > 0
    assert set(index.catalog.feeds.entry_states("http://f.example/feed.xml")) == {
        "http://f.example/a"
    }
    assert lookup_citation(index, key).updated is not None
    hits = Retriever(index).search(
        "people injured cable", k=1, mode="keyword", filters=SearchFilters.build(as_of="2025-11-02")
    )
    assert hits[0].article.version == 1
    assert check_index(settings, HashEncoder()).ok
    index.close()
    conn = sqlite3.connect(settings.catalog_path)
    steps = conn.execute("SELECT version FROM schema_steps ORDER BY version").fetchall()
    conn.close()
    assert [version for (version,) in steps] == [3, 4, 5, 6, 7, 8, 9]  # every step recorded


def _as_schema_2(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE VIRTUAL TABLE version_chunks_fts USING fts5(title, text, "
        "tokenize = 'porter unicode61 remove_diacritics 2');"
        "INSERT INTO version_chunks_fts(rowid, title, text) SELECT rowid, title, text FROM "
        "chunks_fts WHERE rowid IN (SELECT id FROM version_chunks);"
        "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM version_chunks);"
        "DROP TABLE story_articles; DROP TABLE stories;"
        "DROP TABLE feed_entries;"
        "CREATE TABLE feed_entries (url TEXT PRIMARY KEY, feed_url TEXT NOT NULL, updated TEXT, "
        "etag TEXT, last_modified TEXT, fetched_at TEXT NOT NULL, page_read INTEGER NOT NULL "
        "DEFAULT 0);"
        "INSERT INTO feed_entries VALUES ('http://f.example/a', 'http://f.example/feed.xml', "
        "NULL, NULL, NULL, '2025-11-01', 1);"
        "UPDATE meta SET value='2' WHERE key='schema_version';"
    )
    conn.commit()
    conn.close()


def test_a_catalog_another_process_holds_while_upgrading_says_it_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade (schema 4 groups every article) holds the catalog; a second process opening
    it meanwhile is told so, not that the file is unusable."""
    from index.catalog import catalog as catalog_module

    settings = settings_for(tmp_path).index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    write(index, article(FIRST))
    index.close()
    holder = sqlite3.connect(settings.catalog_path, isolation_level=None)
    holder.execute("UPDATE meta SET value='3' WHERE key='schema_version'")
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(catalog_module, "BUSY_TIMEOUT_MS", 50)
    try:
        with pytest.raises(CatalogError, match="busy: another newsrag process is upgrading"):
            NewsIndex.open(settings, embedder=HashEncoder())
    finally:
        holder.rollback()
        holder.close()
    index = NewsIndex.open(settings, embedder=HashEncoder())  # free again: it upgrades
    assert index.catalog.meta()["schema_version"] == str(SCHEMA_VERSION)
    index.close()
