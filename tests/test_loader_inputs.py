"""Loaders: dates, decoding, paths, sizes, folders, ids and normalisation."""

from __future__ import annotations

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
from tests.loader_helpers import (
    articles,
    load,
    only_article,
    only_problem,
    sha16,
)

pytestmark = pytest.mark.unit  # no model: the fast tier

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
    assert (
        normalize_url("HTTPS://WWW.Example.COM/a/b/?q=1#frag") == "https://www.example.com/a/b?q=1"
    )
    assert url_id("https://example.com/a/") == url_id("https://EXAMPLE.com/a?utm_source=y#z")
    assert url_id("https://example.com/a") != url_id("https://example.com/a?x=y")
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
