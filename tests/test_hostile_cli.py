"""Hostile and broken input through the ``newsrag`` command line (in process, over a copy of the
sample index, ``NEWSRAG_MAX_FILE_BYTES`` 1 MB).

A bad input file makes ``ingest`` exit 1 with the problem on a line naming the file (and line,
and field); a bad argument makes a command exit 1 with one ``newsrag: error: ...`` line on
stderr. Never a traceback, and after every case the sample articles are all there and the known
question has the same top hit. docs/SECURITY.md lists the cases.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from index.loaders.ids import path_id
from tests.conftest import SAMPLE
from tests.hostile import inputs as h
from tests.live_server import copy_index
from ui.cli import main

FILE_LIMIT = 1_000_000
DRONES = "How many drones were launched?"
SAMPLE_ID = path_id(SAMPLE / "000_ed452931e0cea98c.txt")  # ids hash the absolute path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Path:
    return copy_index(sample_home, tmp_path_factory.mktemp("hostile-cli") / "index")


def run(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--home", str(home)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def cli_json(home: Path, *argv: str) -> dict:
    """A ``--json`` command's object (stdout captured here, so any fixture can call it)."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([*argv, "--json", "--home", str(home)]) == 0
    return dict(json.loads(out.getvalue()))


def state(home: Path) -> tuple[frozenset[str], str]:
    """The article ids and the citation of the known question's top hit."""
    rows = cli_json(home, "articles", "--limit", "1000")["articles"]
    top = cli_json(home, "search", DRONES, "-k", "1")["hits"][0]["citation"]
    return frozenset(row["article_id"] for row in rows), str(top)


@pytest.fixture(scope="module")
def baseline(home: Path) -> tuple[frozenset[str], str]:
    ids, top = state(home)
    assert len(ids) == 2
    return ids, top


@pytest.fixture(autouse=True)
def intact(
    home: Path, baseline: tuple[frozenset[str], str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("NEWSRAG_MAX_FILE_BYTES", str(FILE_LIMIT))
    monkeypatch.delenv("NEWSRAG_API_TOKEN", raising=False)
    yield
    ids, top = state(home)
    assert baseline[0] <= ids and top == baseline[1]


def one_error_line(err: str, *expected: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsrag: error: "), err
    for text in expected:
        assert text in lines[0]


# -- ingest: exit 1, the problem on a line naming file, line and field ---------------------------
BAD_FILES = [
    pytest.param(
        "huge.txt", h.single_line(10 * h.MB), "over the limit of 1000000", id="10 MB line"
    ),
    pytest.param("deep.json", h.deep_json(100_000), "invalid JSON: nested too deeply", id="deep"),
    pytest.param(
        "deep.jsonl", h.deep_jsonl_then_good(5000), ":1: invalid JSON: nested", id="deep line"
    ),
    pytest.param("nul.txt", h.nul_text(), "binary file", id="NUL bytes"),
    pytest.param(
        "nt.jsonl",
        b'{"title": "x"}\n{"title": "y", "text": 5}\n',
        ":2: text must be a string, got int (field 'text')",
        id="field",
    ),
    pytest.param("broken.json", b'{"text": ', "invalid JSON", id="broken JSON"),
    pytest.param("notes.exe", b"MZ\x90\x00", "unsupported file type '.exe'", id="type"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD_FILES)
def test_ingest_names_the_bad_file(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    name: str,
    data: bytes,
    reason: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, out, _ = run(capsys, home, "ingest", str(path), "--no-progress")
    assert code == 1
    assert any(str(path) in line and reason in line for line in out.splitlines()), out


def test_ingest_of_a_missing_file(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, home, "ingest", str(tmp_path / "gone.txt"), "--no-progress")
    assert code == 1 and f"{tmp_path / 'gone.txt'}: no such file or directory" in out


@pytest.mark.parametrize(
    ("name", "data", "title"),
    [
        ("cafe.txt", h.invalid_utf8(), "Caf\ufffd opens in Lyon"),
        ("zebra.txt", h.utf16_with_bom(), "Zebra crossing in Nairobi"),
        ("falcons.html", h.SCRIPT_HTML, "Falcons nest on Prague tower"),
    ],
)
def test_ingest_reads_odd_encodings_and_html(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    name: str,
    data: bytes,
    title: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, out, _ = run(capsys, home, "ingest", str(path), "--no-progress", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["added"] + summary["updated"] + summary["unchanged"] == 1
    _, out, _ = run(capsys, home, "articles", "--json", "--limit", "1000")
    assert title in {row["title"] for row in json.loads(out)["articles"]}


# -- bad arguments: exit 1, one line ------------------------------------------------------------
@pytest.mark.parametrize("query", h.FTS5_SOUP)
def test_search_operator_soup(capsys: pytest.CaptureFixture[str], home: Path, query: str) -> None:
    code, out, _ = run(capsys, home, "search", query, "--json", "--mode", "keyword")
    assert code == 0 and isinstance(json.loads(out)["hits"], list)


BAD_ARGS = [
    pytest.param(["search", ""], "the query is empty", id="empty query"),
    pytest.param(["search", "a" * 10_001], "the limit is 10000", id="10,001 characters"),
    pytest.param(["ask", "   "], "the query is empty", id="blank question"),
    pytest.param(["search", "x", "--since", "+10000-01-01"], "since", id="year 10000"),
    pytest.param(["search", "x", "--as-of", "2024-02-30"], "as_of", id="impossible date"),
    pytest.param(["cite", "../../etc/passwd"], "malformed citation key", id="cite traversal"),
    pytest.param(["cite", "doc-x\x00:0-10:aaaaaaaa"], "no article 'doc-x\\x00'", id="cite NUL"),
    pytest.param(["cite", f"{SAMPLE_ID}:-5-10:aaaaaaaa"], "malformed", id="negative offset"),
    pytest.param(["cite", f"{SAMPLE_ID}:10-5:aaaaaaaa"], "start must be < end", id="start>end"),
    pytest.param(["cite", "nope:0-10:aaaaaaaa"], "nope", id="unknown article"),
    pytest.param(["cite", f"{SAMPLE_ID}:0-10:aaaaaaaa"], "no version of article", id="stale"),
    pytest.param(["delete", "no-such-id"], "no-such-id", id="delete unknown"),
    pytest.param(["serve", "--host", "0.0.0.0"], "not a loopback address", id="serve exposed"),
    pytest.param(["serve", "--host", "192.168.1.20"], "NEWSRAG_API_TOKEN", id="serve LAN"),
]


@pytest.mark.parametrize(("argv", "reason"), BAD_ARGS)
def test_bad_arguments_fail_on_one_line(
    capsys: pytest.CaptureFixture[str], home: Path, argv: list[str], reason: str
) -> None:
    code, _, err = run(capsys, home, *argv)
    assert code == 1
    one_error_line(err, reason)
