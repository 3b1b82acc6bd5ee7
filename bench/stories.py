"""Story grouping against labelled stories made from rtqa-train: pairwise precision and recall.

Articles: every search result of the questions of some quiz weeks (../shared/data/rtqa-train),
ingested with newsrag into ``--home/<set>`` (real chunking, model and grouping at ingest).
Labels: a question's results published in the 14 days up to its quiz day are one story
(results that share an article are one story too); older results are distractors, unlabelled.
A pair of labelled articles is positive when they have the same label; predicted positive when
newsrag put them in one story. Labels are noisy (a search result may be off-topic), so recall
is a lower bound.

Three sets of weeks: ``tune`` (2023) and ``tune24`` (2024) are what the constants in
index/stories/grouping.py were chosen on (``--sweep`` regroups a set's stored signals in memory,
oldest first, for a grid of them: ``SWEEP``); ``report`` (2025) is never tuned on. The grouping
measured is the one stored: made at ingest, in the order the articles came in, on a first run
into an empty home; ``--rebuild`` regroups oldest first (and says how long that took).

    .venv/bin/python bench/stories.py [--set tune|tune24|report] [--home DIR] [--rebuild] [--sweep]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TRAIN = REPO.parent / "shared" / "data" / "rtqa-train"

from index import NewsIndex, ingest_paths  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from index.stories import grouping  # noqa: E402
from index.stories.grouper import grouped  # noqa: E402
from index.stories.signals import StorySignals  # noqa: E402

SETS = {  # first week, number of weeks
    "tune": ("20230106", 8),
    "tune24": ("20240607", 8),
    "report": ("20250103", 8),
}
LABEL_DAYS = 14
CONSTANTS = (
    "WINDOW_DAYS",
    "LINK",
    "STORY_LINK",
    "ENTITY_BONUS",
    "MAX_SHARED",
    "NAME_BONUS",
    "MAX_NAMES",
    "RARE_NAME",
    "DECAY",
    "MERGE",
)


def _questions(first: str, weeks: int) -> list[dict]:
    with gzip.open(TRAIN / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    chosen = sorted({q["week"] for q in rows if q["week"] >= first})[:weeks]
    return [q for q in rows if q["week"] in chosen and q.get("result_ids")]


def _write_corpus(questions: list[dict], path: Path) -> dict[str, dict]:
    wanted = {r for q in questions for r in q["result_ids"]}
    articles: dict[str, dict] = {}
    with gzip.open(TRAIN / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["id"] in wanted:
                articles[row["id"]] = row
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in articles.values():
            out.write(json.dumps(row) + "\n")
    return articles


def _labels(questions: list[dict], articles: dict[str, dict]) -> dict[str, int]:
    """Labelled article → story label (union of questions that share a result)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for q in questions:
        day = date.fromisoformat(q["question_date"])
        recent = [
            r
            for r in q["result_ids"]
            if (articles.get(r) or {}).get("published_at")
            and day - timedelta(days=LABEL_DAYS)
            <= date.fromisoformat(articles[r]["published_at"][:10])
            <= day
        ]
        for r in recent:
            parent[find(r)] = find(recent[0])
    roots = sorted({find(a) for a in parent})
    number = {root: n for n, root in enumerate(roots)}
    return {a: number[find(a)] for a in parent}


def pairwise(predicted: dict[str, str], labels: dict[str, int]) -> dict[str, float]:
    ids = sorted(a for a in labels if a in predicted)
    tp = fp = fn = 0
    for a, b in itertools.combinations(ids, 2):
        same_label, same_story = labels[a] == labels[b], predicted[a] == predicted[b]
        tp += same_label and same_story
        fp += same_story and not same_label
        fn += same_label and not same_story
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "labelled_articles": len(ids),
        "positive_pairs": tp + fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def _stored(index: NewsIndex) -> tuple[dict[str, str], list[StorySignals]]:
    members = index.catalog.stories.members_between("0000-00-00", "9999-99-99")
    stories = {m.article_id: m.story_id for m in members}
    signals = [grouped(m).signals for m in members]
    return stories, signals


def regroup(signals: list[StorySignals]) -> dict[str, str]:
    """The grouping of index/stories/grouper.StoryGrouper.regroup_all, in memory, with the
    module's current constants (the sweep sets them)."""
    hood = grouping.Neighbourhood()
    out: dict[str, str] = {}
    for s in sorted(signals, key=lambda s: (s.day, s.article_id)):
        hood.forget_before(s.day)
        placed = hood.place(s)
        story = s.article_id
        if placed.link is not None:
            stories = [placed.link.story_id, *placed.merged]
            story = grouping.keeper(stories, {k: v[0] for k, v in hood.first.items()})
            for other in stories:
                if other != story:
                    hood.merge(other, story)
        hood.add(grouping.Grouped(s, story))
        out[s.article_id] = story
    return {a: _final(hood, story) for a, story in out.items()}


def _final(hood: grouping.Neighbourhood, story: str) -> str:
    """Where a story ended up after the merges that followed (``Neighbourhood.merged``)."""
    while story in hood.merged:
        story = hood.merged[story]
    return story


SWEEP = {  # grouping's constants, and the values the sweep tries (108 points; 0: a check off)
    "LINK": (0.72, 0.74, 0.76),
    "STORY_LINK": (0.0, 0.65),
    "NAME_BONUS": (0.04, 0.06),
    "DECAY": (0.01, 0.015, 0.02),
    "MERGE": (0.55, 0.60, 2.0),  # 2.0: never merge
}


def sweep(signals: list[StorySignals], labels: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    saved = {name: getattr(grouping, name) for name in SWEEP}
    for values in itertools.product(*SWEEP.values()):
        for name, value in zip(SWEEP, values, strict=True):
            setattr(grouping, name, value)
        rows.append({**dict(zip(SWEEP, values, strict=True)), **pairwise(regroup(signals), labels)})
    for name, value in saved.items():
        setattr(grouping, name, value)
    return sorted(rows, key=lambda r: -r["f1"])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--set", choices=list(SETS), default="report")
    parser.add_argument("--home", default="/root/newsrag-bench/stories")
    parser.add_argument("--sweep", action="store_true", help="grid of grouping constants")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="regroup every article oldest first (as `newsrag story --rebuild` does) before "
        "measuring; without it, the grouping made at ingest, in the order articles came in",
    )
    args = parser.parse_args()
    questions = _questions(*SETS[args.set])
    home = Path(args.home) / args.set
    articles = _write_corpus(questions, home / "input" / "results.jsonl")
    labels = _labels(questions, articles)
    index = NewsIndex.open(IndexSettings.from_env(home=home), create=True)
    try:
        ingest_paths(index, [home / "input"])
        seconds = None
        if args.rebuild:
            started = time.perf_counter()
            index.regroup_stories()
            seconds = round(time.perf_counter() - started, 2)
        predicted, signals = _stored(index)
        stories = index.catalog.stories.count()
    finally:
        index.close()
    sizes = np.bincount(np.unique(list(predicted.values()), return_inverse=True)[1])
    result = {
        "set": args.set,
        "grouping": "rebuilt oldest first" if args.rebuild else "as ingested",
        "weeks": sorted({q["week"] for q in questions}),
        "questions": len(questions),
        "articles": len(predicted),
        "stories": stories,
        "largest_story": int(sizes.max()) if len(sizes) else 0,
        "rebuild_seconds": seconds,
        "constants": {name.lower(): getattr(grouping, name) for name in CONSTANTS},
        **pairwise(predicted, labels),
    }
    print(json.dumps(result, indent=1))
    if args.sweep:
        for row in sweep(signals, labels)[:12]:
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
