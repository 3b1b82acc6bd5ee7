"""Fit the cosine map of an encoder onto all-MiniLM-L6-v2's scale, from rtqa-train.

The answer engine's weights and thresholds (similarity to the question, agreement between two
sentences, the timeline's topic floor) were fitted on MiniLM's cosines. multilingual-e5-small
puts every pair higher (unrelated text near 0.7), so its cosines pass through a monotone
piecewise-linear map: quantile matching of the two encoders' cosines over the same
(question, sentence) pairs. Pairs: the first ``--questions`` rtqa-train questions, each with
the sentences of its first three result articles (rtqa-train only; dev is never read).

Prints the knots as a Python literal for ``index/encoding/e5_encoder.py`` ``COSINE_KNOTS``.
Usage: .venv/bin/python bench/similarity_map.py [--questions 300] [--model multilingual-e5-small]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import IndexSettings, encoder_for  # noqa: E402
from index.text.sentences import sentence_spans  # noqa: E402

TRAIN = REPO.parent / "shared" / "data" / "rtqa-train"
KNOTS = 21  # quantiles 0, 5, ..., 100 %


def pairs(questions: int) -> list[tuple[str, list[str]]]:
    with gzip.open(TRAIN / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(questions), handle, strict=False)]
    wanted = {i for r in rows for i in r["result_ids"][:3]}
    texts: dict[str, str] = {}
    with gzip.open(TRAIN / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            if article["id"] in wanted:
                texts[article["id"]] = article.get("text") or ""
    out = []
    for r in rows:
        sentences = [
            text[a:b]
            for i in r["result_ids"][:3]
            for text in [texts.get(i, "")]
            for a, b in sentence_spans(text)[:15]
            if len(text[a:b].split()) >= 4
        ]
        if sentences:
            out.append((r["question"], sentences))
    return out


def cosines(model: str, data: list[tuple[str, list[str]]]) -> np.ndarray:
    encoder = encoder_for(IndexSettings(model=model))
    values = []
    for question, sentences in data:
        values.append(encoder.encode_sentences(sentences) @ encoder.encode_query(question))
    return np.concatenate(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--model", default="multilingual-e5-small")
    args = parser.parse_args()
    data = pairs(args.questions)
    theirs = cosines(args.model, data)
    ours = cosines("all-MiniLM-L6-v2", data)
    levels = np.linspace(0, 1, KNOTS)
    knots = list(
        zip(np.quantile(theirs, levels).round(4), np.quantile(ours, levels).round(4), strict=True)
    )
    mapped = np.interp(theirs, *zip(*knots, strict=True))
    print(f"{len(theirs)} pairs from {len(data)} questions")
    print(
        f"Spearman-free check: corr(raw) {np.corrcoef(theirs, ours)[0, 1]:.3f}, "
        f"mean |mapped - MiniLM| {np.mean(np.abs(mapped - ours)):.3f}"
    )
    print("COSINE_KNOTS = " + repr([(float(a), float(b)) for a, b in knots]))


if __name__ == "__main__":
    main()
