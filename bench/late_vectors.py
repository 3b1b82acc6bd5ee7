"""Late vectors (#34): what retrieval loses when only each article's lead has a vector.

Simulated on a fully embedded whole-corpus index, so that every variant reads the very same
vectors: only passages among their article's first ``--leads`` are searched densely; with
``--late P`` the first P keyword candidates of each query that have no vector yet are scored
with their stored one and kept for later queries (query-time "late dense scoring"). Everything
else is the product's own retriever, answer engine and ``newsrag eval`` scoring. The index is
copied to a temporary directory first (an eval records the versions it cites).

Usage (docs/BENCHMARKS.md, "Late vectors"):
    .venv/bin/python bench/late_vectors.py --home /root/newsrag-bench/auto --leads 3 --late 0
    .venv/bin/python bench/late_vectors.py --home HOME --questions Q.jsonl --within-field result_ids
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.eval import run as eval_run  # noqa: E402
from assistant.requests import SearchMode  # noqa: E402
from assistant.retrieval import retriever as retrieval  # noqa: E402
from assistant.settings import AssistantSettings  # noqa: E402
from index import store  # noqa: E402

DEV = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"
KEYS = ("hits@10", "mrr@10", "answer_recall@5", "answer_recall@10", "answer_accuracy")


class Simulation:
    """The stored vectors of every chunk, and which of them count as computed so far."""

    def __init__(self, home: Path, leads: int, late: int) -> None:
        conn = sqlite3.connect(home / "catalog.sqlite3")
        rows = conn.execute("SELECT id, ordinal, embedding FROM chunks ORDER BY id").fetchall()
        conn.close()
        self.ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        self.row = {int(i): n for n, i in enumerate(self.ids)}
        blobs = [np.frombuffer(r[2], dtype=np.float16) for r in rows]
        self.vectors = np.stack(blobs).astype(np.float32)
        self.known = np.asarray([r[1] < leads for r in rows], dtype=bool)
        self.late, self.scored_late = late, 0

    def dense(self, query: np.ndarray, k: int, allowed: Any = None) -> list[tuple[int, float]]:
        mask = self.known.copy()
        if allowed is not None:
            wanted = np.zeros(len(self.ids), dtype=bool)
            wanted[[self.row[int(a)] for a in allowed if int(a) in self.row]] = True
            mask &= wanted
        rows = np.flatnonzero(mask)
        scores = self.vectors[rows] @ np.asarray(query, dtype=np.float32).reshape(-1)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(self.ids[rows[i]]), float(scores[i])) for i in best]

    def with_late(self, ranked: dict[str, Any], vector: np.ndarray, pool: int) -> dict[str, Any]:
        if not self.late or "dense" not in ranked or "keyword" not in ranked:
            return ranked
        late = [c for c, _ in ranked["keyword"][: self.late] if not self.known[self.row[c]]]
        if not late:
            return ranked
        self.scored_late += len(late)
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        for c in late:
            self.known[self.row[c]] = True
        extra = [(c, float(self.vectors[self.row[c]] @ query)) for c in late]
        merged = sorted(ranked["dense"] + extra, key=lambda pair: (-pair[1], pair[0]))
        return {**ranked, "dense": merged[:pool]}


def install(sim: Simulation) -> None:
    """Route the retriever's dense search through ``sim`` (this process only)."""
    store.NewsIndex.dense = lambda self, query, k, allowed=None: sim.dense(query, k, allowed)  # type: ignore[method-assign]
    encode, fuse = retrieval.Retriever._encode, retrieval.Retriever._fuse

    def _encode(self: Any, query: str, timings: dict[str, float]) -> np.ndarray:
        self._sim_vector = encode(self, query, timings)
        return self._sim_vector

    def _fuse(self: Any, ranked: dict[str, Any], filters: Any, query: str = "") -> Any:
        ranked = sim.with_late(ranked, self._sim_vector, self.settings.pool)
        return fuse(self, ranked, filters, query)

    retrieval.Retriever._encode = _encode  # type: ignore[method-assign]
    retrieval.Retriever._fuse = _fuse  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a fully embedded index")
    parser.add_argument("--questions", type=Path, default=DEV)
    parser.add_argument("--within-field", default=None, help="e.g. result_ids (rtqa-train)")
    parser.add_argument("--leads", type=int, default=3, help="passages per article with vectors")
    parser.add_argument("--late", type=int, default=0, help="keyword candidates scored late")
    parser.add_argument("--answers", action="store_true", help="also answer and score")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsrag-late-") as work:
        home = Path(work) / "home"
        shutil.copytree(args.home, home)
        sim = Simulation(home, args.leads, args.late)
        start = int(sim.known.sum())
        install(sim)
        started = time.perf_counter()
        report = eval_run.evaluate(
            AssistantSettings.from_env(home=str(home)),
            args.questions,
            [SearchMode.HYBRID],
            as_of_field="question_date",
            answers=args.answers,
            within_field=args.within_field,
        )
    metrics = report["metrics"]["hybrid"]
    print(
        json.dumps(
            {
                "leads": args.leads,
                "late": args.late,
                "questions": report["questions"],
                "with_vectors_at_start": start,
                "chunks": len(sim.ids),
                "scored_late": sim.scored_late,
                "seconds": round(time.perf_counter() - started, 1),
                **{k: metrics[k] for k in KEYS if k in metrics},
            }
        )
    )


if __name__ == "__main__":
    main()
