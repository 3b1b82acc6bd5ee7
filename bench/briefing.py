"""Briefings against RealTimeQA's weekly quizzes: does the week's briefing say what the quiz
asked about?

For each quiz week, the briefing of its 7 days (up to the latest question date; top stories,
key sentences only) **covers** a question when the question's answer string (the rtqa-news
matching rule) occurs in a key sentence of one of its first k stories. Coverage@10 and @20,
against two baselines: the k newest articles' leads, and the k largest stories (most articles in
the week, the same key sentences).

Sets: ``tune`` — 6 weeks of 2023 and 6 of 2024 from rtqa-train (what the ranking weights were
chosen on, ``--sweep``); ``report`` — 10 weeks of 2025 from rtqa-train (held out, never tuned
on); ``dev`` — the rtqa-news dev weeks over a whole-corpus index given by ``--index``.
Indexes of the rtqa-train sets are built on first use under ``--home/<set>`` (every search
result of the weeks' questions, ingested with newsrag: real chunking, model, grouping).

Latency: briefings of each week and of each day, over the index (p50, p95).

    .venv/bin/python bench/briefing.py --set report [--home DIR] [--sweep]
    .venv/bin/python bench/briefing.py --set dev --index ~/newsrag-bench/auto
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TRAIN = REPO.parent / "shared" / "data" / "rtqa-train"
DEV = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"

from assistant.briefing import Briefer  # noqa: E402
from assistant.briefing.key_sentences import key_sentences  # noqa: E402
from assistant.briefing.periods import Period  # noqa: E402
from assistant.briefing.ranking import RankWeights  # noqa: E402
from assistant.eval.matching import answer_in_text  # noqa: E402
from assistant.facade import Assistant  # noqa: E402
from assistant.requests import BriefRequest  # noqa: E402
from assistant.retrieval.stories import key_citation  # noqa: E402
from assistant.settings import AssistantSettings  # noqa: E402
from index import Library, encoder_for  # noqa: E402

SETS = {  # (first week, number of weeks) per year
    "tune": (("20230303", 6), ("20240301", 6)),
    "report": (("20250103", 10),),
}
DEPTHS = (10, 20)

Sentences = list[list[str]]  # per story (or article), its key sentences, best first


def questions_of(name: str) -> list[dict[str, Any]]:
    if name == "dev":
        return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    with gzip.open(TRAIN / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    out = []
    for first, weeks in SETS[name]:
        chosen = sorted({q["week"] for q in rows if q["week"] >= first})[:weeks]
        out += [q for q in rows if q["week"] in chosen]
    return out


def build(questions: list[dict[str, Any]], home: Path) -> None:
    wanted = {r for q in questions for r in q.get("result_ids") or ()}
    corpus = home.parent / f"{home.name}-corpus.jsonl"
    with gzip.open(TRAIN / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [line for line in handle if json.loads(line)["id"] in wanted]
    corpus.write_text("".join(rows), encoding="utf-8")
    settings = AssistantSettings.from_env(home=home).index
    with Library(settings, encoder_for(settings)) as door:
        door.ingest([corpus])


def week_periods(questions: list[dict[str, Any]]) -> dict[str, Period]:
    last: dict[str, str] = {}
    for q in questions:
        last[q["week"]] = max(last.get(q["week"], ""), q["question_date"])
    return {
        week: Period((date.fromisoformat(day) - timedelta(days=6)).isoformat(), day)
        for week, day in sorted(last.items())
    }


def ours(briefer: Briefer, period: Period) -> Sentences:
    request = BriefRequest(since=period.since, until=period.until, limit=max(DEPTHS))
    return [[c.quote for c in item.key_sentences] for item in briefer.brief(request).items]


def largest(briefer: Briefer, period: Period) -> Sentences:
    """The stories with most articles in the period, with the same key sentences."""
    found = briefer.index.catalog.activity.between(period.since, period.until, period.since)
    found.sort(key=lambda a: (-a.in_period, a.story_id))
    out = []
    for activity in found:
        story = briefer.index.catalog.stories.story(activity.story_id, period.until)
        members = [m for m in story.members if m.day and m.day >= period.since] if story else []
        sentences = [lead.citation.quote for lead in key_sentences(members)]
        if sentences:
            out.append(sentences)
        if len(out) == max(DEPTHS):
            break
    return out


def newest(briefer: Briefer, period: Period) -> Sentences:
    """The newest articles' leads (their key sentences), one per article."""
    found = briefer.index.catalog.activity.between(period.since, period.until, period.since)
    members = []
    for activity in found:
        story = briefer.index.catalog.stories.story(activity.story_id, period.until)
        members += [m for m in story.members if m.day and m.day >= period.since] if story else []
    members.sort(key=lambda m: (m.meta.published_at or "", m.meta.id), reverse=True)
    leads = (key_citation(1, m) for m in members)
    return [[c.quote] for c in leads if c is not None][: max(DEPTHS)]


def coverage(picks: Sentences, answers: list[str], depth: int) -> int:
    said = " \n ".join(s for story in picks[:depth] for s in story)
    return sum(answer_in_text(a, said) for a in answers)


def measure(
    briefer: Briefer, questions: list[dict[str, Any]], ways: dict[str, Callable]
) -> dict[str, dict[str, float]]:
    answers: dict[str, list[str]] = defaultdict(list)
    for q in questions:
        answers[q["week"]].append(q["answer"])
    covered: dict[str, dict[int, int]] = {name: dict.fromkeys(DEPTHS, 0) for name in ways}
    for week, period in week_periods(questions).items():
        for name, way in ways.items():
            picks = way(briefer, period)
            for depth in DEPTHS:
                covered[name][depth] += coverage(picks, answers[week], depth)
    total = len(questions)
    return {
        name: {f"coverage@{d}": round(covered[name][d] / total, 4) for d in DEPTHS} for name in ways
    }


def latency(briefer: Briefer, questions: list[dict[str, Any]]) -> dict[str, float]:
    periods = list(week_periods(questions).values())
    days = [
        Period(d, d)
        for p in periods
        for d in ((date.fromisoformat(p.until) - timedelta(days=i)).isoformat() for i in range(7))
    ]
    took = []
    for period in periods + days:
        started = time.perf_counter()
        briefer.brief(BriefRequest(since=period.since, until=period.until))
        took.append(time.perf_counter() - started)
    took.sort()
    return {
        "briefings": len(took),
        "p50_s": round(statistics.median(took), 3),
        "p95_s": round(took[int(0.95 * (len(took) - 1))], 3),
    }


def sweep(briefer: Briefer, questions: list[dict[str, Any]]) -> None:
    grid = itertools.product((0.5, 1.0, 2.0), (0.0, 1.0, 2.0), (0.0, 0.5, 1.0), (0.0, 0.5))
    for size, outlets, novelty, growth in grid:
        briefer.weights = RankWeights(size, outlets, novelty, growth)
        got = measure(briefer, questions, {"briefing": ours})["briefing"]
        print(json.dumps({"weights": [size, outlets, novelty, growth], **got}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("tune", "report", "dev"), default="report")
    parser.add_argument("--home", type=Path, default=Path.home() / "newsrag-bench" / "briefing")
    parser.add_argument(
        "--index", type=Path, help="an index home to use (dev: a whole rtqa-news index)"
    )
    parser.add_argument("--sweep", action="store_true", help="a grid of ranking weights")
    args = parser.parse_args()
    questions = questions_of(args.set)
    home = args.index or args.home / args.set
    if args.set == "dev" and args.index is None:
        parser.error("--set dev needs --index")
    if not (home / "catalog.sqlite3").exists():
        build(questions, home)
    with Assistant(AssistantSettings.from_env(home=home)) as assistant:
        briefer = Briefer(assistant.index, assistant.retriever)
        if args.sweep:
            sweep(briefer, questions)
            return
        ways = {"briefing": ours, "newest leads": newest, "largest stories": largest}
        result = measure(briefer, questions, ways)
        weeks = len(week_periods(questions))
        print(f"{args.set}: {len(questions)} questions, {weeks} weeks")
        for name, row in result.items():
            print(f"  {name:<16}" + "".join(f"{k} {v:.3f}  " for k, v in row.items()))
        timing = latency(briefer, questions)
        print(f"  latency: {timing}")
        print(json.dumps({"set": args.set, "coverage": result, "latency": timing}))


if __name__ == "__main__":
    main()
