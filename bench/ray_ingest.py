"""Ingest through the local executor and through Ray, one after the other in one run.

The same articles (the first ``--articles`` of ../shared/data/rtqa-news/corpus.jsonl, default
all 3,775) go into two fresh homes: ``--executor local`` (2 worker processes, 1 encoder thread
each) and ``--executor ray`` (a private Ray on this machine, 2 encoder actors of 1 CPU each).
Printed: wall seconds, chunks, the writer's and the workers' CPU seconds, CPU seconds per
chunk, and Ray's overhead (its wall time over the local one's, minus one), and that both
indexes hold the same chunks (offsets and embed hashes).

    .venv/bin/python bench/ray_ingest.py [--articles N] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "data" / "rtqa-news" / "corpus.jsonl"

from index import Ingestor, NewsIndex, iter_articles  # noqa: E402
from index.ingest.sharding import local_shard_stage  # noqa: E402
from index.settings import Executor, IndexSettings  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _chunk_rows(catalog: Path) -> list[tuple]:
    """The chunks the ingest wrote, read on a read-only connection of the bench's own."""
    conn = sqlite3.connect(f"{catalog.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(
            'SELECT article_id, ordinal, start, "end", embed_hash FROM chunks '
            "ORDER BY article_id, ordinal"
        ).fetchall()
    finally:
        conn.close()


def _run(executor: Executor, source: Path, home: Path) -> dict[str, Any]:
    settings = IndexSettings.from_env(home=home, executor=executor, encoder_threads=1)
    index = NewsIndex.open(settings, create=True)
    try:
        started, cpu = time.perf_counter(), _cpu()
        if executor == Executor.RAY:
            from index.ingest.ray_executor import ray_shard_stage

            stage = ray_shard_stage(index, 2)
        else:
            stage = local_shard_stage(index, 2, threads=1)
        with index.write_lock():
            summary = Ingestor(index, None, stage).run(iter_articles([source]))
        wall = time.perf_counter() - started
        writer_cpu = _cpu() - cpu
        rows = _chunk_rows(settings.catalog_path)
    finally:
        index.close()
    workers_cpu = stage.worker_cpu_s
    return {
        "executor": executor.value,
        "wall_s": round(wall, 1),
        "articles": summary.added,
        "chunks": summary.chunks,
        "writer_cpu_s": round(writer_cpu, 1),
        "workers_cpu_s": round(workers_cpu, 1),
        "cpu_ms_per_chunk": round(1000 * (writer_cpu + workers_cpu) / max(1, summary.chunks), 1),
        "_chunks": [tuple(r) for r in rows],
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=0, help="first N articles (0: all)")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsrag-ray-bench-"))
    try:
        source = work / "corpus.jsonl"
        with CORPUS.open(encoding="utf-8") as src, source.open("w", encoding="utf-8") as out:
            for n, line in enumerate(src):
                if args.articles and n >= args.articles:
                    break
                out.write(line)
        runs = [_run(e, source, work / e.value) for e in (Executor.LOCAL, Executor.RAY)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    local, ray = runs
    same = local.pop("_chunks") == ray.pop("_chunks")
    result = {
        "cpu": _cpu_name(),
        "runs": runs,
        "ray_overhead": round(ray["wall_s"] / local["wall_s"] - 1, 3),
        "same_chunks": same,
    }
    if not args.json:
        for r in runs:
            print(
                f"{r['executor']:5}  {r['wall_s']:8.1f} s  {r['chunks']} chunks  writer "
                f"{r['writer_cpu_s']} CPU-s  workers {r['workers_cpu_s']} CPU-s  "
                f"{r['cpu_ms_per_chunk']} CPU-ms/chunk"
            )
        print(
            f"Ray overhead: {100 * result['ray_overhead']:.1f} % of wall time; same chunks: {same}"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
