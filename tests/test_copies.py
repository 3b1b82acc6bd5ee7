"""Exact copies and deletes (issue #28 point 5): a copy filed under another title inherits its
primary's passages when the primary is deleted, and with them its own title — in the keyword
table too — so ``check`` passes and a search for the deleted title no longer finds it.
Property test over random copies, titles and deletes; unit tier (the fake encoder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import Article, Ingestor, NewsIndex, check_index, delete_articles
from index.catalog.keyword import keyword_search
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

TEXTS = (
    "The harbour authority said on Tuesday that repairs to the old swing bridge would take "
    "another month, after divers found cracked piers below the waterline.",
    "Farmers in the valley expect a late harvest this year: the spring frost killed blossoms "
    "on half of the orchards, the growers' association said.",
)
TITLES = ("Bridge repairs delayed", "Quarterly zeppelin census", "Orchards lose blossoms")


def _index(home: Path, rows: list[tuple[int, int]]) -> NewsIndex:
    index = NewsIndex.open(settings_for(home).index, embedder=HashEncoder(), create=True)
    articles = [Article(f"a{n}", TEXTS[t], TITLES[h]) for n, (t, h) in enumerate(rows)]
    with index.write_lock():
        Ingestor(index).run(articles)
    return index


def _titles_found(index: NewsIndex, title: str) -> set[str]:
    """The titles of the articles whose passages a keyword search for ``title`` finds."""
    conn = index.catalog._db.conn
    hits = keyword_search(conn, title, 50)
    owners = {
        conn.execute("SELECT article_id FROM chunks WHERE id=?", (chunk_id,)).fetchone()[0]
        for chunk_id, _ in hits
    }
    return {index.catalog.articles.article(a).meta.title for a in owners if a}  # type: ignore[union-attr]


def test_deleting_the_original_of_a_copy_under_another_title_keeps_check_green(
    tmp_path: Path,
) -> None:
    index = _index(tmp_path, [(0, 0), (0, 1)])  # a1 is a copy of a0, filed as a zeppelin census
    assert delete_articles(index, ["a0"])["deleted"] == ["a0"]
    report = check_index(index.settings, embedder=HashEncoder())
    assert report.ok, report.problems
    assert _titles_found(index, "Bridge repairs delayed") <= {TITLES[1]}
    assert _titles_found(index, "zeppelin census") == {TITLES[1]}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2)), min_size=1, max_size=6),
    doomed=st.sets(st.integers(0, 5), max_size=4),
)
def test_any_deletes_among_copies_leave_a_consistent_index(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[int, int]], doomed: set[int]
) -> None:
    index = _index(tmp_path_factory.mktemp("copies"), rows)
    delete_articles(index, [f"a{n}" for n in sorted(doomed) if n < len(rows)])
    report = check_index(index.settings, embedder=HashEncoder())
    assert report.ok, report.problems
    left = {index.catalog.articles.article(f"a{n}") for n in range(len(rows)) if n not in doomed}
    for title in {a.meta.title for a in left if a is not None and a.copy_of is None}:
        assert title in _titles_found(index, title)  # a primary's title is found (its copies
        # are found through it)
    index.close()


def test_an_article_filter_naming_a_copy_reads_its_primarys_passages(tmp_path: Path) -> None:
    from index.filters import SearchFilters

    index = _index(tmp_path, [(0, 0), (0, 1), (1, 2)])  # a1 copies a0
    within = SearchFilters.build(articles=["a1"])
    assert set(index.catalog.articles.chunk_ids_where(within).tolist()) == set(
        index.catalog.articles.chunk_ids_of("a0")
    )
