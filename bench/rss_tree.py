"""Run a command and report the peak RSS summed over its whole process tree.

``/usr/bin/time -v`` reports the largest single process; ``newsrag ingest --workers N`` runs a
writer plus N workers, so the memory bound of the fast-ingest issue needs the sum. Samples
``/proc`` every 0.5 s (Linux only); prints one JSON line on stderr when the command ends.

Usage: .venv/bin/python bench/rss_tree.py COMMAND [ARGS...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from proctree import descendants, rss_kib

POLL_S = 0.5


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    started = time.monotonic()
    proc = subprocess.Popen(argv)
    peak, at_peak = 0, 0
    while proc.poll() is None:
        pids = [proc.pid, *descendants(proc.pid)]
        total = sum(rss_kib(p) for p in pids)
        if total > peak:
            peak, at_peak = total, len(pids)
        time.sleep(POLL_S)
    summary = {
        "exit": proc.returncode,
        "peak_tree_rss_mib": round(peak / 1024, 1),
        "processes_at_peak": at_peak,
        "wall_s": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary), file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
