"""The reading-alone benchmark's data (issue #29): rtqa-train questions of some weeks and the
articles of their search results (``result_ids``), as a question file for ``newsrag eval`` and a
corpus for ``newsrag ingest``. Nothing here is committed: both go to ``--out``.

Usage:
    B=/root/newsrag-bench/rt25
    .venv/bin/python bench/rtqa_train_slice.py --weeks 2025 --every 3 --out $B
    .venv/bin/newsrag ingest $B/corpus.jsonl --home $B/home
    .venv/bin/newsrag eval $B/questions.jsonl --home $B/home --as-of-field question_date \\
        --within-field result_ids --answers --json

``--every N`` keeps every Nth week (in date order, the first kept), so a slice spans the year.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "rtqa-train"


def slice_weeks(prefix: str, every: int, data: Path = DATA) -> tuple[list[dict], set[str]]:
    """The questions of every ``every``-th week whose id starts with ``prefix``, that list
    result ids; and those ids."""
    with gzip.open(data / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        questions = [json.loads(line) for line in handle]
    weeks = sorted({q["week"] for q in questions if q["week"].startswith(prefix)})
    kept = set(weeks[::every])
    chosen = [q for q in questions if q["week"] in kept and q.get("result_ids")]
    return chosen, {i for q in chosen for i in q["result_ids"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", default="2025", help="week prefix, e.g. 2025 or 202503")
    parser.add_argument("--every", type=int, default=1, help="keep every Nth week")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    questions, ids = slice_weeks(args.weeks, args.every)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "questions.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(q) + "\n" for q in questions)
    found = 0
    with (
        gzip.open(DATA / "corpus.jsonl.gz", "rt", encoding="utf-8") as corpus,
        (args.out / "corpus.jsonl").open("w", encoding="utf-8") as out,
    ):
        for line in corpus:
            if json.loads(line)["id"] in ids:
                out.write(line)
                found += 1
    print(f"{len(questions)} questions, {found} of {len(ids)} result articles -> {args.out}")


if __name__ == "__main__":
    main()
