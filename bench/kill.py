"""Crash benchmark: SIGKILL a real ``newsrag ingest`` at many moments; the index must survive.

A slice of the rtqa-news corpus (the first N lines) is ingested by the real command line
(``.venv/bin/newsrag ingest SLICE --home HOME``) and killed with SIGKILL again and again, each
time at another moment: some kills come a random delay after start-up (opening the catalog,
loading the model, the first batch), the others once the catalog shows a target number of
committed articles (targets spread over the whole slice), plus a random delay so that they land
anywhere in the embed / write / commit cycle. Each kill is followed by ``newsrag check``, which
opens the index and must exit 0. Each restart resumes where the last commit left off. At the end
an ingest runs to completion and every loadable article of the slice must be present exactly
once (``newsrag stats --json`` "articles" equals the number of distinct input ids, and the
catalog holds exactly those ids), with no temporary files left behind.

Usage: .venv/bin/python bench/kill.py [-n 300] [--kills 20] [--seed 0] [--encoder onnx-int8]
                                      [--workers N]
                                      [--json] [--keep] [--home DIR]
A progress bar goes to stderr; stdout gets a markdown table (header and row to paste) and, with
--json, the summary as the last line. Exit status 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus_slice import write_first_lines  # noqa: E402
from proctree import descendants, running  # noqa: E402

CORPUS = REPO.parent / "shared" / "data" / "rtqa-news" / "corpus.jsonl"
POLL_S = 0.02
RUN_TIMEOUT_S = 3600.0
STARTUP_WINDOW_S = 4.0  # start-up kills land in [0.05, this) seconds after the spawn
STARTUP_EVERY = 5  # every 5th kill (the first included) is a start-up kill
ORPHAN_WAIT_S = 5.0  # a killed writer's worker processes must be gone by then


@dataclass
class Moment:
    kind: str  # "startup": a delay after the spawn; "progress": after a committed-article target
    target: int  # articles the catalog must hold first (progress kills)
    delay: float  # seconds after the spawn (startup) or after the target is reached (progress)


@dataclass
class Kill:
    n: int
    kind: str
    target: int
    delay_s: float
    alive_s: float  # from spawn to SIGKILL
    articles_before: int
    articles_after: int
    generation: int
    check_ok: bool
    problem: str = ""
    orphans: int = 0  # worker processes of the killed ingest still alive after ORPHAN_WAIT_S


@dataclass
class Outcome:
    kills: list[Kill] = field(default_factory=list)
    missed: int = 0  # runs that finished before their kill moment


class Home:
    """The index directory under test, read through a read-only SQLite connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.catalog = path / "catalog.sqlite3"

    def query(self, sql: str) -> list[tuple]:
        if not self.catalog.exists() or not self.catalog.stat().st_size:
            return []
        try:
            conn = sqlite3.connect(f"{self.catalog.resolve().as_uri()}?mode=ro", uri=True)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        except sqlite3.Error:  # not created yet, or its schema is half written
            return []

    def articles(self) -> int:
        rows = self.query("SELECT count(*) FROM articles")
        return int(rows[0][0]) if rows else 0

    def generation(self) -> int:
        rows = self.query("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0][0]) if rows else 0

    def ids(self) -> list[str]:
        return [r[0] for r in self.query("SELECT id FROM articles")]

    def stray_files(self) -> list[str]:
        """Temporary files and shard folders (``--workers``) nobody cleaned up."""
        from index.ingest.sharding import SHARD_DIR_PREFIX

        left = [*self.path.glob(".*.tmp"), *self.path.glob(f"{SHARD_DIR_PREFIX}*")]
        return sorted(p.name for p in left)


def newsrag() -> list[str]:
    script = REPO / ".venv" / "bin" / "newsrag"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ui.cli"]


def loadable_ids(path: Path) -> tuple[set[str], int]:
    """Distinct ids of the articles the loaders accept, and how many lines they skip."""
    from index import Article, iter_articles

    ids: set[str] = set()
    problems = 0
    for item in iter_articles([path]):
        if isinstance(item, Article):
            ids.add(item.id)
        else:
            problems += 1
    return ids, problems


def plan(kills: int, expected: int, rng: random.Random, jitter: float) -> list[Moment]:
    """Start-up kills every ``STARTUP_EVERY``th; the rest at targets spread over the slice."""
    startup = [i for i in range(kills) if i % STARTUP_EVERY == 0]
    progress = [i for i in range(kills) if i % STARTUP_EVERY != 0]
    targets = iter(round(expected * (j + 1) / (len(progress) + 1)) for j in range(len(progress)))
    moments = []
    for i in range(kills):
        if i in startup:
            moments.append(Moment("startup", 0, rng.uniform(0.05, STARTUP_WINDOW_S)))
        else:
            moments.append(Moment("progress", next(targets), rng.uniform(0.0, jitter)))
    return moments


def spawn_ingest(src: Path, home: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [*newsrag(), "ingest", str(src), "--home", str(home), "--no-progress", "--json"]
    return subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_for(moment: Moment, proc: subprocess.Popen[bytes], home: Home) -> float | None:
    """Sleep until the moment comes; the time of the kill, or None when the run ended first."""
    if moment.kind == "progress":
        target = max(moment.target, home.articles() + 1)  # at least one commit of this run
        while home.articles() < target:
            if proc.poll() is not None:
                return None
            time.sleep(POLL_S)
    deadline = time.monotonic() + moment.delay
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        time.sleep(min(POLL_S, max(deadline - time.monotonic(), 0)))
    return time.monotonic()


def check(home: Path, env: dict[str, str]) -> tuple[bool, str]:
    done = subprocess.run(
        [*newsrag(), "check", "--json", "--home", str(home)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    if done.returncode == 0:
        return True, ""
    return False, (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]


def one_kill(n: int, moment: Moment, src: Path, home: Home, env: dict[str, str]) -> Kill | None:
    """Spawn, kill at the moment, check. None when the ingest finished before the moment."""
    before = home.articles()
    started = time.monotonic()
    proc = spawn_ingest(src, home.path, env)
    at = wait_for(moment, proc, home)
    workers = descendants(proc.pid)
    if at is not None:
        proc.send_signal(signal.SIGKILL)
    code = proc.wait(timeout=RUN_TIMEOUT_S)
    if code != -signal.SIGKILL:  # it exited on its own before the signal
        return None
    orphans = still_alive(workers, ORPHAN_WAIT_S)
    ok, problem = check(home.path, env)
    return Kill(
        n=n,
        kind=moment.kind,
        target=moment.target,
        delay_s=round(moment.delay, 3),
        alive_s=round((at or time.monotonic()) - started, 2),
        articles_before=before,
        articles_after=home.articles(),
        generation=home.generation(),
        check_ok=ok,
        problem=problem,
        orphans=orphans,
    )


def still_alive(pids: list[int], wait_s: float) -> int:
    """How many of ``pids`` are still running ``wait_s`` seconds from now (zombies count dead)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and any(running(p) for p in pids):
        time.sleep(0.1)
    return sum(running(p) for p in pids)


def kill_loop(
    moments: list[Moment], src: Path, home: Home, env: dict[str, str], bar: Any, verbose: bool
) -> Outcome:
    outcome = Outcome()
    for moment in moments:
        kill = one_kill(len(outcome.kills) + 1, moment, src, home, env)
        if kill is None:
            outcome.missed += 1
        else:
            outcome.kills.append(kill)
            if verbose:
                print(json.dumps(asdict(kill)), file=sys.stderr)
        failures = sum(not k.check_ok for k in outcome.kills)
        bar.set_postfix(articles=home.articles(), failures=failures, refresh=False)
        bar.update(1)
    return outcome


def finish(src: Path, home: Home, env: dict[str, str]) -> dict[str, Any]:
    """Ingest to completion, check, and count."""
    cmd = [*newsrag(), "ingest", str(src), "--home", str(home.path), "--no-progress", "--json"]
    done = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    ok, problem = check(home.path, env)
    stats = subprocess.run(
        [*newsrag(), "stats", "--json", "--home", str(home.path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    return {
        "final_ingest_exit": done.returncode,
        "final_summary": {k: summary.get(k) for k in ("added", "unchanged", "updated", "skipped")},
        "final_check_ok": ok,
        "final_problem": problem,
        "final_articles": json.loads(stats.stdout)["articles"] if stats.returncode == 0 else -1,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    work = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="newsrag-kill-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / "slice.jsonl"
    lines = len(write_first_lines(Path(args.corpus), args.articles, src))
    expected_ids, skipped = loadable_ids(src)
    home = Home(work / "index")
    if home.path.exists():
        shutil.rmtree(home.path)
    env = {
        **os.environ,
        "NEWSRAG_ENCODER": args.encoder,
        "NEWSRAG_COMMIT_CHUNKS": str(args.commit_chunks),
        "NEWSRAG_WORKERS": str(args.workers),
    }
    moments = plan(args.kills, len(expected_ids), random.Random(args.seed), args.jitter)
    from tqdm import tqdm

    bar = tqdm(total=len(moments) + 1, desc="kills", file=sys.stderr, disable=args.no_progress)
    try:
        outcome = kill_loop(moments, src, home, env, bar, args.verbose)
        final = finish(src, home, env)
        bar.update(1)
    finally:
        bar.close()
    ids = home.ids()
    result = summarize(outcome, final, lines, skipped, expected_ids, ids, home, args)
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    if not args.keep and not args.home:
        shutil.rmtree(work, ignore_errors=True)
    return result


def summarize(
    outcome: Outcome,
    final: dict[str, Any],
    lines: int,
    skipped: int,
    expected_ids: set[str],
    ids: list[str],
    home: Home,
    args: argparse.Namespace,
) -> dict[str, Any]:
    kills = outcome.kills
    at_kill = [k.articles_after for k in kills]
    result: dict[str, Any] = {
        "slice_lines": lines,
        "skipped_lines": skipped,
        "expected": len(expected_ids),
        "kills": len(kills),
        "startup_kills": sum(k.kind == "startup" for k in kills),
        "progress_kills": sum(k.kind == "progress" for k in kills),
        "missed": outcome.missed,
        "check_failures": sum(not k.check_ok for k in kills),
        "problems": [k.problem for k in kills if not k.check_ok],
        "articles_at_kills": at_kill,
        "alive_s_median": round(statistics.median([k.alive_s for k in kills]), 2) if kills else 0,
        **final,
        "ids_match": set(ids) == expected_ids and len(ids) == len(set(ids)),
        "stray_files": home.stray_files(),
        "orphan_workers": sum(k.orphans for k in kills),
        "encoder": args.encoder,
        "workers": args.workers,
        "commit_chunks": args.commit_chunks,
        "seed": args.seed,
    }
    result["ok"] = (
        result["check_failures"] == 0
        and final["final_check_ok"]
        and final["final_ingest_exit"] == 0
        and final["final_articles"] == len(expected_ids)
        and result["ids_match"]
        and not result["stray_files"]
        and result["orphan_workers"] == 0
        and len(kills) >= args.kills
    )
    return result


def table(result: dict[str, Any]) -> str:
    head = (
        "| slice | kills (start-up / mid-run) | check failures | final articles / expected "
        "| leftovers | elapsed | encoder |"
    )
    rule = "|---|---|---|---|---|---|---|"
    row = (
        f"| first {result['slice_lines']} lines ({result['expected']} articles) "
        f"| {result['kills']} ({result['startup_kills']} / {result['progress_kills']}) "
        f"| {result['check_failures']} | {result['final_articles']} / {result['expected']} "
        f"| {len(result['stray_files'])} | {result['elapsed_s']:.0f} s "
        f"| {result['encoder']}, workers {result['workers']} |"
    )
    return "\n".join([head, rule, row])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="SIGKILL a real 'newsrag ingest' at many moments; after each kill "
        "'newsrag check' must pass, and a final ingest must hold every article exactly once."
    )
    parser.add_argument("--corpus", default=str(CORPUS), help="JSONL corpus (rtqa-news)")
    parser.add_argument(
        "-n", "--articles", type=int, default=300, help="first N lines (default 300)"
    )
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the moments")
    parser.add_argument(
        "--encoder",
        default="onnx-int8",
        choices=["auto", "torch", "onnx", "onnx-int8"],
        help="NEWSRAG_ENCODER of the ingest processes (default onnx-int8: fast start-up)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="NEWSRAG_WORKERS of the ingest processes"
    )
    parser.add_argument(
        "--commit-chunks",
        type=int,
        default=32,
        help="NEWSRAG_COMMIT_CHUNKS: chunks per transaction (default 32: many commits)",
    )
    parser.add_argument(
        "--jitter", type=float, default=2.0, help="max random delay after a target, seconds"
    )
    parser.add_argument("--home", help="work directory (default: a temporary one, removed)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--json", action="store_true", help="summary as JSON on the last line")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("-v", "--verbose", action="store_true", help="one JSON line per kill")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(args.corpus).exists():
        print(f"kill: {args.corpus} not found (benchmarks read ../shared)", file=sys.stderr)
        return 1
    result = run(args)
    print(table(result))
    if args.json:
        print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
