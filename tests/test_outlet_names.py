"""One display name per outlet (issue #30 point 8): "cnn.com" read "cnn.com" in the filters and
sources but "CNN" in timelines. ``index.text.outlet_names.display_name`` is the one rule; the stored
source stays what filters match. And the Library's finding and linking, on the hash encoder."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from index import Library, NewsIndex, ingest_paths, lookup_citation
from index.text.outlet_names import display_name
from tests.conftest import settings_for
from tests.fakes import HashEncoder
from ui.views.dateline import dateline, with_dateline

pytestmark = pytest.mark.unit

TEXT = (
    "The council voted on Tuesday to rebuild the river bridge. Work starts in spring and "
    "will take two years, the mayor said. The old span closed in March after an inspection."
)
ARTICLES = [
    ("bridge-cnn", "cnn.com", "Council votes to rebuild the river bridge", "2024-05-03"),
    ("ferry-usa", "www.usatoday.com", "Ferry service returns for the summer", "2024-05-02"),
    ("gulls-islay", "Islay Courier", "Gulls nest on the distillery roof", "2024-05-01"),
    ("owls-local", "valleynews.example", "Owls return to the old barn", None),
]


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("cnn.com", "CNN"),
        ("www.cnn.com", "CNN"),
        ("edition.cnn.com", "CNN"),
        ("CNN.com", "CNN"),
        ("usatoday.com", "USA Today"),
        ("theweek.co.uk", "The Week"),
        ("notcnn.com", "notcnn.com"),  # a known site only by its own domain or one under it
        ("www.Valleynews.example", "valleynews.example"),  # unknown: the domain, never a guess
        ("Islay Courier", "Islay Courier"),  # a name stays as stored
        ("  Harbour Gazette ", "Harbour Gazette"),
        ("", ""),
        (None, ""),
    ],
)
def test_an_outlet_reads_as_one_display_name(source: str | None, shown: str) -> None:
    assert display_name(source) == shown


def test_datelines_show_the_display_name() -> None:
    """Chat sources, search results, the panel, /cite pages and the Library use ``dateline``."""
    assert dateline("cnn.com", "2022-06-12") == "CNN, 2022-06-12"
    assert dateline("usatoday.com", None, " · ") == "USA Today"
    assert with_dateline("Title", "theweek.co.uk", "2024-01-02") == "Title — The Week, 2024-01-02"


def test_the_outlet_filter_shows_names_and_keeps_the_stored_source_as_value() -> None:
    from ui.web.filter_controls import build_filters, outlet_choices

    choices = outlet_choices(["usatoday.com", "cnn.com", "edition.cnn.com", "Islay Courier"])
    assert choices == [
        ("CNN (cnn.com)", "cnn.com"),
        ("CNN (edition.cnn.com)", "edition.cnn.com"),
        ("Islay Courier", "Islay Courier"),
        ("USA Today", "usatoday.com"),
    ]
    assert outlet_choices(["cnn.com"]) == [("CNN", "cnn.com")]
    assert build_filters(["cnn.com"], None, None, None).sources == ("cnn.com",)


@pytest.fixture(scope="module")
def sourced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsIndex]:
    folder = tmp_path_factory.mktemp("sourced")
    rows = [
        {"id": i, "source": s, "title": t, "published_at": d, "text": f"{t}. {TEXT}"}
        for i, s, t, d in ARTICLES
    ]
    rows.append({**rows[0], "id": "bridge-copy", "source": "edition.cnn.com"})  # an exact copy
    path = folder / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    index = NewsIndex.open(
        settings_for(folder / "index").index, embedder=HashEncoder(), create=True
    )
    summary = ingest_paths(index, [path])
    assert summary.added == 4 and summary.copies == 1
    yield index
    index.close()


def _found(index: NewsIndex, query: str) -> list[str]:
    total, rows = Library.over(index).page(query, 50)
    assert total == len(rows)
    return [r["article_id"] for r in rows]


def test_the_library_finds_articles_by_title_or_outlet(sourced: NewsIndex) -> None:
    assert len(_found(sourced, "")) == 5
    assert set(_found(sourced, "cnn")) == {"bridge-cnn", "bridge-copy"}  # as stored and as shown
    assert _found(sourced, "usa today") == ["ferry-usa"]  # by the display name only
    assert _found(sourced, "  GULLS   islay ") == ["gulls-islay"]  # every word, any case
    assert _found(sourced, "owls barn") == ["owls-local"]
    assert _found(sourced, "owls courier") == []
    total, rows = Library.over(sourced).page("", 2)
    assert total == 5 and len(rows) == 2  # the newest, and how many there are


def test_each_library_row_links_its_first_passage(sourced: NewsIndex) -> None:
    rows = {r["article_id"]: r for r in Library.over(sourced).page("", 50)[1]}
    for article_id in ("bridge-cnn", "ferry-usa", "gulls-islay", "owls-local"):
        key = rows[article_id]["cite"]
        resolved = lookup_citation(sourced, key)
        assert key.startswith(article_id + ":0-") and resolved.start == 0
        assert resolved.text.startswith(rows[article_id]["title"])
    assert rows["bridge-copy"]["cite"] == rows["bridge-cnn"]["cite"]  # a copy opens its primary


def test_the_library_list_links_titles_and_names_outlets(sourced: NewsIndex) -> None:
    from ui.web.library_list import article_list_html, found_line

    html = article_list_html(Library.over(sourced).page("usa today", 50)[1])
    assert '<a class="title" href="/cite/ferry-usa:0-' in html and "#passage" in html
    assert "USA Today · 2024-05-02" in html and "usatoday" not in html.replace("ferry-usa", "")
    assert article_list_html([], empty="") == ""
    assert "1 article with “usa today”" in found_line(" usa  today ", 1)
    assert "No article has “&lt;b&gt;”" in found_line("<b>", 0)
