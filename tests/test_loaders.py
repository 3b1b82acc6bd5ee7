"""Loaders: real files in, Articles and LoadProblems out (formats and fields)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.loaders.ids import url_id
from index.loaders.normalize import normalize_text
from index.records import Article, IngestStatus, LoadProblem
from tests.loader_helpers import (
    FIXTURES,
    SAMPLES,
    articles,
    load,
    only_article,
    only_problem,
    sha16,
)

pytestmark = pytest.mark.unit  # no model: the fast tier

# --- the real sample articles ---------------------------------------------------------------


def test_sample_with_section_label() -> None:
    article = only_article(SAMPLES / "000_ed452931e0cea98c.txt")
    assert article.section == "Politics"
    assert article.title == (
        "Massacre in Kherson: Putin pushes for escalation and civilians end up in the crosshairs"
    )
    assert not article.title_is_fallback
    assert article.text.startswith("The war in Ukraine intensifies with a new wave of attacks")
    assert "Politics" not in article.text.split("\n")[0]
    assert article.origin == str(SAMPLES / "000_ed452931e0cea98c.txt")


def test_sample_without_section_label() -> None:
    article = only_article(SAMPLES / "004_1d9382acf94dbb34.txt")
    assert article.section is None
    assert article.title == "Russia\u2019s goal and negotiations with the US"
    assert article.text.startswith("February 16 was designated by US intelligence")
    assert article.id.startswith("doc-")


def test_sample_folder_yields_both_in_order() -> None:
    found = articles(SAMPLES)
    assert [Path(a.origin).name for a in found] == sorted(p.name for p in SAMPLES.glob("*.txt"))
    assert all(a.text == normalize_text(a.text) for a in found)


# --- text and markdown ------------------------------------------------------------------------


def test_markdown_heading_is_title() -> None:
    article = only_article(FIXTURES / "heading.md")
    assert article.title == "Floods hit the northern valley"
    assert article.text.startswith("Heavy rain caused the river")
    assert "#" not in article.text
    assert article.section is None


def test_paragraph_first_line_gives_fallback_title() -> None:
    article = only_article(FIXTURES / "paragraph_first.txt")
    assert article.section == "Politics"
    assert article.title_is_fallback
    assert article.title == "The minister resigned on Friday after weeks of pressure."
    assert article.text.startswith("The minister resigned on Friday")


def test_long_first_line_title_cut_at_word_boundary(tmp_path: Path) -> None:
    line = " ".join(["word"] * 80)  # 399 chars, no sentence end
    path = tmp_path / "long.txt"
    path.write_text(line + "\n\nSecond paragraph.", encoding="utf-8")
    article = only_article(path)
    assert article.title_is_fallback
    assert len(article.title) <= 200
    assert article.title.endswith("word") and line.startswith(article.title)
    assert article.text.startswith(line)


def test_text_normalisation_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "messy.txt"
    path.write_bytes(b"Title line  \r\n\r\nCafe\xcc\x81 \x07bell\t \r\n\r\n\r\n\r\nEnd.  \r\n")
    article = only_article(path)
    assert article.title == "Title line"
    assert article.text == "Caf\u00e9 bell\n\nEnd."


def test_single_line_file_is_text_with_fallback_title(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("Only one line here.\n", encoding="utf-8")
    article = only_article(path)
    assert article.text == "Only one line here."
    assert article.title == "Only one line here."
    assert article.title_is_fallback


# --- HTML ---------------------------------------------------------------------------------------


def test_html_page() -> None:
    article = only_article(FIXTURES / "page.html")
    assert article.title == "Harbour reopens after storm"
    assert article.published_at == "2023-03-14"
    assert article.authors == ("Maria Rossi",)
    assert article.source == "Coastal Times"
    assert article.url is not None and "coastaltimes.example/news/harbour-reopens" in article.url
    assert article.id == url_id(article.url)
    assert article.text.startswith("The harbour reopened on Tuesday morning")
    assert "Fishing boats returned" in article.text
    for marker in ("SCRIPT-SHOULD", "IFRAME-SHOULD", "FORM-SHOULD", "trackingSecret"):
        assert marker not in article.text
    assert article.text == normalize_text(article.text)


def test_html_without_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>Nothing</title></head><body></body></html>", "utf-8")
    problem = only_problem(path)
    assert problem.status is IngestStatus.FAILED
    assert "no article text found" in problem.message


def test_html_without_title_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "untitled.htm"
    body = "<p>A bridge collapsed near the station. Nobody was hurt in the accident today.</p>"
    path.write_text(f"<html><body><article>{body}</article></body></html>", "utf-8")
    article = only_article(path)
    assert article.title_is_fallback
    assert article.title == "A bridge collapsed near the station."
    assert article.id.startswith("doc-")


# --- JSON and JSONL -------------------------------------------------------------------------


def test_json_single_object() -> None:
    article = only_article(FIXTURES / "single.json")
    assert article.id == "article-001"
    assert article.title == "Council approves new budget"
    assert article.text == (
        "The city council approved the budget on Monday.\n\nSpending on schools rises by 4%."
    )
    assert article.authors == ("Ann Lee", "Bob Stone")
    assert article.published_at == "2022-06-12"
    assert article.source == "citynews.example"
    assert article.section == "Local"
    assert article.origin == str(FIXTURES / "single.json")


def test_json_list_with_bad_elements() -> None:
    path = FIXTURES / "list.json"
    found = load(path)
    assert len(found) == 4
    first, second, not_object, no_text = found
    assert isinstance(first, Article) and first.title == "First story"
    assert first.id == url_id("https://news.example/one")
    assert first.source == "news.example"
    assert isinstance(second, Article) and second.origin == f"{path}[1]"
    assert second.id == "doc-" + sha16(f"{path.resolve()}#1")
    assert isinstance(not_object, LoadProblem) and not_object.where == f"{path}[2]"
    assert "expected a JSON object" in not_object.message
    assert isinstance(no_text, LoadProblem) and no_text.where == f"{path}[3]"
    assert no_text.field == "text" and no_text.status is IngestStatus.FAILED


def test_json_wrapped_list() -> None:
    found = articles(FIXTURES / "wrapped.json")
    assert [a.title for a in found] == ["Wrapped one", "Wrapped two"]
    assert [a.text for a in found] == ["Wrapped body one.", "Wrapped body two."]
    assert [a.source for a in found] == ["Wire Service", "Daily Example"]


def test_json_field_aliases() -> None:
    article = only_article(FIXTURES / "aliases.json")
    assert article.title == "Markets rally on rate hopes"
    assert article.text.startswith("Stocks rose sharply on Friday.")
    assert article.url == "https://www.markets.example/rally?ref=home#top"
    assert article.id == "url-" + sha16("https://www.markets.example/rally?ref=home")  # query kept
    assert article.source == "markets.example"
    assert article.published_at == "2023-02-10"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.section == "Business"
    assert not article.title_is_fallback


def test_jsonl_with_malformed_line() -> None:
    path = FIXTURES / "mixed.jsonl"
    found = load(path)
    good = [item for item in found if isinstance(item, Article)]
    bad = [item for item in found if isinstance(item, LoadProblem)]
    assert [a.id for a in good] == ["1", "3"]
    assert [a.origin for a in good] == [f"{path}:1", f"{path}:4"]
    assert [p.where for p in bad] == [f"{path}:3", f"{path}:5"]
    assert "invalid JSON" in bad[0].message
    assert "expected a JSON object" in bad[1].message


def test_json_object_without_text_names_field(tmp_path: Path) -> None:
    path = tmp_path / "notext.json"
    path.write_text('{"title": "Only a title", "body": 42}', "utf-8")
    problem = only_problem(path)
    assert problem.field == "text"
    assert "string" in problem.message


def test_json_empty_text_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text('{"title": "T", "text": "   "}\n', "utf-8")
    problem = only_problem(path)
    assert problem.field == "text" and problem.status is IngestStatus.SKIPPED


def test_json_html_in_text_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "html.json"
    path.write_text('{"title": "T", "text": "<p>Hello <b>world</b></p>"}', "utf-8")
    assert only_article(path).text == "<p>Hello <b>world</b></p>"


def test_invalid_json_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"title": "T", ', "utf-8")
    problem = only_problem(path)
    assert problem.where == str(path) and "invalid JSON" in problem.message


def test_json_missing_title_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "untitled.json"
    path.write_text('{"text": "First sentence here. Second one follows."}', "utf-8")
    article = only_article(path)
    assert article.title == "First sentence here."
    assert article.title_is_fallback
