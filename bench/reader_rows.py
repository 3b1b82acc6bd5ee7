"""Score the candidate sentences of sentence rows with a trained reader, and compare sentence
choice: the fitted features alone, the reader alone, and the two combined by a logistic
regression fitted on rtqa-train rows only (reads ../shared-derived rows, writes nothing there).

Rows are those of ``bench/fit_answer_weights.py --rows`` (dev) and ``bench/train_candidates.py``
(rtqa-train); each row's sentences get a ``logit`` appended. The combined scorer is what the
engine would run with ``w_reader``: it shows whether the reader adds to the features on weeks
it was not fitted on.

With ``--save``, the combined weights are written beside the reader as ``combiner.json``
(scaled so the similarity weight is the engine's, so scores keep their size), which is how the
engine mixes the reader's logit with its features.

Usage: .venv/bin/python bench/reader_rows.py --weights FOLDER --dev /tmp/dev-rows.jsonl
       --train /tmp/train-candidates.jsonl [--train-limit 800] [--save]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.engines.extractive import FEATURES, ExtractiveConfig  # noqa: E402
from assistant.eval.matching import answers_alone  # noqa: E402
from assistant.models.reader import COMBINER, Reader, load_reader  # noqa: E402

TOPS = (1, 2, 3)


def scored(rows: list[dict[str, Any]], reader: Reader, questions: list[str]) -> None:
    from tqdm import tqdm

    for row, question in tqdm(list(zip(rows, questions, strict=True)), file=sys.stderr):
        texts = [s[2] for s in row["sentences"]]
        logits: Any = reader.score(question, texts) if texts else []
        for s, logit in zip(row["sentences"], logits, strict=True):
            s[0] = [*s[0], float(logit)]


def accuracy(rows: list[dict[str, Any]], weights: np.ndarray, top: int) -> float:
    correct = 0
    for row in rows:
        if row["answerable"] and row["sentences"]:
            order = sorted(row["sentences"], key=lambda s: -float(np.asarray(s[0]) @ weights))
            text = " ".join(s[2] for s in order[:top])
            correct += answers_alone(row["truth"], row["wrong"], text)
    return round(correct / max(1, sum(r["answerable"] for r in rows)), 4)


def fit(rows: list[dict[str, Any]]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x = np.array([s[0] for r in rows for s in r["sentences"]])
    y = np.array([s[1] for r in rows for s in r["sentences"]])
    return LogisticRegression(max_iter=3000).fit(x, y).coef_[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--weights", type=Path, required=True, help="folder of a trained reader")
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--train-limit", type=int, default=800)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsrag-reader-cache"))
    parser.add_argument("--save", action="store_true", help="write combiner.json beside it")
    args = parser.parse_args()
    from assistant.eval.run import read_questions

    reader = load_reader(args.cache, folder=args.weights)
    dev = [json.loads(line) for line in args.dev.open(encoding="utf-8")]
    dev_questions = [
        q["question"]
        for q in read_questions(REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl")
    ]
    lines = args.train.open(encoding="utf-8").readlines()
    step = max(1, len(lines) // args.train_limit)
    train = [json.loads(line) for line in lines[::step]][: args.train_limit]
    scored(dev, reader, dev_questions)
    scored(train, reader, [r["question"] for r in train])
    features = len(ExtractiveConfig().weights())
    only_features = np.r_[ExtractiveConfig().weights(), 0.0]
    only_reader = np.r_[np.zeros(features), 1.0]
    combined = fit(train)
    train_features = np.r_[fit([_without_logit(r) for r in train]), 0.0]
    report = {
        "dev_questions": len(dev),
        "train_questions": len(train),
        "combined_weights": np.round(combined, 3).tolist(),
        **{
            name: {f"top{t}": accuracy(dev, w, t) for t in TOPS}
            for name, w in (
                ("features_current_weights", only_features),
                ("features_fitted_on_train", train_features),
                ("reader_alone", only_reader),
                ("features_plus_reader_fitted_on_train", combined),
            )
        },
    }
    print(json.dumps(report, indent=2))
    if args.save:
        scale = ExtractiveConfig().weights()[0] / combined[0]
        names = [*FEATURES, "reader"]
        weights = {n: round(float(w * scale), 4) for n, w in zip(names, combined, strict=True)}
        fitted = {
            "train_questions": len(train),
            "dev": report["features_plus_reader_fitted_on_train"],
        }
        (args.weights / COMBINER).write_text(
            json.dumps({"weights": weights, "fitted": fitted}, indent=2) + "\n"
        )
    return 0


def _without_logit(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "sentences": [[s[0][:-1], s[1], s[2]] for s in row["sentences"]]}


if __name__ == "__main__":
    raise SystemExit(main())
