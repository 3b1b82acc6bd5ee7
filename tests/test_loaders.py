"""Loaders: real files in, Articles and LoadProblems out."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.loaders import SUPPORTED_EXTENSIONS, iter_articles
from index.loaders.dates import normalize_date
from index.loaders.ids import normalize_url, url_id
from index.loaders.normalize import normalize_text
from index.records import Article, IngestStatus, LoadProblem

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
SAMPLES = Path(__file__).parents[1] / "data" / "sample"


def load(*paths: str | Path, **kwargs: int) -> list[Article | LoadProblem]:
    return list(iter_articles(paths, **kwargs))


def articles(*paths: str | Path) -> list[Article]:
    found = load(*paths)
    assert all(isinstance(item, Article) for item in found), found
    return [item for item in found if isinstance(item, Article)]


def only(*paths: str | Path) -> Article | LoadProblem:
    found = load(*paths)
    assert len(found) == 1, found
    return found[0]


def only_article(path: str | Path) -> Article:
    item = only(path)
    assert isinstance(item, Article), item
    return item


def only_problem(path: str | Path, **kwargs: int) -> LoadProblem:
    found = load(path, **kwargs)
    assert len(found) == 1 and isinstance(found[0], LoadProblem), found
    return found[0]


def sha16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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
    assert article.id == "url-" + sha16("https://www.markets.example/rally")
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


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-06-12", "2022-06-12"),
        ("2022-06-12T10:00:00Z", "2022-06-12"),
        ("June 12, 2022", "2022-06-12"),
        ("12 June 2022", "2022-06-12"),
        ("Sun, 12 Jun 2022 10:00:00 GMT", "2022-06-12"),
        ("2022/06/12", "2022-06-12"),
        (1655028000, "2022-06-12"),
        (1655028000000, "2022-06-12"),
        ("1655028000", "2022-06-12"),
        (1655028000.5, "2022-06-12"),
        ("not a date", None),
        ("", None),
        (None, None),
        (True, None),
        ("1700-01-01", None),
        ("2300-01-01", None),
        ({"year": 2022}, None),
    ],
)
def test_dates(value: object, expected: str | None) -> None:
    assert normalize_date(value) == expected


def test_unparseable_date_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="index.loaders"):
        assert normalize_date("sometime soon") is None
    assert "sometime soon" in caplog.text


# --- decoding and empty/binary files -----------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    problem = only_problem(path)
    assert problem.status is IngestStatus.SKIPPED and problem.message == "empty file"


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text(" \n\t\r\n  \n", "utf-8")
    problem = only_problem(path)
    assert problem.status is IngestStatus.SKIPPED and problem.message == "empty file"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    problem = only_problem(path)
    assert problem.status is IngestStatus.FAILED and problem.message == "binary file"


def test_mostly_non_text_without_nul_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "noise.json"
    path.write_bytes(bytes(range(1, 32)) * 50 + bytes(range(128, 256)) * 20)
    assert only_problem(path).message == "binary file"


def test_invalid_utf8_loaded_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\u00e9 reopens\n\nThe caf\u00e9 opened again.\n".encode("latin-1"))
    with caplog.at_level(logging.WARNING, logger="index.loaders"):
        article = only_article(path)
    assert article.title == "Caf\ufffd reopens"
    assert article.text == "The caf\ufffd opened again."
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(path) in warnings[0].getMessage() and "2 bad byte" in warnings[0].getMessage()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_bom_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.txt"
    content = "Z\u00fcrich vote\n\nVoters in Z\u00fcrich approved the plan.\n"
    data = content.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    article = only_article(path)
    assert article.title == "Z\u00fcrich vote"
    assert article.text == "Voters in Z\u00fcrich approved the plan."


def test_utf16_without_bom_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "nobom.txt"
    path.write_bytes("Some text in UTF-16 without a BOM".encode("utf-16-le"))
    assert only_problem(path).message == "binary file"


# --- paths, extensions, sizes, folders ---------------------------------------------------------


def test_supported_extensions() -> None:
    assert {".txt", ".md", ".html", ".htm", ".json", ".jsonl"} == SUPPORTED_EXTENSIONS


def test_unsupported_extension_explicit(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4")
    problem = only_problem(path)
    assert problem.status is IngestStatus.FAILED
    assert "'.pdf'" in problem.message and ".jsonl" in problem.message


def test_uppercase_extension_supported(tmp_path: Path) -> None:
    path = tmp_path / "SHOUT.TXT"
    path.write_text("Loud title\n\nBody text.", "utf-8")
    assert only_article(path).title == "Loud title"


def test_nonexistent_path(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"
    problem = only_problem(path)
    assert problem.where == str(path)
    assert problem.message == "no such file or directory"
    assert problem.status is IngestStatus.FAILED


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Title\n\n" + "x" * 500, "utf-8")
    problem = only_problem(path, max_file_bytes=100)
    assert problem.status is IngestStatus.FAILED
    assert "507" in problem.message and "100" in problem.message


def test_folder_recursion_order_and_skips(tmp_path: Path) -> None:
    for name in ["b.txt", "a/z.md", "a/c/y.txt", "c.json", ".hidden.txt", ".git/x.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    for name in ["b.txt", "a/z.md", "a/c/y.txt", ".hidden.txt", ".git/x.txt"]:
        (tmp_path / name).write_text(f"Title {name}\n\nBody of {name}.", "utf-8")
    (tmp_path / "c.json").write_text('{"title": "J", "text": "Json body."}', "utf-8")
    (tmp_path / "a" / "notes.pdf").write_bytes(b"%PDF")
    found = load(tmp_path)
    wheres = [item.origin if isinstance(item, Article) else item.where for item in found]
    expected = ["a/c/y.txt", "a/notes.pdf", "a/z.md", "b.txt", "c.json"]
    assert wheres == [str(tmp_path / name) for name in expected]
    skipped = found[1]
    assert isinstance(skipped, LoadProblem) and skipped.status is IngestStatus.SKIPPED
    assert "'.pdf'" in skipped.message


def test_lazy_and_keeps_going_after_problems(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Good\n\nBody.", "utf-8")
    stream = iter_articles([tmp_path / "missing", good])
    first = next(stream)
    assert isinstance(first, LoadProblem)
    assert isinstance(next(stream), Article)


# --- ids ----------------------------------------------------------------------------------------


def test_given_id_kept_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "ids.jsonl"
    lines = [
        '{"id": "AbC-123/x", "text": "One."}',
        '{"guid": 987, "text": "Two."}',
        '{"doc_id": " spaced\\nid ", "text": "Three."}',
    ]
    path.write_text("\n".join(lines), "utf-8")
    assert [a.id for a in articles(path)] == ["AbC-123/x", "987", "spaced id"]


def test_url_hash_normalises_url() -> None:
    assert normalize_url("HTTPS://WWW.Example.COM/a/b/?q=1#frag") == "https://www.example.com/a/b"
    assert url_id("https://example.com/a/") == url_id("https://EXAMPLE.com/a?x=y")
    assert url_id("https://example.com/a") == "url-" + sha16("https://example.com/a")


def test_path_hash_stable_across_calls(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Story\n\nBody.", "utf-8")
    first, second = only_article(path), only_article(str(path))
    assert first.id == second.id == "doc-" + sha16(str(path.resolve()))
    assert "\n" not in first.id


def test_jsonl_element_ids_use_line_number(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text('{"text": "One."}\n\n{"text": "Two."}\n', "utf-8")
    found = articles(path)
    assert [a.id for a in found] == [
        "doc-" + sha16(f"{path.resolve()}#1"),
        "doc-" + sha16(f"{path.resolve()}#3"),
    ]


# --- normalisation property ---------------------------------------------------------------------


_TEXTY = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("ab \t\n\r\x00\x0b\x1f\u00a0\u0301\u00e9e\u2028\u0085#.")),
        st.characters(),
    ),
    max_size=80,
)


@given(_TEXTY)
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once and "\x00" not in once and "\n\n\n" not in once
