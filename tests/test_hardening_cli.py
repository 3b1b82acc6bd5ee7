"""Issue #13 through the command line and the units behind it (the API side is in
``tests/test_hardening_api.py``): URL ids keep the query, an id met twice with other text is
reported, ids that could not be cited are refused, passages are bounded in characters, a
delete of nothing keeps the generation, the vector cache failing after a commit is a warning,
follow-up rewrites are bounded, invisible queries are blank, integer options are bounded."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.language.followup import MAX_DRAWN_CHARS, rewrite
from assistant.retrieval.retriever import MAX_QUERY_CHARS, normalize_query
from index.citation_keys import CitationKey, citation_key
from index.encoding.model_sources import resolve_model
from index.loaders.ids import (
    _short_hash,
    id_problem,
    legacy_normalize_url,
    legacy_url_id,
    normalize_url,
    url_id,
)
from index.records import Article
from index.text.chunking import Chunker, ChunkerConfig
from index.text.tokenization import load_tokenizer
from tests.conftest import LOCAL, settings_for
from ui.cli import main
from ui.server import create_app
from ui.uploads import UPLOADS_DIR, purge_stale, staging, unique_names
from ui.views.cite_urls import checked_key


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def _jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _generation(home: Path) -> int:
    conn = sqlite3.connect(home / "catalog.sqlite3")
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
    finally:
        conn.close()


# 1. URL ids -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "same_as"),
    [
        (
            "https://News.Example.com/a.php?id=1&utm_source=x&utm_medium=y",
            "https://news.example.com/a.php?id=1",
        ),
        (
            "https://news.example.com/a.php?id=1&fbclid=abc#comments",
            "https://news.example.com/a.php?id=1",
        ),
        ("https://news.example.com/a.php?b=2&a=1", "https://news.example.com/a.php?a=1&b=2"),
        ("https://news.example.com:443/a/", "https://news.example.com/a"),
        ("https://news.example.com/a?gclid=1", "https://news.example.com/a"),
    ],
)
def test_url_ids_drop_only_tracking_parameters_and_the_fragment(url: str, same_as: str) -> None:
    assert url_id(url) == url_id(same_as)


def test_url_ids_keep_the_query_that_names_the_article() -> None:
    assert url_id("https://n.example/article.php?id=1001") != url_id(
        "https://n.example/article.php?id=1002"
    )
    assert normalize_url("https://n.example/a?id=1#x") == "https://n.example/a?id=1"


def test_ingest_keeps_both_query_urls_and_says_when_an_id_repeats(
    capsys: pytest.CaptureFixture[str], sample_copy: Path, tmp_path: Path
) -> None:
    url = "https://news.example.com/article.php?id={}"
    src = _jsonl(
        tmp_path / "q.jsonl",
        {"url": url.format(1001), "title": "Dam", "text": "The dam on the river opened."},
        {"url": url.format(1002), "title": "Bridge", "text": "The new bridge was closed."},
        {"id": "twice", "title": "One", "text": "The first text of this id."},
        {"id": "twice", "title": "Two", "text": "The second text of this id."},
    )
    code, summary, _ = _cli(capsys, "ingest", str(src), "--home", str(sample_copy))
    assert code == 0 and (summary["added"], summary["updated"]) == (3, 1), summary
    assert len(summary["warnings"]) == 1
    assert f"{src}:4: id 'twice' was also given by {src}:3" in summary["warnings"][0]


def test_old_url_ids_keep_working_check_explains_and_reindex_recomputes(
    capsys: pytest.CaptureFixture[str], sample_copy: Path, tmp_path: Path
) -> None:
    url = "https://news.example.com/article.php?id=7"
    old_id = "url-" + _short_hash(legacy_normalize_url(url))
    assert legacy_url_id(old_id, url) and not legacy_url_id(url_id(url), url)
    src = _jsonl(tmp_path / "old.jsonl", {"id": old_id, "url": url, "text": "An old story."})
    assert main(["ingest", str(src), "--home", str(sample_copy)]) == 0
    capsys.readouterr()
    code, report, _ = _cli(capsys, "check", "--home", str(sample_copy))
    assert code == 0 and report["ok"]
    assert len(report["notes"]) == 1 and "newsrag reindex" in report["notes"][0]
    assert main(["reindex", "--home", str(sample_copy), "--no-progress"]) == 0
    capsys.readouterr()
    code, listing, _ = _cli(capsys, "articles", "--home", str(sample_copy))
    ids = {a["article_id"] for a in listing["articles"]}
    assert url_id(url) in ids and old_id not in ids
    code, report, _ = _cli(capsys, "check", "--home", str(sample_copy))
    assert report["ok"] and report["notes"] == []


def test_names_repeated_in_one_upload_are_told_apart() -> None:
    assert unique_names(["a.txt", "../a.txt", "a (2).txt", "b.md", "a.txt"]) == [
        "a.txt",
        "a (3).txt",
        "a (2).txt",
        "b.md",
        "a (4).txt",
    ]


# 4. ids that could not be cited ---------------------------------------------------------------
def test_a_bad_id_is_refused_naming_file_line_and_field(
    capsys: pytest.CaptureFixture[str], sample_copy: Path, tmp_path: Path
) -> None:
    src = _jsonl(
        tmp_path / "ids.jsonl",
        {"id": "fine-1", "text": "A fine article about the port."},
        {"id": "../../etc/passwd", "text": "A traversal id."},
        {"id": "ctl\u0007bell", "text": "A control character id."},
        {"id": "fine-2", "text": "Another fine article about the airport."},
    )
    code, summary, _ = _cli(capsys, "ingest", str(src), "--home", str(sample_copy))
    assert code == 1 and summary["added"] == 2 and summary["failed"] == 2
    assert summary["problems"][0].startswith(f"failed: {src}:2: id '../../etc/passwd'")
    assert summary["problems"][0].endswith("(field 'id')")
    assert f"{src}:3:" in summary["problems"][1]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(min_size=1, max_size=60))
def test_every_id_the_loaders_accept_makes_a_key_that_opens(raw: str) -> None:
    article_id = " ".join(raw.split())
    if not article_id or id_problem(article_id):
        return
    key = citation_key(article_id, 0, 12, "some passage")
    assert checked_key(key) == key
    assert CitationKey.parse(key).article_id == article_id


# 5. passages bounded for any text --------------------------------------------------------------
@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker(load_tokenizer(resolve_model("all-MiniLM-L6-v2").path), ChunkerConfig())


ALPHABETS = ["กขคงจฉชซ่้ิีุู", "abcxyz", "中文字", "ລາວ", "ကခဂ", "ក ខ", " .\n", "é́"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.tuples(st.sampled_from(ALPHABETS), st.integers(1, 6000)), min_size=1, max_size=4),
    st.randoms(use_true_random=False),
)
def test_every_chunk_is_within_tokens_and_characters(chunker: Chunker, runs: list, rnd) -> None:
    text = "".join("".join(rnd.choice(alphabet) for _ in range(n)) for alphabet, n in runs)
    text = text.strip() or "x"
    config = chunker.config
    chunks = chunker.chunk(Article(id="a", text=text, title="Title"))
    assert chunks
    for c in chunks:
        assert text[c.start : c.end] == c.text and c.text
        assert len(c.text) <= config.max_chars
        embedded = chunker.tokenizer.encode(chunker.embed_text("Title", c.text))
        assert len(embedded.ids) <= config.max_tokens


def test_a_million_character_line_is_many_bounded_passages(chunker: Chunker) -> None:
    text = "y" * 1_000_000
    chunks = chunker.chunk(Article(id="a", text=text, title="T"))
    assert len(chunks) >= 1_000_000 // chunker.config.max_chars
    assert max(len(c.text) for c in chunks) <= chunker.config.max_chars
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


# 6. the cache write failing after the commit ----------------------------------------------------
def test_an_upload_whose_vector_cache_cannot_be_written_succeeds_with_a_warning(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_ = settings_for(sample_copy, api_token="t")
    client = TestClient(create_app(settings_, with_chat=False), base_url=LOCAL)
    auth = {"Authorization": "Bearer t"}
    before = client.get("/api/health").json()["articles"]

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    article = {"id": "disk-full", "title": "Full", "text": "The disk filled up at noon."}
    response = client.post("/api/articles", json=article, headers=auth)
    monkeypatch.undo()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["added"] == 1 and "No space left on device" in body["warnings"][0]
    assert client.get("/api/health").json()["articles"] == before + 1
    hits = client.get("/api/search", params={"q": "disk filled up at noon"}).json()["hits"]
    assert hits[0]["article_id"] == "disk-full"  # the cache is rebuilt from the catalog


# 7. integer options ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["articles", "--offset", "9223372036854775808"],
        ["articles", "--limit", "0"],
        ["search", "x", "-k", "1000000"],
        ["cite", "a:0-1:abcdef12", "--context", "-1"],
        ["serve", "--port", "70000"],
    ],
)
def test_integer_options_are_bounded(
    capsys: pytest.CaptureFixture[str], sample_home: Path, argv: list[str]
) -> None:
    assert main([*argv, "--home", str(sample_home)]) == 1  # as README says: 1, not argparse's 2
    assert "expected a whole number from" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["search", "--json"], ["frob", "--json"], ["cite", "not-a-key", "--json"]]
)
def test_a_failure_with_json_says_so_on_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    """Issue #30 point 8: a usage error or a failed command exits 1, with ``--json`` also
    ``{"error": …}`` on stdout (it printed nothing there)."""
    assert main([*argv, "--home", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["error"] and out.err.startswith(("usage:", "newsrag: error:"))


# 8. a delete of nothing ---------------------------------------------------------------------------
def test_deleting_unknown_ids_keeps_the_generation(
    capsys: pytest.CaptureFixture[str], sample_copy: Path
) -> None:
    before = _generation(sample_copy)
    for _ in range(3):
        assert main(["delete", "no-such-id", "--home", str(sample_copy)]) == 1
    assert _generation(sample_copy) == before


# 11. follow-up rewrites draw a bounded amount from the history --------------------------------
def test_a_rewrite_never_grows_with_the_history() -> None:
    history = [
        {"role": "user", "content": "How many drones were launched " * 600},
        {"role": "assistant", "content": "Russia Ukraine Kyiv Kharkiv Odesa Lviv " * 300},
    ]
    rewritten = rewrite("And who?", history)
    assert rewritten and rewritten.startswith("who —")
    assert len(rewritten) <= len("who — ") + MAX_DRAWN_CHARS
    longest = "why " * (MAX_QUERY_CHARS // 4 - 2)
    bounded = rewrite(longest.strip(), history)
    assert bounded is None or len(bounded) <= MAX_QUERY_CHARS


# 12. staging folders of dead processes ------------------------------------------------------------
def test_staging_lives_under_the_home_and_dead_folders_are_purged(tmp_path: Path) -> None:
    with staging(tmp_path) as folder:
        assert folder.parent == tmp_path / UPLOADS_DIR
        assert purge_stale(tmp_path) == 0  # this process's own folder is in use
    dead = tmp_path / UPLOADS_DIR / "999999999-deadbeef0000"
    dead.mkdir()
    assert purge_stale(tmp_path) == 1 and not dead.exists()


# 13. invisible queries ----------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["\u200b", "\u200d\ufeff", "\u00ad \u2060"])
def test_invisible_queries_are_blank(
    capsys: pytest.CaptureFixture[str], sample_home: Path, query: str
) -> None:
    assert normalize_query(query) == ""
    assert main(["search", query, "--home", str(sample_home)]) == 1
    assert capsys.readouterr().err.strip() == "newsrag: error: the query is empty"


def test_normalisation_folds_compatibility_forms() -> None:
    assert normalize_query("ｄｒｏｎｅｓ\u200b  ﬁred") == "drones fired"


def test_common_options_work_before_the_command_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue #30 point 8: ``newsrag --home X stats`` was refused ('invalid choice'); a value
    given after the command wins."""
    assert main(["--home", str(tmp_path / "a"), "--json", "stats"]) == 0
    assert json.loads(capsys.readouterr().out)["home"].endswith("/a")
    assert main(["--home", str(tmp_path / "a"), "stats", "--json", "--home", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["home"] == str(tmp_path)


def test_ingesting_only_missing_files_makes_no_empty_index(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue #30 point 8: a mistyped path left an empty index behind."""
    home = tmp_path / "home"
    assert main(["ingest", str(tmp_path / "nope.jsonl"), "--home", str(home), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["failed"] == 1 and "no such file or directory" in summary["problems"][0]
    assert not home.exists()


def test_stats_reads_as_text(capsys: pytest.CaptureFixture[str], sample_home: Path) -> None:
    """Issue #30 point 8: stats printed Python dict reprs and a '' outlet."""
    assert main(["stats", "--home", str(sample_home)]) == 0
    out = capsys.readouterr().out
    assert "{" not in out and "''" not in out and "max_tokens 256" in out
