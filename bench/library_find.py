"""The Library's reads on an index (issue #30 point 8): a page of the newest articles with the
key of each one's first passage, a search-box query (every word in the title or outlet), and the
stamp an open page polls every few seconds. Median of 20 runs each, warm.

Usage: .venv/bin/python bench/library_find.py --home PATH_TO_INDEX
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import Library, NewsIndex  # noqa: E402
from ui.settings import Settings  # noqa: E402

QUERIES = ("", "cnn", "ukraine war", "zebra crossings")


def median_ms(run: Callable[[], object], n: int = 20) -> float:
    run()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    args = parser.parse_args()
    index = NewsIndex.open(Settings.from_env(env={}, home=args.home).index)
    print(f"{index.catalog.articles.counts()['articles']} articles")
    for query in QUERIES:
        found = Library.over(index).page(query, 500)[0]
        took = median_ms(lambda q=query: Library.over(index).page(q, 500))
        print(f"{query!r:20} {found:6} found  {took:7.1f} ms")
    print(f"stamp (generation) {median_ms(lambda: index.catalog.generation, 200) * 1000:.0f} µs")


if __name__ == "__main__":
    main()
