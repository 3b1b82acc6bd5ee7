"""Calibrate the extractive engine's abstention on the rtqa-news dev questions (reads ../shared).

For every question it records the best sentence's evidence score and similarity (the two
numbers the engine abstains on) in three settings, then prints the abstention rate of each
setting for a grid of thresholds:

- answerable: the whole-corpus index, questions whose answer occurs somewhere in it;
- unanswerable, sample index: the same questions asked of an index of the two sample articles;
- unanswerable, corpus minus gold: the whole-corpus index, but retrieval results from the
  question's gold articles (and copies) and from any article containing the answer are removed
  before the engine sees them (k=6 of the 40 best) — the corpus without the week's evidence.

Usage: .venv/bin/python bench/abstention.py --home FULL_INDEX --sample-home SAMPLE_INDEX
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
QUESTIONS = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"

from assistant.engines.extractive import ExtractiveEngine  # noqa: E402
from assistant.eval.answers import CorpusMatcher  # noqa: E402
from assistant.eval.matching import answer_in_text  # noqa: E402
from assistant.eval.run import read_questions  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from index import SearchHit  # noqa: E402
from index.filters import SearchFilters  # noqa: E402
from index.store import NewsIndex  # noqa: E402
from ui.settings import Settings  # noqa: E402

THRESHOLDS = (1.50, 1.75, 2.00, 2.25, 2.50, 2.75, 3.00)
FLOORS = (0.25, 0.30, 0.35, 0.40)
Best = tuple[float, float]


def best(engine: ExtractiveEngine, question: str, hits: list[SearchHit]) -> Best:
    found = engine.score(question, hits)
    return (found[0].evidence, found[0].similarity) if found else (0.0, 0.0)


def without_evidence(index: NewsIndex, q: dict, hits: list[SearchHit]) -> list[SearchHit]:
    gold = set(q.get("gold_ids") or [])
    gold |= {c for g in gold for c in index.catalog.articles.copies_of([g]).get(g, ())}
    truth = str(q.get("answer") or "")
    return [
        h
        for h in hits
        if not gold & {h.article.id, *h.article.copies}
        and not answer_in_text(truth, index.catalog.articles.article_text(h.article.id) or "")
    ]


def collect(home: Path, sample_home: Path, questions: Path) -> dict[str, list[Best]]:
    from tqdm import tqdm

    full = NewsIndex.open(Settings.from_env(home=str(home)).index)
    sample = NewsIndex.open(Settings.from_env(home=str(sample_home)).index)
    engine = ExtractiveEngine(full.embedder)
    matcher = CorpusMatcher(full)
    retriever, sample_retriever = Retriever(full), Retriever(sample)
    out: dict[str, list[Best]] = {"answerable": [], "sample index": [], "minus gold": []}
    for q in tqdm(read_questions(questions), desc="questions", file=sys.stderr):
        text, filters = q["question"], SearchFilters.build(as_of=q.get("question_date"))
        hits = retriever.search(text, k=40, filters=filters)
        if matcher.contains(str(q.get("answer") or "")):
            out["answerable"].append(best(engine, text, hits[:6]))
        out["minus gold"].append(best(engine, text, without_evidence(full, q, hits)[:6]))
        out["sample index"].append(best(engine, text, sample_retriever.search(text, k=6)))
    return out


def table(found: dict[str, list[Best]]) -> str:
    names = list(found)
    lines = [
        "| threshold | similarity floor | " + " | ".join(f"abstains: {n}" for n in names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for th in THRESHOLDS:
        for floor in FLOORS:
            rates = [sum(s < th or m < floor for s, m in v) / len(v) for v in found.values()]
            lines.append(f"| {th:.2f} | {floor:.2f} | " + " | ".join(f"{r:.3f}" for r in rates))
    return "\n".join(line if line.endswith("|") else line + " |" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="the whole-corpus index")
    parser.add_argument("--sample-home", type=Path, required=True, help="index of data/sample")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--json", action="store_true", help="also print the raw scores")
    args = parser.parse_args()
    found = collect(args.home, args.sample_home, args.questions)
    print(table(found))
    if args.json:
        print(json.dumps({k: [list(b) for b in v] for k, v in found.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
