"""Faults: damaged files, a full disk, a read-only index, two writers, readers during a write.

After every fault the index must open, ``check`` must pass and what was there before must still
be there (article count and the top search hit); every error the command line prints is one
line naming the file at fault.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from assistant import Assistant, SearchRequest
from index import Embedder, NewsIndex, check_index, ingest_paths
from index import write_lock as lock_module
from index.catalog.catalog import Catalog, CatalogError
from index.encoding.ann import VectorIndex
from tests.conftest import REPO, SAMPLE, settings_for
from ui.cli import main

QUERY = "How many drones did Russia launch?"
SUBPROCESS_ENV = {**os.environ, "NEWSRAG_ENCODER": "onnx-int8", "NEWSRAG_COMMIT_CHUNKS": "4"}
TOPICS = ["harbour", "election", "vaccine", "drought", "railway", "budget", "festival", "strike"]


# -- helpers --------------------------------------------------------------------------------------
def _corpus(path: Path, prefix: str, n: int, sentences: int = 12) -> Path:
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        body = " ".join(
            f"Report {prefix}{i}.{s}: the {topic} committee met on day {s} and agreed on item "
            f"{i * 31 + s} of the {prefix} {topic} plan."
            for s in range(sentences)
        )
        rows.append({"id": f"{prefix}-{i}", "title": f"{topic.title()} {prefix} {i}", "text": body})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _top(home: Path, query: str = QUERY) -> str:
    assistant = Assistant(settings_for(home))
    try:
        return assistant.search(SearchRequest(query, k=1))[0].citation
    finally:
        assistant.close()


def _counts(home: Path) -> dict[str, int]:
    index = NewsIndex.open(settings_for(home).index)
    try:
        return {**index.catalog.articles.counts(), "generation": index.catalog.generation}
    finally:
        index.close()


def _state(home: Path) -> tuple[dict[str, int], str]:
    return _counts(home), _top(home)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().err.strip().splitlines()


def _cmd(*argv: str) -> list[str]:
    return [sys.executable, "-m", "ui.cli", *argv]


def _generation(home: Path) -> int:
    try:
        uri = f"{(home / 'catalog.sqlite3').resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=1)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
            return int(row[0]) if row else 0
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _wait_for(condition: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# -- the vector cache -----------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage", "outdated"])
def test_a_damaged_vector_cache_is_rebuilt_on_open_and_saved(
    sample_copy: Path, embedder: Embedder, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = sample_copy / "vectors.faiss"
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-1000])
    elif damage == "garbage":
        path.write_bytes(os.urandom(4000))
    else:
        conn = sqlite3.connect(sample_copy / "catalog.sqlite3")
        conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
        conn.commit()
        conn.close()
    index = NewsIndex.open(settings_for(sample_copy).index, embedder=embedder)
    with caplog.at_level(logging.INFO, logger="index.store"):
        vectors = index.vectors
    generation, chunks = index.catalog.generation, index.catalog.articles.counts()["chunks"]
    index.close()
    if damage == "outdated":  # the file is caught up with the catalog, not rebuilt
        assert "caught up to generation" in caplog.text
    else:
        assert "rebuilding from" in caplog.text and str(path) in caplog.text
    assert len(vectors) == chunks
    assert len(VectorIndex.load(path, embedder.dim, generation)) == chunks  # saved, current
    assert check_index(settings_for(sample_copy).index).ok


# -- the catalog ----------------------------------------------------------------------------------
def test_a_garbage_catalog_is_a_clear_error_never_an_empty_index(
    sample_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = sample_copy / "catalog.sqlite3"
    garbage = os.urandom(64 * 1024)
    catalog.write_bytes(garbage)
    with pytest.raises(CatalogError, match=re.escape(str(catalog))):
        NewsIndex.open(settings_for(sample_copy).index)
    home = ["--home", str(sample_copy)]
    for argv in (["stats"], ["articles"], ["search", "drones"], ["ingest", str(SAMPLE)]):
        code, err = _cli(capsys, *argv, *home)
        assert code == 1 and len(err) == 1, (argv, err)
        assert err[0].startswith("newsrag: error: ") and str(catalog) in err[0], err
    assert catalog.read_bytes() == garbage  # nothing was written over it


def test_an_emptied_catalog_next_to_its_vectors_is_an_error(sample_copy: Path) -> None:
    catalog = sample_copy / "catalog.sqlite3"
    catalog.write_bytes(b"")
    with pytest.raises(CatalogError, match=r"is empty but .*vectors\.faiss holds vectors"):
        NewsIndex.open(settings_for(sample_copy).index, create=True)
    assert not check_index(settings_for(sample_copy).index).ok


def test_a_vector_cache_without_its_catalog_is_dropped_by_a_new_index(
    sample_copy: Path, embedder: Embedder
) -> None:
    (sample_copy / "catalog.sqlite3").unlink()
    index = NewsIndex.open(settings_for(sample_copy).index, embedder=embedder, create=True)
    index.close()
    assert not (sample_copy / "vectors.faiss").exists()


# -- a full disk ----------------------------------------------------------------------------------
def test_disk_full_in_the_catalog_is_one_line_and_changes_nothing(
    sample_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SQLITE_FULL, as a full disk gives it, made by capping the file at its current size."""
    before = _state(sample_copy)
    new = _corpus(tmp_path / "new.jsonl", "full", 3, sentences=60)
    opened = Catalog._open_writable

    def full_disk(self: Catalog) -> sqlite3.Connection:
        conn = opened(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(Catalog, "_open_writable", full_disk)
    code, err = _cli(capsys, "ingest", str(new), "--home", str(sample_copy))
    monkeypatch.undo()
    assert code == 1 and len(err) == 1, err
    assert str(sample_copy / "catalog.sqlite3") in err[0] and "full" in err[0]
    assert check_index(settings_for(sample_copy).index).ok
    assert _state(sample_copy) == before


def test_disk_full_on_the_vector_cache_keeps_the_old_file_and_the_catalog(
    sample_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ENOSPC while the cache file is written: the articles are committed in the catalog (the
    truth), so the ingest succeeds with a warning saying so; the old cache file stays
    untouched and is rebuilt on the next open."""
    (counts, top) = _state(sample_copy)
    cache = sample_copy / "vectors.faiss"
    old_cache = cache.read_bytes()
    new = _corpus(tmp_path / "new.jsonl", "nospace", 2)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    assert main(["ingest", str(new), "--home", str(sample_copy), "--json"]) == 0
    monkeypatch.undo()
    summary = json.loads(capsys.readouterr().out)
    assert summary["added"] == 2 and len(summary["warnings"]) == 1, summary
    assert str(cache) in summary["warnings"][0]
    assert "No space left on device" in summary["warnings"][0]
    assert cache.read_bytes() == old_cache
    assert not list(sample_copy.glob(".*.tmp"))
    assert check_index(settings_for(sample_copy).index).ok
    after = _counts(sample_copy)
    assert after["articles"] == counts["articles"] + 2
    assert _top(sample_copy) == top


# -- a read-only index ----------------------------------------------------------------------------
def _can_mount_read_only(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    if not shutil.which("unshare"):
        return False
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind -o ro {probe} {probe} && touch {probe}/x"],
        capture_output=True,
        text=True,
    )
    return "Read-only file system" in done.stderr


def _read_only(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run the command line with ``home`` bind-mounted read-only in a private mount namespace."""
    inner = " ".join(f"'{a}'" for a in _cmd(*argv))
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind -o ro {home} {home} && exec {inner}"],
        cwd=REPO,
        env=SUBPROCESS_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_read_only_index_reads_and_refuses_writes_in_one_line(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A real read-only filesystem (a bind mount; chmod does not stop root)."""
    if not _can_mount_read_only(tmp_path):
        pytest.skip("needs 'unshare -m' and 'mount --bind -o ro' (root in a container)")
    before = _state(sample_copy)
    new = _corpus(tmp_path / "new.jsonl", "ro", 2)
    home = ["--home", str(sample_copy)]
    done = _read_only(sample_copy, "ingest", str(new), *home)
    err = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(err) == 1, err
    assert str(sample_copy) in err[0] and "Read-only file system" in err[0]
    stats = _read_only(sample_copy, "stats", "--json", *home)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == before[0]["articles"]
    assert _read_only(sample_copy, "check", *home).returncode == 0
    assert check_index(settings_for(sample_copy).index).ok
    assert _state(sample_copy) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="chmod does not stop root from writing")
def test_a_chmod_read_only_index_refuses_writes_in_one_line(
    sample_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(sample_copy)
    new = _corpus(tmp_path / "new.jsonl", "ro", 2)
    sample_copy.chmod(0o555)
    try:
        code, err = _cli(capsys, "ingest", str(new), "--home", str(sample_copy))
    finally:
        sample_copy.chmod(0o755)
    assert code == 1 and len(err) == 1 and str(sample_copy) in err[0], err
    assert check_index(settings_for(sample_copy).index).ok
    assert _state(sample_copy) == before


def test_a_read_only_catalog_file_refuses_writes_in_one_line(
    sample_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The directory takes the lock but the catalog file is read-only (SQLite's mode=ro)."""
    before = _state(sample_copy)
    new = _corpus(tmp_path / "new.jsonl", "rocat", 2)
    monkeypatch.setattr("index.catalog.catalog._writable", lambda path: False)
    code, err = _cli(capsys, "ingest", str(new), "--home", str(sample_copy))
    monkeypatch.undo()
    assert code == 1 and len(err) == 1, err
    assert str(sample_copy / "catalog.sqlite3") in err[0] and "readonly" in err[0]
    assert check_index(settings_for(sample_copy).index).ok
    assert _state(sample_copy) == before


# -- two writers ----------------------------------------------------------------------------------
OPEN_AT_ONCE = """
import sys, time
from pathlib import Path
from index.store import open_catalog
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
open_catalog(Path(sys.argv[1])).close()
"""


def test_processes_creating_one_new_catalog_at_once_all_open_it(tmp_path: Path) -> None:
    """SQLite answers "locked" at once, not after its busy timeout, to a second process
    switching a file another is creating to WAL: every opener must wait instead of failing
    (two ingests into one new index failed this way about once in six)."""
    for round_ in range(5):
        folder = tmp_path / str(round_)
        folder.mkdir()
        go = folder / "go"
        argv = [sys.executable, "-c", OPEN_AT_ONCE, str(folder / "catalog.sqlite3"), str(go)]
        procs = [
            subprocess.Popen(argv, cwd=REPO, stderr=subprocess.PIPE, text=True) for _ in range(3)
        ]
        time.sleep(1.0)  # imported, waiting for the start
        go.touch()
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]


def test_two_ingest_processes_take_turns(tmp_path: Path) -> None:
    """Both wait while the lock is held, then one runs after the other: no interleaved writes."""
    home = tmp_path / "idx"
    home.mkdir()
    sources = {name: _corpus(tmp_path / f"{name}.jsonl", name, 16) for name in ("a", "b")}
    logs = {name: tmp_path / f"{name}.err" for name in sources}
    holder = FileLock(str(home / "write.lock"))
    holder.acquire()
    procs = {}
    try:
        for name, src in sources.items():
            with logs[name].open("w") as err:
                procs[name] = subprocess.Popen(
                    _cmd("ingest", str(src), "--home", str(home), "--no-progress", "--json"),
                    cwd=REPO,
                    env=SUBPROCESS_ENV,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    text=True,
                )
        for name in sources:
            _wait_for(lambda n=name: "waiting" in logs[n].read_text(), f"{name} to wait")
        assert _generation(home) == 0  # nothing written while the lock is held
    finally:
        holder.release()
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, logs[name].read_text()
        assert json.loads(out)["added"] == 16
    assert "is locked by another newsrag writer" in logs["a"].read_text()
    assert check_index(settings_for(home).index).ok
    conn = sqlite3.connect(home / "catalog.sqlite3")
    spans = dict(
        conn.execute(
            "SELECT substr(article_id, 1, 1), min(id) || '-' || max(id) FROM chunks GROUP BY 1"
        ).fetchall()
    )
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    assert total == 32
    (lo_a, hi_a), (lo_b, hi_b) = (map(int, spans[k].split("-")) for k in ("a", "b"))
    assert hi_a < lo_b or hi_b < lo_a, spans  # one writer's chunks all precede the other's


def test_a_writer_that_cannot_get_the_lock_fails_with_locked(
    sample_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock; "
            "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); "
            "time.sleep(120)",
            str(sample_copy / "write.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = _counts(sample_copy)
        monkeypatch.setattr(lock_module, "LOCK_TIMEOUT_S", 0.5)
        new = _corpus(tmp_path / "new.jsonl", "late", 2)
        code, err = _cli(capsys, "ingest", str(new), "--home", str(sample_copy))
    finally:
        holder.kill()
        holder.wait()
    assert code == 1 and err, err
    assert err[-1].startswith(f"newsrag: error: {sample_copy} is locked"), err
    assert _counts(sample_copy) == before


# -- readers during a write -----------------------------------------------------------------------
class Reader(threading.Thread):
    """Searches over and over until told to stop; keeps every hit and every error."""

    def __init__(self, home: Path, queries: list[str]) -> None:
        super().__init__(daemon=True)
        self.assistant = Assistant(settings_for(home))
        self.queries = queries
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.hits: list[tuple[int, str, int, int, str]] = []
        self.generations: set[int] = set()
        self.searches = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                query = self.queries[self.searches % len(self.queries)]
                for h in self.assistant.search(SearchRequest(query, k=5)):
                    self.hits.append((h.chunk_id, h.article.id, h.start, h.end, h.text))
                self.generations.add(self.assistant.index.vectors.generation)
                self.searches += 1
                self.stop.wait(0.05)  # leave the writer some CPU
        except BaseException as exc:  # the test reports it
            self.errors.append(exc)
        finally:
            self.assistant.close()


def _assert_hits_resolve(home: Path, reader: Reader) -> None:
    """Every hit was a real chunk whose text is its article's text at its offsets."""
    conn = sqlite3.connect(home / "catalog.sqlite3")
    try:
        texts = dict(conn.execute("SELECT id, text FROM articles"))
        chunks = {
            r[0]: r[1:] for r in conn.execute('SELECT id, article_id, start, "end" FROM chunks')
        }
    finally:
        conn.close()
    for chunk_id, article_id, start, end, text in reader.hits:
        assert chunks[chunk_id] == (article_id, start, end)
        assert texts[article_id][start:end] == text


def _run_reader_while(home: Path, write: Any) -> Reader:
    reader = Reader(home, [QUERY, "harbour committee plan", "election item"])
    reader.start()
    try:
        write()
    finally:
        reader.stop.set()
        reader.join(timeout=120)
    assert not reader.errors, reader.errors
    return reader


def test_searches_in_one_thread_while_another_ingests(
    sample_copy: Path, tmp_path: Path, embedder: Embedder
) -> None:
    """The server's arrangement: readers share one index, a writer opens its own."""
    new = _corpus(tmp_path / "new.jsonl", "thread", 8)

    def write() -> None:
        index = NewsIndex.open(settings_for(sample_copy, commit_chunks=2).index, embedder=embedder)
        try:
            assert ingest_paths(index, [new]).added == 8
        finally:
            index.close()

    reader = _run_reader_while(sample_copy, write)
    assert reader.searches >= 3 and len(reader.generations) >= 2, reader.generations
    _assert_hits_resolve(sample_copy, reader)
    assert check_index(settings_for(sample_copy).index).ok


def test_searches_while_a_cli_ingest_process_writes(sample_copy: Path, tmp_path: Path) -> None:
    new = _corpus(tmp_path / "new.jsonl", "proc", 12)

    def write() -> None:
        done = subprocess.run(
            _cmd("ingest", str(new), "--home", str(sample_copy), "--no-progress", "--json"),
            cwd=REPO,
            env=SUBPROCESS_ENV,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["added"] == 12

    reader = _run_reader_while(sample_copy, write)
    assert reader.searches >= 3 and len(reader.generations) >= 2, reader.generations
    _assert_hits_resolve(sample_copy, reader)
    assert any(article_id.startswith("proc-") for _, article_id, *_ in reader.hits)
    assert check_index(settings_for(sample_copy).index).ok


def test_storage_errors_map_to_json_statuses() -> None:
    from index.catalog.catalog import CatalogError, IndexWriteError
    from ui.errors import classify

    full = IndexWriteError("cannot write /x/catalog.sqlite3: database or disk is full")
    assert classify(full) == (507, "index_not_writable", str(full))
    assert classify(CatalogError("/x/catalog.sqlite3: not a usable newsrag catalog"))[:2] == (
        503,
        "catalog_unusable",
    )
