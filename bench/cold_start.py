"""Cold start: seconds from starting ``newsrag serve`` on an installed clone to the first 200 on
``/`` (the chat page) and to the first answer of ``POST /api/ask``, over a copy of an index
(default: the sample index ``make run`` builds). Median of ``--runs`` starts, each a new process.

Usage: .venv/bin/python bench/cold_start.py [--home data/index] [--runs 5] [--fresh-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.live_server import free_port  # noqa: E402


def _until_ok(call: object, deadline: float) -> float:
    while time.monotonic() < deadline:
        try:
            if call().status_code == 200:  # type: ignore[operator]
                return time.monotonic()
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError("no answer in time")


def one_start(home: Path, cache: Path | None) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "NEWSRAG_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    if cache is not None:  # a first start on this machine: the encoder is exported again
        env["NEWSRAG_CACHE_DIR"] = str(cache)
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "newsrag"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = started + 120
        page = _until_ok(lambda: httpx.get(base + "/", timeout=30), deadline)
        ask = _until_ok(
            lambda: httpx.post(
                base + "/api/ask", json={"question": "How many drones were launched?"}, timeout=60
            ),
            deadline,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return {"page_s": page - started, "first_answer_s": ask - started}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=REPO / "data" / "index")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh-cache", action="store_true", help="an empty cache every start")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(shutil.copytree(args.home, Path(tmp) / "index"))
        for i in range(args.runs):
            cache = Path(tmp) / f"cache-{i}" if args.fresh_cache else None
            runs.append(one_start(home, cache))
    report = {
        key: round(statistics.median(r[key] for r in runs), 2)
        for key in ("page_s", "first_answer_s")
    }
    print(json.dumps({"runs": args.runs, "median": report, "each": runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
