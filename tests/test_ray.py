"""Ingest on a real Ray (issue #19): a private Ray started by the ingest, and a two-node cluster
on 127.0.0.1 (``ray start --head`` plus a second ``ray start --address`` with its own
resources) build the index a single process builds — the same articles, copies, offsets, token
counts and embed hashes, vectors within float rounding; an encoder actor SIGKILLed mid-ingest
is restarted and its block run again, the index still identical; the writer SIGKILLed leaves
a catalog ``check`` accepts, a re-run completes it, and no Ray process outlives it.

The packaged model; Ray comes from ``make test`` (the ``ray`` extra). Without it the tests are
skipped, except in CI, where they must run."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import Ingestor, NewsIndex, check_index, iter_articles
from index.settings import Executor
from tests.conftest import REPO, settings_for
from tests.test_sharding import OVERRIDES, _corpus, _cosines, _ingest, _snapshot
from ui.settings import Settings

try:
    import ray
except ImportError:  # pragma: no cover - CI installs it
    ray = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        ray is None and not os.environ.get("CI"),
        reason="Ray is not installed: make test installs the ray extra",
    ),
]
RAY_BIN = Path(sys.executable).with_name("ray")
SENTENCES = [
    "The council approved the harbour budget after a long debate on Tuesday.",
    "Engineers said the bridge cables had corroded faster than expected.",
    "The ferry operator cancelled two sailings because of the storm.",
    "Police closed the coastal road while crews cleared fallen trees.",
    "Teachers at the island school asked for more funding for transport.",
    "The mayor promised a review of the repairs before the winter.",
    "Fishermen reported the largest catch of the season at the pier.",
    "A new wind farm will supply power to four thousand homes by 2027.",
]


def _stories(folder: Path, count: int = 48) -> Path:
    """``count`` made-up articles of a few hundred words each (many blocks of work)."""
    rows = []
    for n in range(count):
        body = " ".join(
            f"{SENTENCES[(n + i) % len(SENTENCES)][:-1]}, report {n} line {i}." for i in range(24)
        )
        rows.append({"id": f"story-{n:03d}", "title": f"Island report {n}", "text": body})
    path = folder / "stories.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _corpus(tmp_path_factory.mktemp("ray") / "corpus")
    _stories(folder)
    return folder


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The index one process builds (no Ray)."""
    settings = settings_for(tmp_path_factory.mktemp("one") / "index", **OVERRIDES)
    _ingest(settings, [corpus], workers=1)
    return _snapshot(settings)


def _on_ray(home: Path, address: str = "") -> Settings:
    return settings_for(home, executor=Executor.RAY, ray_address=address, **OVERRIDES)


def _same_index(settings: Settings, reference: tuple) -> None:
    articles, chunks, vectors = _snapshot(settings)
    assert articles == reference[0]  # ids, copies, text and content hashes
    assert chunks == reference[1]  # offsets, token counts, embed hashes, in order
    assert _cosines(vectors, reference[2]).min() >= 0.999  # float rounding
    assert check_index(settings.index).ok


def test_a_private_ray_builds_the_single_process_index(
    corpus: Path, reference: tuple, tmp_path: Path
) -> None:
    settings = _on_ray(tmp_path / "index")
    summary = _ingest(settings, [corpus], workers=2)
    assert summary.added == 51 and summary.copies == 1 and summary.failed == 0
    _same_index(settings, reference)
    assert not ray.is_initialized()  # the ingest's own Ray was stopped after it
    assert not list((tmp_path / "index").glob(".shards-*/*"))  # shards came back in memory


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray_cli(*args: str) -> None:
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run([str(RAY_BIN), *args], env=env, timeout=120, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


@pytest.fixture()
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A head and a second node on 127.0.0.1, one CPU each (each holds one encoder actor),
    with Ray's token authentication: every node and the ingest share the token."""
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_AUTH_TOKEN", secrets.token_hex(32))
    temp = Path("/tmp") / f"ray-{os.getpid()}"  # a short path: Ray's sockets live in it
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus=1", "--disable-usage-stats"]
    try:
        _ray_cli(
            "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1",
            "--include-dashboard=false", f"--temp-dir={temp}", *common,
        )  # fmt: skip
        _ray_cli(
            "start", f"--address={address}", "--node-ip-address=127.0.0.1",
            '--resources={"second_node": 1}', *common,
        )  # fmt: skip
        yield address
    finally:
        subprocess.run([str(RAY_BIN), "stop", "--force"], capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


def test_a_two_node_cluster_builds_the_single_process_index(
    corpus: Path, reference: tuple, cluster: str, tmp_path: Path
) -> None:
    """The ingest command a user runs against a cluster. Two actors of one CPU each on two
    nodes of one CPU each: one actor per node, or the ingest could not finish."""
    home = tmp_path / "index"
    command = [sys.executable, "-m", "ui.cli", "ingest", str(corpus), "--home", str(home)]
    command += ["--executor", "ray", "--ray-address", cluster, "--workers", "2", "--json"]
    env = {**os.environ, "NEWSRAG_COMMIT_CHUNKS": "4", "NEWSRAG_PRECISION": "fp32"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    summary = json.loads(done.stdout)
    assert (summary["added"], summary["copies"], summary["failed"]) == (51, 1, 0)
    _same_index(_on_ray(home, cluster), reference)


def test_an_encoder_actor_killed_mid_ingest_is_replaced_and_its_block_run_again(
    corpus: Path, reference: tuple, tmp_path: Path
) -> None:
    from index.ingest.ray_executor import ray_shard_stage

    settings = _on_ray(tmp_path / "index")
    index = NewsIndex.open(settings.index, create=True)
    try:
        stage = ray_shard_stage(index, 2)
        victim = stage.executor.pids()[0]  # type: ignore[attr-defined]
        start = index.catalog.generation
        killed = threading.Event()

        def kill_after_first_commit() -> None:
            watcher = NewsIndex.open(settings.index)
            try:
                while watcher.catalog.generation <= start + 1:
                    time.sleep(0.02)
            finally:
                watcher.close()
            os.kill(victim, signal.SIGKILL)
            killed.set()

        threading.Thread(target=kill_after_first_commit, daemon=True).start()
        with index.write_lock():
            summary = Ingestor(index, None, stage).run(iter_articles([corpus]))
    finally:
        index.close()
    assert killed.is_set() and summary.failed == 0
    _same_index(settings, reference)


def _ray_processes() -> list[str]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "NewsragEncoder" in cmdline or "raylet" in cmdline or "gcs_server" in cmdline:
            found.append(f"{proc.name}: {cmdline[:120]}")
    return found


def test_a_killed_writer_leaves_a_checked_index_a_rerun_completes_and_no_ray_behind(
    corpus: Path, reference: tuple, tmp_path: Path
) -> None:
    home = tmp_path / "index"
    settings = _on_ray(home)
    env = {**os.environ, "NEWSRAG_COMMIT_CHUNKS": "4", "NEWSRAG_PRECISION": "fp32"}
    command = [sys.executable, "-m", "ui.cli", "ingest", str(corpus), "--home", str(home)]
    command += ["--executor", "ray", "--workers", "2", "--no-progress"]
    writer = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE)
    try:
        catalog = settings.index.catalog_path
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and writer.poll() is None:
            if catalog.exists() and _articles(catalog) >= 5:
                break
            time.sleep(0.05)
        assert writer.poll() is None, "the ingest ended before it could be killed"
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        writer.kill()
    assert check_index(settings.index).ok  # what was committed is whole

    deadline = time.monotonic() + 60
    while _ray_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _ray_processes() == []  # no actor, raylet or GCS outlived the writer

    again = _ingest(settings, [corpus], workers=2)
    assert again.failed == 0 and again.added + again.unchanged + again.copies >= 51
    _same_index(settings, reference)


def _articles(catalog: Path) -> int:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
