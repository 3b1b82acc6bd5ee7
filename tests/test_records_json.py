"""One serialisation per record: each record's ``to_dict`` is what the CLI and the API print, and
the pydantic models that document the API (ui/http/models.py) must describe exactly those keys
and accept those values — a field added to one and not the other fails here."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from assistant import Answer, Citation
from index import (
    ArticleMeta,
    IngestSummary,
    ResolvedCitation,
    SearchHit,
    StoredArticle,
    UpdateNote,
)
from index.records import ArticleVersion
from index.text.passage_diff import DiffPart
from ui.http import models as m

pytestmark = pytest.mark.unit  # no model: the fast tier

META = ArticleMeta("a1", "Title", "https://example.org/a", "Outlet", ("Ann",), "2024-11-26", None)
HIT = SearchHit(1, 7, META, 0, 11, "Some words.", 0.5, {"dense": 0.5})
CITATION = Citation(
    1, HIT.citation, "a1", "Title", "Outlet", "2024-11-26", None, 0, 11, "Some", 0, 4
)
ANSWER = Answer("q?", "Some [1]", [CITATION], related=[HIT], timings={"total_ms": 1.234})
RESOLVED = ResolvedCitation(HIT.citation, META, 0, 11, "Some words.", "", "", 11)
OLD = ArticleVersion(
    "a1",
    1,
    "Title",
    "2024-11-26",
    None,
    None,
    "2024-11-26T10:00:00+00:00",
    "2024-11-27T10:00:00+00:00",
    11,
    "ab" * 32,
)
NOW = ArticleVersion(
    "a1",
    2,
    "Title",
    "2024-11-26",
    "2024-11-27",
    "2024-11-27",
    "2024-11-27T10:00:00+00:00",
    None,
    12,
    "cd" * 32,
)
NOTE = UpdateNote(
    OLD,
    NOW,
    "a1:0-12:0123abcd",
    "Some words!.",
    (DiffPart("equal", "Some"), DiffPart("delete", "words."), DiffPart("insert", "words!.")),
    "2025-11-03",
)
UPDATED = ResolvedCitation(HIT.citation, META, 0, 11, "Some words.", "", "", 11, updated=NOTE)
ROW = StoredArticle(META, None, 11, 1)
ONE = StoredArticle(META, None, 11, 1, "Some words.")


@pytest.mark.parametrize(
    ("model", "record"),
    [
        (m.ArticleMetaOut, META),
        (m.HitOut, HIT),
        (m.CitationOut, CITATION),
        (m.AnswerOut, ANSWER),
        (m.ResolvedCitationOut, RESOLVED),
        (m.ResolvedCitationOut, UPDATED),
        (m.UpdateNoteOut, NOTE),
        (m.ArticleVersionOut, OLD),
        (m.ArticleRowOut, ROW),
        (m.ArticleOut, ONE),
    ],
)
def test_the_api_models_describe_each_records_to_dict(model: type[BaseModel], record: Any) -> None:
    data = record.to_dict()
    assert set(data) == set(model.model_fields)
    model.model_validate(data)


def test_the_ingest_summary_is_the_ingest_reply_without_the_articles_read() -> None:
    data = IngestSummary().to_dict()
    # the CLI also prints "chars"; the API reply has never carried it (its model drops it)
    assert set(data) - {"chars"} == set(m.IngestOut.model_fields) - {"articles"}
    m.IngestOut.model_validate({**data, "articles": []})


@pytest.mark.parametrize("value", ["", " ", "2024-01-01T00:00:00", "2024-1-1", "20240101", "x"])
def test_a_date_filter_is_a_day_or_refused(value: str) -> None:
    """Issue #28 point 10: the schema says YYYY-MM-DD; '' was taken for no filter and a time
    of day was cut off."""
    from index.filters import FilterError, SearchFilters

    with pytest.raises(FilterError, match="is not an ISO date"):
        SearchFilters.build(since=value)
    assert SearchFilters.build(until="2024-02-29", as_of=None).until == "2024-02-29"


@pytest.mark.parametrize(
    ("chunks", "shown"), [(1, "40 characters · 1 passage<"), (3, "3 passages<")]
)
def test_the_library_counts_passages_in_good_english(chunks: int, shown: str) -> None:
    """Issue #30 point 8: the Library said "1 passages"."""
    from ui.web.library_tab import article_list_html

    row = {"article_id": "a", "title": "T", "source": None, "published_at": None, "chars": 40}
    assert shown in article_list_html([{**row, "chunks": chunks}])
