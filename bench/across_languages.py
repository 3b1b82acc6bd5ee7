"""Fit what the answer engine needs to judge a sentence in another language than the question.

Two fits, printed as Python literals:

1. **A cosine map per language** (``index/encoding/cosine_scale.py`` ``ACROSS_KNOTS``): a
   multilingual encoder puts an English question lower against a sentence in Ukrainian than
   against the same sentence in English — more for a matching sentence than for an unrelated
   one. From a calibration set (``--calibration``, JSONL: ``question``, ``answer``,
   ``source_id`` and ``sentence``: {"en": …, "uk": …, "ru": …, "de": …, "fr": …, "es": …,
   "zh": …, "ja": …}): 30 rtqa-train questions over politics, economy, science, sport, weather,
   culture, crime and health, each with an answering sentence of its quiz's evidence text and
   hand translations into seven languages — never the evaluation set's topics. It is not in the
   repository: rtqa-train's licence keeps its text (and so these extracts) out of the project.
   Per language, two knots — the medians of (cosine to the translation, cosine to the English
   sentence) over unrelated and over matching pairs.
2. **Expected shared words given similarity** (``assistant/language/across_languages.py``
   ``OVERLAP_KNOTS``): across languages a sentence shares no word with the question, so the
   engine's word features (share of the question's content words, of its last clause's) are
   read as what an English sentence of the same similarity holds on average: their mean per
   similarity decile over the (question, sentence) pairs of ``bench/similarity_map.py``
   (rtqa-train, MiniLM's cosines).

Usage: .venv/bin/python bench/across_languages.py [--questions 300] [--model multilingual-e5-small]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from similarity_map import pairs  # noqa: E402

from assistant.language.sentence_features import QuestionTerms  # noqa: E402
from index import IndexSettings, encoder_for  # noqa: E402

# kept outside the repository: its English sentences are rtqa-train's quiz text, which its licence
# keeps out of the project (with our translations, extracts all the same)
CALIBRATION = Path.home() / "newsrag-bench" / "calibration" / "calibration.jsonl"
REFERENCE = "all-MiniLM-L6-v2"
BINS = 10


def shifts(model: str, calibration: Path) -> dict[str, tuple[tuple[float, float], ...]]:
    """Per language, two knots (cosine to the translation, cosine to the English sentence): the
    medians over unrelated pairs (question i, sentence j) and over matching pairs (i, i) — a
    line through them maps a cosine across languages onto the one the question would have
    with the same sentence in English, near and far alike."""
    rows = [json.loads(line) for line in calibration.read_text(encoding="utf-8").splitlines()]
    encoder = encoder_for(IndexSettings(model=model))
    questions = np.stack([encoder.encode_query(r["question"]) for r in rows])
    english = encoder.encode_sentences([r["sentence"]["en"] for r in rows]) @ questions.T
    off = ~np.eye(len(rows), dtype=bool)
    out = {}
    for language in rows[0]["sentence"]:
        if language == "en":
            continue
        other = encoder.encode_sentences([r["sentence"][language] for r in rows]) @ questions.T
        far = (float(np.median(other[off])), float(np.median(english[off])))
        near = (float(np.median(np.diag(other))), float(np.median(np.diag(english))))
        out[language] = tuple((round(x, 4), round(y, 4)) for x, y in (far, near))
        lost = np.diag(english) - np.diag(other)
        print(
            f"{language}: unrelated {far[0]:.4f} → {far[1]:.4f}, matching {near[0]:.4f} → "
            f"{near[1]:.4f} (per pair: median {np.median(lost):+.4f}, IQR "
            f"{np.percentile(lost, 25):+.4f} … {np.percentile(lost, 75):+.4f})"
        )
    return out


def overlap_knots(questions: int) -> list[tuple[float, float, float]]:
    data = pairs(questions)
    encoder = encoder_for(IndexSettings(model=REFERENCE))
    sims, words, last = [], [], []
    for question, sentences in data:
        terms = QuestionTerms.of(question)
        cosines = encoder.encode_sentences(sentences) @ encoder.encode_query(question)
        for sentence, cosine in zip(sentences, cosines, strict=True):
            content = QuestionTerms.of(sentence).words
            sims.append(float(cosine))
            words.append(len(terms.words & content) / len(terms.words) if terms.words else 0.0)
            held = terms.last_clause
            last.append(len(held & content) / len(held) if held else 0.0)
    sim, kw, lc = (np.array(v) for v in (sims, words, last))
    edges = np.quantile(sim, np.linspace(0, 1, BINS + 1))
    knots = []
    for low, high in itertools.pairwise(edges):
        inside = (sim >= low) & (sim <= high)
        knots.append(
            (
                round(float(np.median(sim[inside])), 4),
                round(float(kw[inside].mean()), 4),
                round(float(lc[inside].mean()), 4),
            )
        )
    print(f"{len(sim)} pairs from {len(data)} questions")
    return knots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--model", default="multilingual-e5-small")
    parser.add_argument("--calibration", type=Path, default=CALIBRATION, help="JSONL, as above")
    args = parser.parse_args()
    print("OVERLAP_KNOTS = " + repr(overlap_knots(args.questions)))
    if args.calibration.exists():
        print("ACROSS_KNOTS = " + repr({args.model: shifts(args.model, args.calibration)}))


if __name__ == "__main__":
    main()
