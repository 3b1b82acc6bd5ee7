"""Every command and curl example in README.md and docs/API.md runs as written on a fresh clone
(issue #15, point 7): README's command-line block against a copy of the sample index, and
every bash and Python block of docs/API.md, in order, against a real server on that index
after ``newsrag ingest docs/examples`` (as the document says). Ids and keys are looked up by
the examples themselves, never hard-coded."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from index import Embedder, NewsIndex, ingest_paths
from tests.conftest import REPO, settings_for
from tests.live_server import ServerSpec, copy_index, live_servers

pytestmark = pytest.mark.slow
TOKEN = "docs-token-5"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
RUNS_UNTIL_STOPPED = "runs until stopped"


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text()) if lang == language]


def _bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_readme_command_line_examples_run(tmp_path: Path, sample_home: Path) -> None:
    (script,) = [b for b in blocks(REPO / "README.md", "bash") if "newsrag ingest" in b]
    runnable = "\n".join(line for line in script.splitlines() if RUNS_UNTIL_STOPPED not in line)
    home = copy_index(sample_home, tmp_path / "index")
    done = _bash(runnable, {"NEWSRAG_HOME": str(home)})
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "hits for 'How many drones did Russia launch?'" in out
    assert '"hits": [' in out and "Harbour bridge reopens after repairs" in out
    assert "188 drones" in out and ">>>" in out  # the answer, then its passage by key
    assert "answer_recall@5" in out and "articles" in out
    assert '"deleted": ["owls-2024-03"]' in out or "deleted owls-2024-03" in out
    stats = next(json.loads(line) for line in out.splitlines() if line.startswith('{"articles"'))
    assert stats["articles"] == 5  # 2 samples + 4 examples, owls deleted


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Iterator[str]:
    home = copy_index(sample_home, tmp_path_factory.mktemp("docs") / "index")
    index = NewsIndex.open(settings_for(home).index, embedder=Embedder())
    try:
        assert ingest_paths(index, [REPO / "docs" / "examples"]).failed == 0
    finally:
        index.close()
    with live_servers([ServerSpec(home, TOKEN)]) as (base,):
        yield base


def test_api_doc_curl_examples_run(server: str) -> None:
    script = "\n".join(blocks(REPO / "docs" / "API.md", "bash"))
    env = {"B": server, "T": f"Authorization: Bearer {TOKEN}", "NEWSRAG_API_TOKEN": TOKEN}
    done = _bash(script, env)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert '"ready":true' in out and '"hits":[' in out
    assert "Ferry strike ends in Portvale" not in _line_after(out, "ferry")  # strict as-of
    assert '"error":"stale_citation"' in out and '"error":"unknown_article"' in out
    assert '"error":"malformed_citation"' in out
    assert "200 text/html" in out
    assert '"total":2' in out  # the Harbour Gazette articles since November
    assert '{"deleted":["owls-2024-03"]' in out
    assert "internal_error" not in out


def test_readme_curl_examples_run_and_keep_the_samples(server: str) -> None:
    (script,) = blocks(REPO / "README.md", "sh")
    env = {"NEWSRAG_API_TOKEN": TOKEN}
    done = _bash(script.replace("B=http://127.0.0.1:7860", f"B={server}"), env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '"deleted":["doc-' in done.stdout and "internal_error" not in done.stdout
    listing = httpx.get(f"{server}/api/articles", params={"limit": 50}).json()
    titles = {a["title"] for a in listing["articles"]}
    assert "Russia’s goal and negotiations with the US" in titles
    assert any(t.startswith("Massacre in Kherson") for t in titles)  # never deletes a sample


def _line_after(out: str, word: str) -> str:
    """The search answer printed for the strict as-of example (the line holding its query)."""
    return next((line for line in out.splitlines() if '"query":"ferry strike"' in line), "")


def test_api_doc_python_example_runs(server: str) -> None:
    (code,) = blocks(REPO / "docs" / "API.md", "python")
    code = code.replace("http://127.0.0.1:7860/", server + "/")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "188 drones" in done.stdout and "/cite/" in done.stdout
