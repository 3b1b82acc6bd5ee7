"""Metadata for plain files (issue #15, point 5): YAML front matter in .txt/.md, a dateline read
as the date when none is given, and nothing shown where metadata is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.loader_helpers import only_article, only_problem

pytestmark = pytest.mark.unit  # no model: the fast tier

FRONT = """---
title: Grain deal extended
outlet: Reuters
date: November 26, 2024
authors: [Jane Roe, John Doe]
url: https://example.com/grain?id=7
section: World
---
ISTANBUL, November 25, 2024 — The grain deal was extended for 120 days, officials said.
"""


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_gives_the_metadata_and_stays_out_of_the_text(tmp_path: Path) -> None:
    article = only_article(_file(tmp_path, "grain.txt", FRONT))
    assert article.title == "Grain deal extended" and not article.title_is_fallback
    assert article.source == "Reuters" and article.section == "World"
    assert article.published_at == "2024-11-26"  # the front matter's date, not the dateline's
    assert article.authors == ("Jane Roe", "John Doe")
    assert article.url == "https://example.com/grain?id=7"
    assert article.text.startswith("ISTANBUL, November 25, 2024 — The grain deal")
    assert "---" not in article.text and "outlet:" not in article.text


@pytest.mark.parametrize(
    ("opening", "date"),
    [
        ("ODESA, November 26, 2024 — Ships left the port.", "2024-11-26"),
        ("KYIV, Nov. 3, 2023 (Reuters) - Air raid sirens sounded.", "2023-11-03"),
        ("26 November 2024 – Ships left the port.", "2024-11-26"),
        ("Ships left the port on November 26, 2024 — officials said.", None),  # not a dateline
        ("ODESA — Ships left the port.", None),
    ],
)
def test_a_leading_dateline_is_the_date_when_none_is_given(
    tmp_path: Path, opening: str, date: str | None
) -> None:
    article = only_article(_file(tmp_path, "port.md", f"# Ships leave\n\n{opening}\n"))
    assert article.title == "Ships leave" and article.published_at == date
    assert article.text.startswith(opening)  # the dateline stays in the text, offsets unmoved


def test_broken_front_matter_is_refused_naming_file_line_and_field(tmp_path: Path) -> None:
    path = _file(tmp_path, "bad.txt", "---\ntitle: ok\nsource: [oops\n---\nBody text.\n")
    problem = only_problem(path)
    assert problem.field == "front matter" and problem.where.startswith(f"{path}:")
    assert "front matter" in problem.message


def test_front_matter_that_is_not_key_value_lines_is_refused(tmp_path: Path) -> None:
    problem = only_problem(_file(tmp_path, "list.md", "---\n- a\n- b\n---\nBody text.\n"))
    assert problem.field == "front matter" and "key: value" in problem.message


def test_a_rule_line_without_a_closing_one_is_text(tmp_path: Path) -> None:
    article = only_article(_file(tmp_path, "rule.txt", "---\nA first paragraph of text.\n"))
    assert "A first paragraph of text." in article.text


def test_absent_metadata_shows_nothing_rather_than_placeholders() -> None:
    from ui.views.dateline import dateline, with_dateline

    assert dateline(None, None) == "" and dateline("Reuters", None) == "Reuters"
    assert dateline(None, "2024-11-26") == "2024-11-26"
    assert with_dateline("Title", None, None) == "Title"
    assert with_dateline("Title", "Reuters", "2024-11-26") == "Title — Reuters, 2024-11-26"
