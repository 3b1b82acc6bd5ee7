"""SIGKILL a real ``newsrag ingest`` at several moments: each article stays old or new.

One small synthetic corpus in two versions. The ingest process is killed while it creates a
fresh catalog, right after commits of a first pass, and twice while a second pass replaces the
first (once right after its first commit, then in the middle of a batch). After every kill the index
opens and ``check`` passes, and every article holds exactly one version; a last run completes,
touching only what the kills left undone, and leaves no temporary files behind.
(``bench/kill.py`` does the same with 20 kills on the real corpus.)
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from index import check_index
from tests.conftest import REPO, settings_for

TOPICS = ["harbour", "election", "vaccine", "drought", "railway", "budget", "festival", "strike"]
N = 40
# onnx-int8 starts in ~3 s (sentence-transformers takes far longer to import); small
# transactions give many commits to kill between
ENV = {**os.environ, "NEWSRAG_ENCODER": "onnx-int8", "NEWSRAG_COMMIT_CHUNKS": "4"}


@dataclass(frozen=True)
class Moment:
    name: str
    version: str  # which corpus the killed run ingests
    commits: int | None  # kill after this many commits of the run; None: once the file exists
    delay: float = 0.0  # then wait this long (lands inside the next batch)


# The first pass is killed late enough (~24 of 40 articles) and the first replacement kill
# early enough (one commit, ~3 articles) that the index holds both versions whatever the
# machine's speed: CI once ran the mid-batch kill first, and a fast machine replaced every
# first-version article within its 0.3 s delay.
MOMENTS = [
    Moment("while a fresh catalog is created", "first", None),
    Moment("right after the 8th commit of the first pass", "first", 8),
    Moment("right after a commit while replacing", "second", 1),
    Moment("mid-batch while replacing", "second", 1, delay=0.3),
]


def _corpus(path: Path, n: int, version: str) -> Path:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        body = " ".join(
            f"In {version} report {i}, officials said the {topic} plan {rng.randint(1, 999)} "
            f"would change {rng.choice(TOPICS)} policy."
            for _ in range(12)
        )
        rows.append({"id": f"art-{i}", "title": f"{topic.title()} story {i}", "text": body})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _ingest_cmd(src: Path, home: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ui.cli",
        "ingest",
        str(src),
        "--home",
        str(home),
        "--no-progress",
        "--json",
    ]


def _query(home: Path, sql: str) -> list[tuple]:
    try:
        uri = f"{(home / 'catalog.sqlite3').resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=1)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet, or half created
        return []


def _generation(home: Path) -> int:
    rows = _query(home, "SELECT value FROM meta WHERE key='generation'")
    return int(rows[0][0]) if rows else 0


def _versions(home: Path) -> dict[str, int]:
    """How many articles hold each version; fails if one holds both or neither."""
    versions = {"first": 0, "second": 0}
    for (text,) in _query(home, "SELECT text FROM articles"):
        first, second = "In first report" in text, "In second report" in text
        assert first != second, text[:80]
        versions["second" if second else "first"] += 1
    return versions


def _kill_at(moment: Moment, src: Path, home: Path) -> None:
    start = _generation(home)
    proc = subprocess.Popen(
        _ingest_cmd(src, home),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    deadline = time.monotonic() + 300
    catalog = home / "catalog.sqlite3"

    def reached() -> bool:
        if moment.commits is None:
            return catalog.exists()
        return _generation(home) >= start + moment.commits

    while not reached():
        assert proc.poll() is None, f"ingest finished before {moment.name}"
        assert time.monotonic() < deadline, f"timed out waiting for {moment.name}"
        time.sleep(0.005)
    time.sleep(moment.delay)
    assert proc.poll() is None, f"ingest finished before {moment.name}"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL


def test_sigkill_at_several_moments_keeps_every_article_old_or_new(tmp_path: Path) -> None:
    home = tmp_path / "idx"
    sources = {v: _corpus(tmp_path / f"{v}.jsonl", N, v) for v in ("first", "second")}
    settings = settings_for(home)
    mixed = False
    for moment in MOMENTS:
        _kill_at(moment, sources[moment.version], home)
        report = check_index(settings.index)
        assert report.ok, (moment.name, report.problems)
        versions = _versions(home)
        assert sum(versions.values()) <= N
        mixed |= versions["first"] > 0 and versions["second"] > 0
    assert mixed, "no kill landed part-way through the replacement"

    before = _versions(home)
    done = subprocess.run(
        _ingest_cmd(sources["second"], home),
        cwd=REPO,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(done.stdout)
    assert summary["unchanged"] == before["second"]
    assert summary["updated"] == before["first"]
    assert summary["added"] == N - before["first"] - before["second"]
    assert check_index(settings.index).ok
    assert _versions(home) == {"first": 0, "second": N}
    assert not list(home.glob(".*.tmp"))  # temporary cache files of killed runs are gone
