"""Late vectors (#34): a bulk ingest encodes each article's lead (NEWSRAG_EMBED=leads, what
``auto`` picks from 4 MB of input) and ``newsrag embed`` the rest, later, newest first, in small
commits a kill cannot break; a small ingest (``auto``) encodes every passage.

Real model, real SQLite and FAISS, real processes for the kill."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant import Assistant, SearchMode, SearchRequest
from index import NewsIndex, check_index, ingest_paths
from index.ingest.backfill import embed_awaiting
from index.ingest.embed_stage import EAGER_PASSAGES
from tests.conftest import REPO, settings_for
from tests.live_server import ServerSpec, live_servers

TOPICS = ["harbour", "election", "vaccine", "drought", "railway", "budget"]
DEEP_WORD = "quokkamarine"  # only in a late passage of article 2


def _corpus(path: Path, n: int = 6, sentences: int = 60) -> Path:
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        said = [
            f"The {topic} board met on day {s} of the review and agreed on item {i * 97 + s} "
            f"of the regional {topic} plan after a long debate."
            for s in range(sentences)
        ]
        if i == 2:
            said[-3] = f"Inspectors found a {DEEP_WORD} pump under the old pier."
        rows.append({"id": f"a{i}", "title": f"{topic.title()} report {i}", "text": " ".join(said)})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _private(home: Path, tmp_path: Path) -> Path:
    """A writable copy of the module's index."""
    return Path(shutil.copytree(home, tmp_path / "index"))


def _open(home: Path, **overrides: object) -> NewsIndex:
    return NewsIndex.open(settings_for(home, **overrides).index, create=True)


def _state(index: NewsIndex) -> tuple[set[int], set[int]]:
    """(chunk ids with a vector, all chunk ids)."""
    embedded = set(index.catalog.articles.embedded_chunk_ids().tolist())
    return embedded, set(index.catalog.articles.chunk_ids().tolist())


def _ordinals(index: NewsIndex, ids: set[int]) -> set[int]:
    conn = sqlite3.connect(index.settings.catalog_path)
    try:
        rows = conn.execute(
            "SELECT ordinal FROM chunks WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(ids)),),
        ).fetchall()
    finally:
        conn.close()
    return {int(r[0]) for r in rows}


@pytest.fixture(scope="module")
def lead_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six long articles ingested as a bulk ingest is. Treat as read-only."""
    base = tmp_path_factory.mktemp("late")
    index = _open(base / "index", embed="leads")
    try:
        summary = ingest_paths(index, [_corpus(base / "corpus.jsonl")])
        assert summary.added == 6
    finally:
        index.close()
    return base / "index"


def test_ingest_encodes_only_the_leads_and_check_passes(lead_home: Path) -> None:
    index = NewsIndex.open(settings_for(lead_home).index)
    try:
        embedded, chunks = _state(index)
        assert len(chunks) > 6 * (EAGER_PASSAGES + 1)  # long articles: some passages wait
        assert _ordinals(index, embedded) == set(range(EAGER_PASSAGES))
        assert min(_ordinals(index, chunks - embedded)) == EAGER_PASSAGES
        assert index.catalog.articles.awaiting_count() == len(chunks - embedded)
        assert len(index.vectors) == len(embedded)
    finally:
        index.close()
    report = check_index(settings_for(lead_home).index)
    assert report.ok, report.problems
    assert report.counts["awaiting_vectors"] == len(chunks - embedded)


def test_auto_encodes_every_passage_of_a_small_ingest(tmp_path: Path) -> None:
    index = _open(tmp_path / "index")
    try:
        assert ingest_paths(index, [_corpus(tmp_path / "c.jsonl", n=2)]).added == 2
        assert index.catalog.articles.awaiting_count() == 0
    finally:
        index.close()


def test_worker_processes_leave_the_same_passages_for_later(
    lead_home: Path, tmp_path: Path
) -> None:
    index = _open(tmp_path / "index", embed="leads")
    try:
        ingest_paths(index, [_corpus(tmp_path / "corpus.jsonl")], workers=2)
        embedded, chunks = _state(index)
    finally:
        index.close()
    single = NewsIndex.open(settings_for(lead_home).index)
    try:
        assert (len(embedded), len(chunks)) == tuple(len(s) for s in _state(single))
    finally:
        single.close()
    assert check_index(settings_for(tmp_path / "index").index).ok


def test_a_passage_without_a_vector_is_found_by_its_words(lead_home: Path) -> None:
    assistant = Assistant(settings_for(lead_home))
    try:
        hits = assistant.search(SearchRequest(f"{DEEP_WORD} pump", k=3))
        assert hits and hits[0].article.id == "a2" and DEEP_WORD in hits[0].text
        dense = assistant.search(SearchRequest("harbour board plan", k=5, mode=SearchMode.DENSE))
        assert dense  # meaning search reads the leads meanwhile
    finally:
        assistant.close()


def test_embed_fills_the_rest_newest_first_and_matches_an_eager_ingest(
    lead_home: Path, tmp_path: Path
) -> None:
    home = _private(lead_home, tmp_path)
    index = _open(home)
    try:
        before, chunks = _state(index)
        part = embed_awaiting(index, limit=5, batch=2)
        assert (part.embedded, part.remaining) == (5, len(chunks - before) - 5)
        newest = sorted(chunks - before)[-5:]
        assert set(newest) <= _state(index)[0]  # the latest written first
        rest = embed_awaiting(index)
        assert rest.remaining == 0 and len(index.vectors) == len(chunks)
        _, mine = index.catalog.articles.vectors_of(sorted(chunks), index.dim)
    finally:
        index.close()
    assert check_index(settings_for(home).index).ok
    eager = _open(tmp_path / "eager", embed="all")
    try:
        ingest_paths(eager, [_corpus(tmp_path / "corpus.jsonl")])
        assert eager.catalog.articles.awaiting_count() == 0
        ids = eager.catalog.articles.chunk_ids()
        _, theirs = eager.catalog.articles.vectors_of(ids.tolist(), eager.dim)
    finally:
        eager.close()
    assert mine.shape == theirs.shape
    cosine = (
        np.sum(mine * theirs, axis=1)
        / np.linalg.norm(mine, axis=1)
        / np.linalg.norm(theirs, axis=1)
    )
    assert float(cosine.min()) > 0.99  # one encoder; batches may differ in bf16 or int8


def test_a_correction_keeps_a_version_without_vectors_searchable_as_of(
    lead_home: Path, tmp_path: Path
) -> None:
    home = _private(lead_home, tmp_path)
    corpus = _corpus(tmp_path / "v1.jsonl")
    rows = [json.loads(line) for line in corpus.read_text().splitlines()]
    rows[2]["text"] = rows[2]["text"].replace(DEEP_WORD, "rusted")
    rows[2]["published_at"] = "2026-01-02"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    index = _open(home)
    try:
        assert ingest_paths(index, [corpus]).updated == 1
    finally:
        index.close()
    assert check_index(settings_for(home).index).ok
    assistant = Assistant(settings_for(home))
    try:
        now = assistant.search(SearchRequest(f"{DEEP_WORD} pump", k=3))
        assert all(DEEP_WORD not in h.text for h in now)
    finally:
        assistant.close()


def test_a_killed_embed_loses_at_most_its_batch_and_runs_again(
    lead_home: Path, tmp_path: Path
) -> None:
    home = _private(lead_home, tmp_path)
    before = NewsIndex.open(settings_for(home).index)
    try:
        waiting = before.catalog.articles.awaiting_count()
    finally:
        before.close()
    env = {**os.environ, "NEWSRAG_HOME": str(home)}
    cmd = [sys.executable, "-m", "ui.cli", "embed", "--batch", "3"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # a progress line: one batch is committed
    assert first.startswith("embed: 3 passages"), first
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    report = check_index(settings_for(home).index)
    assert report.ok, report.problems
    left = report.counts["awaiting_vectors"]
    assert left < waiting and (waiting - left) % 3 == 0
    again = subprocess.run(
        [*cmd, "--json"], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(again.stdout)["remaining"] == 0
    assert check_index(settings_for(home).index).counts["awaiting_vectors"] == 0


def test_a_replica_catches_up_with_vectors_written_later(lead_home: Path, tmp_path: Path) -> None:
    home = _private(lead_home, tmp_path)
    replica = NewsIndex.open(settings_for(home, read_only=True).index)
    writer = _open(home)
    try:
        seen = len(replica.vectors)
        embed_awaiting(writer, limit=4, batch=4)
        assert len(replica.vectors) == seen + 4
    finally:
        writer.close()
        replica.close()


def test_serve_fills_the_rest_while_idle(lead_home: Path, tmp_path: Path) -> None:
    """A writable server gives the waiting passages their vectors once it is idle
    (NEWSRAG_BACKFILL_IDLE_S), says so in /api/health, and its searches read them; the index
    checks out. Health polls do not count as work (a balancer's would starve the filler)."""
    home = _private(lead_home, tmp_path)
    with NewsIndex.open(settings_for(home).index) as index:
        waiting = index.catalog.articles.awaiting_count()
    assert waiting > 0
    env = {"NEWSRAG_BACKFILL_IDLE_S": "0.5"}
    with live_servers([ServerSpec(home, env=env)]) as (url,):
        deadline = time.monotonic() + 120
        vectors: dict = {}
        while time.monotonic() < deadline:
            vectors = httpx.get(f"{url}/api/health", timeout=10).json()["vectors"]
            if not vectors["awaiting"]:
                break
            time.sleep(0.3)
        assert vectors == {"awaiting": 0, "filling": False, "filled": waiting, "last_error": None}
        found = httpx.get(
            f"{url}/api/search",
            params={"q": "pump discovered beneath the pier", "mode": "dense", "k": 3},
            timeout=30,
        ).json()["hits"]
        assert found[0]["citation"].startswith("a2:") and DEEP_WORD in found[0]["text"]
    report = check_index(settings_for(home).index)
    assert report.ok and report.counts["awaiting_vectors"] == 0, report.problems
