"""What watchlists cost an ingest: matching time per ingested article, by number of watchlists.

A copy of an index (``--index``, e.g. the report set of bench/briefing.py: 1,327 rtqa-train
articles of 2025), W query watchlists (rtqa-train 2023 quiz questions, or with ``--short``
short topics such as "Kherson"), then ``--articles`` new articles (rtqa-train 2023 results not
in the index) ingested through the ``Library``. The ingest and the matching run after it
(``ui.watching.match_after``: the new articles past each cursor, hybrid search restricted to
them) are timed apart. Each W on a fresh copy, side by side in one run.

    .venv/bin/python bench/watch_cost.py --index ~/newsrag-bench/briefing/report [--short]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TRAIN = REPO.parent / "shared" / "data" / "rtqa-train"

from index import Library  # noqa: E402
from ui.settings import Settings  # noqa: E402
from ui.watching import match_after, new_watchlist  # noqa: E402


def _new_articles(n: int, out: Path) -> None:
    with gzip.open(TRAIN / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        wanted = {r for line in handle for r in json.loads(line).get("result_ids") or ()}
    lines = []
    with gzip.open(TRAIN / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["id"] in wanted and (row.get("published_at") or "")[:4] == "2023":
                lines.append(line)
            if len(lines) == n:
                break
    out.write_text("".join(lines), encoding="utf-8")


SHORT = (  # what people follow: a place, a person, a topic
    "Kherson", "inflation", "Taylor Swift", "Federal Reserve interest rates", "wildfire",
    "Elon Musk Twitter", "NATO", "Supreme Court abortion", "climate change", "World Cup",
)  # fmt: skip


def _queries(n: int, short: bool = False) -> list[str]:
    if short:
        return list(SHORT[:n])
    with gzip.open(TRAIN / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [r["question"] for r in rows if r["week"].startswith("2023")][:n]


def run(
    index: Path, watchlists: int, articles: Path, tmp: Path, short: bool = False
) -> dict[str, float | str]:
    home = tmp / f"w{watchlists}{'s' if short else ''}"
    shutil.copytree(index, home)
    settings = Settings.from_env(home=str(home))
    with Library(settings.index) as door:
        for query in _queries(watchlists, short):
            new_watchlist(door, settings, query=query)
        started = time.perf_counter()
        summary = door.ingest([articles])
        ingest_s = time.perf_counter() - started
        started = time.perf_counter()
        report = match_after(door, settings)
        match_s = time.perf_counter() - started
    added = summary.added or 1
    return {
        "watchlists": watchlists,
        "queries": "short" if short else "quiz questions",
        "articles": added,
        "ingest_s": round(ingest_s, 2),
        "match_s": round(match_s, 3),
        "match_ms_per_article": round(1000 * match_s / added, 2),
        "match_share_of_ingest": round(match_s / ingest_s, 4),
        "items": report.total if report else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--watchlists", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--short", action="store_true", help="short topics (at most 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        new = Path(tmp) / "new.jsonl"
        _new_articles(args.articles, new)
        for w in args.watchlists:
            print(json.dumps(run(args.index, w, new, Path(tmp), args.short)), flush=True)


if __name__ == "__main__":
    main()
