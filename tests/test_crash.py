"""A SIGKILL part-way through ingest leaves each article in its old or its new state."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from index import NewsIndex, check_index
from tests.conftest import REPO, settings_for

TOPICS = ["harbour", "election", "vaccine", "drought", "railway", "budget", "festival", "strike"]


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


def _articles(home: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{home / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_sigkill_during_ingest_keeps_the_index_consistent(tmp_path: Path) -> None:
    home = tmp_path / "idx"
    n = 60
    old = _corpus(tmp_path / "old.jsonl", n, "first")
    subprocess.run(_ingest_cmd(old, home), cwd=REPO, check=True, capture_output=True)
    new = _corpus(tmp_path / "new.jsonl", n, "second")
    env = {**os.environ, "NEWSRAG_COMMIT_CHUNKS": "8"}  # many small transactions
    proc = subprocess.Popen(
        _ingest_cmd(new, home),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    start_gen = _generation(home)
    deadline = time.monotonic() + 300
    while _generation(home) < start_gen + 1 and time.monotonic() < deadline:
        assert proc.poll() is None, "ingest finished before it could be killed"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    settings = settings_for(home)
    report = check_index(settings)
    assert report.ok, report.problems
    index = NewsIndex.open(settings)
    versions = {"first": 0, "second": 0}
    for row in index.catalog.conn.execute("SELECT text FROM articles"):
        versions["second" if "In second report" in row[0] else "first"] += 1
        assert ("In second report" in row[0]) != ("In first report" in row[0])
    index.close()
    assert versions["second"] > 0 and versions["first"] > 0  # killed part-way
    assert sum(versions.values()) == n

    done = subprocess.run(
        _ingest_cmd(new, home), cwd=REPO, check=True, capture_output=True, text=True
    )
    summary = json.loads(done.stdout)
    assert summary["unchanged"] == versions["second"]
    assert summary["updated"] == versions["first"]
    assert check_index(settings).ok
    assert _articles(home) == n


def _generation(home: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{home / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=1)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
            return int(row[0]) if row else 0
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
