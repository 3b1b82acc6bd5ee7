"""Retrieval ablations on the rtqa-news dev questions over one index (reads ../shared; not CI).

Runs ``newsrag eval`` (assistant.eval.run.evaluate) once per row below on the same index and
chunks, with ``question_date`` as the as-of date, and prints a markdown table for
docs/BENCHMARKS.md. Each row changes one setting of the default (hybrid) configuration.

Usage: .venv/bin/python bench/retrieval_ablation.py --home /path/to/full-corpus-index [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
QUESTIONS = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"

from assistant.eval.run import evaluate  # noqa: E402
from assistant.requests import SearchMode  # noqa: E402
from ui.settings import Settings  # noqa: E402

# (row name, retrieval mode, settings changed from the defaults)
ROWS: list[tuple[str, SearchMode, dict[str, Any]]] = [
    ("hybrid (default)", SearchMode.HYBRID, {}),
    ("dense", SearchMode.DENSE, {}),
    ("keyword (FTS5 bm25)", SearchMode.KEYWORD, {}),
    ("hybrid, no as-of recent lists", SearchMode.HYBRID, {"recent_weight": 0.0}),
    ("hybrid, no time prior at all", SearchMode.HYBRID, {"recent_weight": 0.0, "time_weight": 0.0}),
    ("hybrid, no near-duplicate collapse", SearchMode.HYBRID, {"dedup": False}),
    ("hybrid, 1 passage per article", SearchMode.HYBRID, {"per_article": 1}),
    ("hybrid, recent lists over 14 days", SearchMode.HYBRID, {"recent_days": 14}),
]
COLUMNS = ["hits@1", "hits@5", "hits@10", "mrr@10", "answer_recall@5", "answer_recall@10"]
LATENCY = ["latency_p50_ms", "latency_p95_ms"]


def run(home: Path, questions: Path, limit: int | None) -> list[dict[str, Any]]:
    from tqdm import tqdm

    base = Settings.from_env(home=str(home))
    results = []
    for name, mode, changes in tqdm(ROWS, desc="ablations", unit="row", file=sys.stderr):
        settings = base.with_values(**changes)
        report = evaluate(settings, questions, [mode], "question_date", limit=limit)
        metrics = report["metrics"][mode.value]
        results.append({"row": name, "mode": mode.value, "changes": changes, **metrics})
    return results


def table(results: list[dict[str, Any]]) -> str:
    head = ["configuration", "n (gold)", *COLUMNS, "p50 ms", "p95 ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r["row"], str(r["n_article"])]
        cells += [f"{r[c]:.3f}" for c in COLUMNS] + [f"{r[c]:.0f}" for c in LATENCY]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a whole-corpus index")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--json", action="store_true", help="also print the rows as one JSON line")
    args = parser.parse_args()
    results = run(args.home, args.questions, args.limit)
    print(table(results))
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
