"""The ``newsrag`` command line: --help everywhere, JSON contracts, one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE
from ui.cli import build_parser, main

COMMANDS = [
    "ingest",
    "search",
    "ask",
    "cite",
    "articles",
    "delete",
    "stats",
    "check",
    "reindex",
    "serve",
    "eval",
    "watch",
]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_json(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--json" in out and "--home" in out


def test_search_json_contract(sample_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "search",
        "Which missile was fired at Dnipro?",
        "--json",
        "--home",
        str(sample_home),
        "-k",
        "3",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["query"] == "Which missile was fired at Dnipro?"
    assert len(payload["hits"]) == 3
    for key in (
        "rank",
        "score",
        "citation",
        "article_id",
        "title",
        "source",
        "published_at",
        "url",
        "start",
        "end",
        "text",
    ):
        assert key in payload["hits"][0]
    assert "Orešnik" in payload["hits"][0]["text"]


def test_stats_articles_check_json(sample_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = ["--home", str(sample_home), "--json"]
    code, out, _ = _run(capsys, "stats", *home)
    stats = json.loads(out)
    assert code == 0 and stats["articles"] == 2 and stats["chunks"] > 2
    assert stats["model"] == "all-MiniLM-L6-v2" and stats["dim"] == 384
    code, out, _ = _run(capsys, "articles", *home)
    listing = json.loads(out)
    assert code == 0 and listing["total"] == 2
    assert {a["section"] for a in listing["articles"]} == {"Politics", None}
    code, out, _ = _run(capsys, "check", *home)
    assert code == 0 and json.loads(out)["ok"] is True


def test_ingest_and_delete_json(
    sample_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "story.md"
    doc.write_text("# Harbour bridge opens\n\nThe new harbour bridge opened to traffic today.\n")
    code, out, _ = _run(
        capsys, "ingest", str(doc), "--home", str(sample_copy), "--json", "--no-progress"
    )
    summary = json.loads(out)
    assert code == 0 and summary["added"] == 1 and summary["failed"] == 0
    code, out, _ = _run(capsys, "articles", "--home", str(sample_copy), "--json")
    ids = [a["article_id"] for a in json.loads(out)["articles"]]
    new_id = next(
        a["article_id"] for a in json.loads(out)["articles"] if a["title"] == "Harbour bridge opens"
    )
    code, out, _ = _run(capsys, "delete", new_id, "--home", str(sample_copy), "--json")
    assert code == 0 and json.loads(out)["deleted"] == [new_id] and len(ids) == 3
    code, _, err = _run(capsys, "delete", "nope", "--home", str(sample_copy))
    assert code == 1 and "unknown article id" in err


def test_errors_are_one_line_with_nonzero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "search", "anything", "--home", str(tmp_path / "none"))
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0 and "no index" in err
    code, _, err = _run(capsys, "stats", "--home", str(tmp_path / "none"), "--json")
    assert code == 0
    code, out, _ = _run(
        capsys,
        "ingest",
        str(tmp_path / "missing.txt"),
        "--home",
        str(tmp_path / "idx"),
        "--no-progress",
    )
    assert code == 1 and "missing.txt" in out and "no such file" in out


def test_cli_start_is_light() -> None:
    """`newsrag --help` and `stats` must not import torch, sentence-transformers or gradio."""
    probe = (
        "import sys; from ui.cli import main; main(['stats', '--home', '/nonexistent-newsrag']);"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'gradio', 'transformers') "
        "if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip().endswith("[]")


def test_parser_lists_all_commands() -> None:
    text = build_parser().format_help()
    for command in COMMANDS:
        assert command in text


def test_sample_folder_ships_with_the_repo() -> None:
    assert sorted(p.name for p in SAMPLE.glob("*.txt")) == [
        "000_ed452931e0cea98c.txt",
        "004_1d9382acf94dbb34.txt",
    ]


def test_ask_and_cite_json(sample_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = ["--home", str(sample_home), "--json"]
    code, out, _ = _run(capsys, "ask", "Which missile was fired at Dnipro?", *home)
    payload = json.loads(out)
    assert code == 0 and not payload["abstained"] and "[1]" in payload["answer"]
    first = payload["citations"][0]
    for key in (
        "n",
        "citation",
        "quote",
        "quote_start",
        "quote_end",
        "title",
        "source",
        "published_at",
        "url",
        "start",
        "end",
    ):
        assert key in first
    code, out, _ = _run(capsys, "cite", first["citation"], *home)
    cited = json.loads(out)
    assert code == 0 and first["quote"] in cited["text"]
    assert (cited["start"], cited["end"]) == (first["start"], first["end"])
    assert cited["article"]["article_id"] == first["citation"].split(":")[0]
    code, _, err = _run(capsys, "cite", "../../etc/passwd", *home)
    assert code == 1 and "malformed citation key" in err
    article_id, span, _ = first["citation"].rsplit(":", 2)
    code, _, err = _run(capsys, "cite", f"{article_id}:{span}:00000000", *home)
    assert code == 1 and "no version of article" in err


def test_ingest_without_a_terminal_prints_periodic_progress_lines(
    sample_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.cli.commands import _progress

    monkeypatch.setattr(_progress, "LINE_EVERY_S", 0.0)
    examples = Path(__file__).resolve().parent.parent / "docs" / "examples"
    code, _, err = _run(capsys, "ingest", str(examples), "--home", str(sample_copy))
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("ingest: ")]
    assert lines and re.fullmatch(
        r"ingest: \d+ articles, \d+ chunks, [\d.]+ chunks/s, \d+ s", lines[-1]
    )
