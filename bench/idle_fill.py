"""What the idle vector filler of ``serve`` costs a request, and how fast it fills (issue #34).

A bulk ingest leaves most passages without a vector; a writable server fills them once it has
been idle ``NEWSRAG_BACKFILL_IDLE_S`` seconds, 32 at a time at the lowest priority, and pauses at
the next request. The request that arrives while a step runs shares the cores with it: this
script measures that. For each arm (filler off, filler on) it copies ``--home`` (the server
writes), starts ``newsrag serve`` on it, and sends one search every ``--gap`` seconds (longer
than the idle delay, so the filler is mid-step when a probe arrives), ``--probes`` times,
timing each; ``/api/health`` (a poll that leaves the server idle) says how many passages were
filled. Reads ../shared (dev questions); never part of CI.

Usage: .venv/bin/python bench/idle_fill.py --home DIR [--probes 20] [--gap 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import DEV, load_questions, percentile, start_server, wait_ready

REPO = Path(__file__).resolve().parent.parent
ARMS = {"filler off": "0", "filler on": "5"}  # NEWSRAG_BACKFILL_IDLE_S


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--home", type=Path, required=True, help="an index with passages awaiting")
    p.add_argument("--probes", type=int, default=20, help="searches per arm (default 20)")
    p.add_argument("--gap", type=float, default=7.0, help="seconds between probes (default 7)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="one JSON object as the last line")
    return p.parse_args(argv)


def server_args(home: Path, idle_s: str) -> argparse.Namespace:
    """What ``load.start_server`` reads, for one writable server on ``home``."""
    return argparse.Namespace(
        home=home,
        port=0,
        replicas=1,
        repo=REPO,
        encoder="auto",
        ask_concurrency=None,
        env=[f"NEWSRAG_BACKFILL_IDLE_S={idle_s}"],
    )


def vectors(base: str) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{base}/api/health", timeout=30).json()["vectors"]
    return found


def run_arm(source: Path, idle_s: str, questions: list[str], args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="newsrag-idle-fill-") as tmp:
        home = Path(shutil.copytree(source, Path(tmp) / "index"))
        server = start_server(server_args(home, idle_s))
        try:
            wait_ready(server)
            before = vectors(server.base)
            ms: list[float] = []
            started = time.monotonic()
            with httpx.Client(base_url=server.base, timeout=60) as client:
                client.get("/api/search", params={"q": questions[0], "k": 10})  # warm
                for question in questions[1 : args.probes + 1]:
                    time.sleep(args.gap)
                    t = time.perf_counter()
                    client.get("/api/search", params={"q": question, "k": 10}).raise_for_status()
                    ms.append((time.perf_counter() - t) * 1000)
                    print(f"  {idle_s=} probe {len(ms)}: {ms[-1]:.0f} ms", file=sys.stderr)
            after = vectors(server.base)
            seconds = time.monotonic() - started
        finally:
            server.stop()
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95) or 0.0, 1),
        "max_ms": round(max(ms), 1),
        "awaiting_before": before["awaiting"],
        "filled": after["filled"],
        "filled_per_min": round(after["filled"] * 60 / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    questions = load_questions(DEV)
    random.Random(args.seed).shuffle(questions)
    report = {arm: run_arm(args.home, idle, questions, args) for arm, idle in ARMS.items()}
    print("| arm | search p50 ms | p95 | max | passages filled | per minute |")
    print("|---|---|---|---|---|---|")
    for arm, r in report.items():
        print(
            f"| {arm} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['filled']} of "
            f"{r['awaiting_before']} | {r['filled_per_min']} |"
        )
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
