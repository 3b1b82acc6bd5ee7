"""``ingest --workers N``: shard and merge builds the single-process index (chunks, copies)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index import NewsIndex, check_index, ingest_paths
from index.encoding.embedding import available_cores
from index.ingest.ingestor import IngestSummary
from index.ingest.sharding import AUTO_WORKERS_BYTES, SHARD_DIR_PREFIX, auto_workers
from index.settings import Precision
from tests.conftest import REPO, SAMPLE, settings_for
from ui.settings import Settings

# small blocks, so that two workers each get several and the merge order matters
OVERRIDES = {"commit_chunks": 4, "precision": Precision.FP32}  # about sharding, not bf16


def _corpus(folder: Path) -> Path:
    """The sample articles, an exact copy under another id, and an article with no text."""
    folder.mkdir()
    for path in sorted(SAMPLE.iterdir()):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    body = (SAMPLE / "000_ed452931e0cea98c.txt").read_text(encoding="utf-8")
    rows = [
        {"id": "wire-1", "title": "Wire story", "text": body},
        {"id": "wire-2", "title": "Wire story, again", "text": body},
        {"id": "empty", "title": "Nothing", "text": "   "},
    ]
    lines = "".join(json.dumps(r) + "\n" for r in rows)
    (folder / "wire.jsonl").write_text(lines, encoding="utf-8")
    return folder


def _ingest(settings: Settings, paths: list[Path], workers: int) -> IngestSummary:
    index = NewsIndex.open(settings.index, create=True)
    try:
        return ingest_paths(index, paths, workers=workers)
    finally:
        index.close()


def _snapshot(settings: Settings) -> tuple[list[tuple], list[tuple], np.ndarray]:
    index = NewsIndex.open(settings.index)
    try:
        conn = index.catalog._db.conn
        articles = conn.execute(
            "SELECT id, copy_of, text_hash, content_hash FROM articles ORDER BY id"
        ).fetchall()
        rows = conn.execute(
            'SELECT article_id, ordinal, start, "end", n_tokens, embed_hash, embedding '
            "FROM chunks ORDER BY article_id, ordinal"
        ).fetchall()
    finally:
        index.close()
    vectors = np.stack([np.frombuffer(r[6], dtype=np.float16).astype(np.float32) for r in rows])
    return [tuple(a) for a in articles], [tuple(r[:6]) for r in rows], vectors


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("sharding")
    corpus = _corpus(root / "corpus")
    one = settings_for(root / "one", **OVERRIDES)
    two = settings_for(root / "two", **OVERRIDES)
    return {
        "corpus": corpus,
        "one": one,
        "two": two,
        "summary_one": _ingest(one, [corpus], workers=1),
        "summary_two": _ingest(two, [corpus], workers=2),
    }


def test_sharded_ingest_equals_single_process(built: dict) -> None:
    s1, s2 = built["summary_one"], built["summary_two"]
    counts = ("added", "copies", "skipped", "failed", "chunks", "embedded", "chars")
    assert {k: getattr(s2, k) for k in counts} == {k: getattr(s1, k) for k in counts}
    assert s2.added == 3 and s2.copies == 1 and s2.skipped == 1

    articles1, chunks1, vectors1 = _snapshot(built["one"])
    articles2, chunks2, vectors2 = _snapshot(built["two"])
    assert articles2 == articles1  # same ids, copies and hashes
    assert chunks2 == chunks1  # same chunks, offsets, token counts and embed hashes
    assert _cosines(vectors1, vectors2).min() >= 0.999
    assert check_index(built["two"].index).ok


def test_sharded_index_searches_like_single_process(built: dict) -> None:
    def top(settings: Settings) -> list[tuple[str, int]]:
        index = NewsIndex.open(settings.index)
        try:
            query = index.embedder.encode_query("How many drones did Russia launch?")
            ids = [chunk_id for chunk_id, _ in index.dense(query, 3)]
            rows = [
                index.catalog._db.conn.execute(
                    "SELECT article_id, ordinal FROM chunks WHERE id=?", (i,)
                ).fetchone()
                for i in ids
            ]
            return [tuple(r) for r in rows]
        finally:
            index.close()

    assert top(built["two"]) == top(built["one"])


def test_sharded_reingest_reuses_stored_vectors(built: dict, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in built["corpus"].iterdir():
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    settings = settings_for(tmp_path / "index", **OVERRIDES)
    _ingest(settings, [corpus], workers=2)
    edited = corpus / "004_1d9382acf94dbb34.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nOne more closing line.\n")

    again = _ingest(settings, [corpus], workers=2)

    assert again.updated == 1 and again.unchanged == 3
    assert 0 < again.embedded < again.chunks  # unchanged passages kept their vectors
    assert check_index(settings.index).ok


def test_stale_shard_folders_are_removed_by_the_next_ingest(tmp_path: Path) -> None:
    """A killed writer leaves its shard folder; the next writer (under the lock) clears it."""
    settings = settings_for(tmp_path / "index")
    stale = settings.index.home / f"{SHARD_DIR_PREFIX}killed"
    stale.mkdir(parents=True)
    (stale / "block-000001.npz").write_bytes(b"half written")

    _ingest(settings, [SAMPLE], workers=1)

    assert not stale.exists()
    assert check_index(settings.index).ok


WORKER_SCRIPT = """
import os, time
from index.ingest.sharding import LocalProcessExecutor
pool = LocalProcessExecutor(1, 1)
print(pool._pool.submit(os.getpid).result(), flush=True)
pool._pool.submit(time.sleep, 60)
time.sleep(60)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_exit_when_their_writer_is_killed() -> None:
    """SIGKILL the writer mid-task: its worker notices within a second and exits."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        worker = int(writer.stdout.readline())  # type: ignore[union-attr]
        assert _running(worker)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(worker)
    finally:
        writer.kill()


def test_auto_workers_follow_input_size(tmp_path: Path) -> None:
    """workers = 0: one process for small inputs, one per core for big ones (ONNX path)."""
    settings = settings_for(tmp_path / "index")
    assert settings.index.workers == 0
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "archive.jsonl").write_bytes(b" " * AUTO_WORKERS_BYTES)
    index = NewsIndex.open(settings.index, create=True)
    try:
        assert auto_workers(index, [SAMPLE]) == 1
        onnx = index.embedder.document_path.startswith("onnx")
        assert auto_workers(index, [inputs]) == (available_cores() if onnx else 1)
    finally:
        index.close()
