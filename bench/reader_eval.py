"""Sentence choice on the rtqa-news dev questions: today's fitted scorer against the trained
reader, on the same retrieved passages, and the reader's abstention threshold (reads ../shared).

For every dev question the passages are retrieved once (hybrid, k=6, as-of = question date) from
the whole-corpus index, then answered by the extractive engine twice: with the fitted sentence
scorer (as configured, abstention included) and with the reader (no abstention; its best logit
recorded). The same question asked of an index of the two sample articles gives the reader's
best logit where nothing answers. Printed: accuracy (answer in the text, no wrong choice, over
answerable questions), pooled citation precision and abstention rates — for the scorer, and for
the reader at each threshold of a grid.

Usage: .venv/bin/python bench/reader_eval.py --home FULL_INDEX --sample-home SAMPLE_INDEX
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
QUESTIONS = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"

from assistant.answer_eval import CorpusMatcher, score_answer  # noqa: E402
from assistant.evaluation import read_questions  # noqa: E402
from assistant.extractive import ExtractiveConfig, ExtractiveEngine  # noqa: E402
from assistant.filters import SearchFilters  # noqa: E402
from assistant.reader import load_reader  # noqa: E402
from assistant.reader_files import READER_DIR  # noqa: E402
from assistant.retrieval import Retriever  # noqa: E402
from index import Settings  # noqa: E402
from index.store import NewsIndex  # noqa: E402

THRESHOLDS = (-4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
K = 6


def collect(
    home: Path, sample_home: Path, questions: Path, blend: float, weights: Path
) -> list[dict[str, Any]]:
    from tqdm import tqdm

    full = NewsIndex.open(Settings.from_env(home=str(home)))
    sample = NewsIndex.open(Settings.from_env(home=str(sample_home)))
    reader = load_reader(full.settings.cache_dir, folder=weights)
    scorer = ExtractiveEngine(full.embedder)
    read = ExtractiveEngine(
        full.embedder,
        replace(ExtractiveConfig(), reader_threshold=-1e9, reader_blend=blend),
        reader=reader,
    )
    matcher = CorpusMatcher(full)
    retriever, sample_retriever = Retriever(full), Retriever(sample)
    rows = []
    for q in tqdm(read_questions(questions), desc="questions", file=sys.stderr):
        text, filters = q["question"], SearchFilters.build(as_of=q.get("question_date"))
        hits = retriever.search(text, k=K, filters=filters)
        texts = {h.article.id: full.catalog.article_text(h.article.id) or "" for h in hits}
        gold = set(q.get("gold_ids") or [])
        gold |= {c for g in gold for c in full.catalog.copies_of([g]).get(g, ())}
        answerable = matcher.contains(str(q.get("answer") or ""))
        by_scorer = scorer.answer(text, hits, texts)
        by_reader = read.answer(text, hits, texts)
        read_best = read.score(text, hits)
        sample_hits = sample_retriever.search(text, k=K)
        sample_best = read.score(text, sample_hits)
        rows.append(
            {
                "id": q.get("id"),
                "scorer": score_answer(q, by_scorer, answerable, gold),
                "reader": score_answer(q, by_reader, answerable, gold),
                "reader_logit": read_best[0].evidence if read_best else -1e9,
                "sample_logit": sample_best[0].evidence if sample_best else -1e9,
            }
        )
    return rows


def summary(rows: list[dict[str, Any]], key: str, threshold: float | None) -> dict[str, float]:
    """Accuracy, precision, abstention of one engine (the reader abstaining below ``threshold``)."""
    answerable = [r for r in rows if r[key]["answerable"]]

    def abstains(r: dict[str, Any]) -> bool:
        if threshold is None:
            return bool(r[key]["abstained"])
        return float(r["reader_logit"]) < threshold

    correct = [r[key]["correct"] and not abstains(r) for r in answerable]
    cited = [r for r in rows if not abstains(r)]
    citations = sum(r[key]["citations"] for r in cited)
    good = sum(r[key]["good_citations"] for r in cited)
    out = {
        "accuracy": sum(correct) / len(answerable),
        "precision": good / citations if citations else 0.0,
        "abstain_answerable": sum(abstains(r) for r in answerable) / len(answerable),
    }
    if threshold is not None:
        out["abstain_sample"] = sum(r["sample_logit"] < threshold for r in rows) / len(rows)
    return {k: round(v, 4) for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="the whole-corpus index")
    parser.add_argument("--sample-home", type=Path, required=True, help="index of data/sample")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--out", type=Path, help="also write the per-question rows (JSONL)")
    parser.add_argument(
        "--blend", type=float, default=0.0, help="weight of the fitted features' score"
    )
    parser.add_argument(
        "--weights", type=Path, default=READER_DIR, help="folder of reader.safetensors"
    )
    args = parser.parse_args()
    rows = collect(args.home, args.sample_home, args.questions, args.blend, args.weights)
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print("scorer (as configured):", json.dumps(summary(rows, "scorer", None)))
    print("| reader threshold | accuracy | precision | abstains: answerable | abstains: sample |")
    print("|---|---|---|---|---|")
    for threshold in THRESHOLDS:
        s = summary(rows, "reader", threshold)
        print(
            f"| {threshold:.1f} | {s['accuracy']:.3f} | {s['precision']:.3f} | "
            f"{s['abstain_answerable']:.3f} | {s['abstain_sample']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
