"""Fit the extractive engine's sentence weights on the rtqa-news dev questions (reads ../shared).

For every question: retrieve its passages as ``ask`` does (as-of = question_date), score every
sentence of them with the engine's features
(``assistant.engines.extractive.FEATURES``, all sentences
embedded), and label a sentence good when it contains the answer and no wrong choice (the
choices are used only here, as labels). A logistic regression over the features gives the
weights; leave-one-week-out cross-validation says how well they carry to weeks they were not
fitted on: answer accuracy when the answer quotes the top 1 / 2 / 3 sentences, for the fitted
weights (cross-validated) and for the engine's current weights.

With ``--train-rows`` (the rows of ``bench/train_candidates.py``: the engine's candidates for the
rtqa-train questions) the weights are fitted on the training weeks only and judged on dev, which
never fits anything — what ships. ``--rows`` keeps the dev rows in a file (collected once).

Usage: .venv/bin/python bench/fit_answer_weights.py --home WHOLE_CORPUS_INDEX [--json]
       [--rows /tmp/dev-rows.jsonl] [--train-rows /tmp/train-candidates.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
QUESTIONS = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"

from assistant.engines.extractive import FEATURES, ExtractiveConfig, ExtractiveEngine  # noqa: E402
from assistant.eval.answers import CorpusMatcher  # noqa: E402
from assistant.eval.matching import answers_alone  # noqa: E402
from assistant.eval.run import read_questions  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from index.filters import SearchFilters  # noqa: E402
from index.store import NewsIndex  # noqa: E402
from ui.settings import Settings  # noqa: E402

TOPS = (1, 2, 3)


def collect(home: Path, questions: Path) -> list[dict[str, Any]]:
    """Per question: its week, whether it is answerable, and each sentence's features,
    label and text (best first by the current weights)."""
    from tqdm import tqdm

    index = NewsIndex.open(Settings.from_env(home=str(home)).index)
    retriever = Retriever(index)
    base = ExtractiveConfig()
    engine = ExtractiveEngine(
        index.embedder, replace(base, max_encoded=base.max_sentences)
    )  # every sentence
    matcher = CorpusMatcher(index)
    out = []
    for q in tqdm(read_questions(questions), desc="questions", file=sys.stderr):
        filters = SearchFilters.build(as_of=q.get("question_date"))
        hits = retriever.search(q["question"], k=base.max_passages, filters=filters)
        truth = str(q["answer"])
        wrong = [c for c in q.get("choices") or [] if c != truth]
        sentences = [
            (list(c.features), answers_alone(truth, wrong, c.text), c.text)
            for c in engine.score(q["question"], hits)
        ]
        out.append(
            {
                "week": q.get("week") or q.get("question_date"),
                "answerable": matcher.contains(truth),
                "truth": truth,
                "wrong": wrong,
                "sentences": sentences,
            }
        )
    return out


def accuracy(rows: list[dict[str, Any]], weights: list[np.ndarray], top: int) -> float:
    """Share of answerable questions whose top ``top`` sentences hold the answer and no wrong
    choice; ``weights[i]`` scores question ``i``."""
    correct = 0
    for row, w in zip(rows, weights, strict=True):
        if not row["answerable"] or not row["sentences"]:
            continue
        order = sorted(row["sentences"], key=lambda s: -float(np.asarray(s[0]) @ w))
        text = " ".join(s[2] for s in order[:top])
        correct += answers_alone(row["truth"], row["wrong"], text)
    return correct / max(1, sum(r["answerable"] for r in rows))


def fit(rows: list[dict[str, Any]]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x = np.array([s[0] for r in rows for s in r["sentences"]])
    y = np.array([s[1] for r in rows for s in r["sentences"]])
    return LogisticRegression(max_iter=2000).fit(x, y).coef_[0]


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def report_trained(rows: list[dict[str, Any]], train: list[dict[str, Any]]) -> dict[str, Any]:
    """Weights fitted on the rtqa-train rows, judged on the dev rows."""
    fitted = fit(train)
    scale = ExtractiveConfig().weights()[0] / fitted[0]  # the engine's scale: similarity as now
    return {
        "train_questions": len(train),
        "train_weights": dict(zip(FEATURES, np.round(fitted * scale, 2).tolist(), strict=True)),
        "dev_accuracy_train_weights": {
            f"top{t}": accuracy(rows, [fitted] * len(rows), t) for t in TOPS
        },
        "dev_accuracy_current_weights": {
            f"top{t}": accuracy(rows, [ExtractiveConfig().weights()] * len(rows), t) for t in TOPS
        },
    }


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    weeks = sorted({r["week"] for r in rows})
    held_out = {w: fit([r for r in rows if r["week"] != w]) for w in weeks}
    per_question = [held_out[r["week"]] for r in rows]
    current = [ExtractiveConfig().weights()] * len(rows)
    fitted = fit(rows)
    return {
        "questions": len(rows),
        "answerable": sum(r["answerable"] for r in rows),
        "fitted_weights": dict(zip(FEATURES, np.round(fitted, 2).tolist(), strict=True)),
        "current_weights": dict(zip(FEATURES, ExtractiveConfig().weights().tolist(), strict=True)),
        "accuracy_cross_validated": {f"top{t}": accuracy(rows, per_question, t) for t in TOPS},
        "accuracy_current_weights": {f"top{t}": accuracy(rows, current, t) for t in TOPS},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="the whole-corpus index")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--rows", type=Path, help="dev rows: read if present, else written")
    parser.add_argument("--train-rows", type=Path, help="fit on these rtqa-train rows instead")
    args = parser.parse_args()
    if args.rows and args.rows.exists():
        rows = read_rows(args.rows)
    else:
        rows = collect(args.home, args.questions)
        if args.rows:
            args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows))
    trained = args.train_rows
    result = report_trained(rows, read_rows(trained)) if trained else report(rows)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
