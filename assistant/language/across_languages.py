"""Judging a sentence written in another language than the question.

A multilingual encoder finds a Ukrainian passage for an English question, but the answer
engine's evidence leans on words the two share, and across languages they share none; its
cosine is lower too than for the same sentence in the question's language. So a sentence in
another language is read as an English sentence of the same meaning would be: its cosine is
shifted by what translation costs (``index.encoding.cosine_scale.across_languages``, fitted on
hand translations of rtqa-train sentences), and its word features are what an English sentence
of that similarity shares with the question on average (``OVERLAP_KNOTS``, fitted on rtqa-train
by ``bench/across_languages.py``). A sentence in the question's language is scored as ever.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index import SearchHit
from index.text.languages import query_language

# languages a question is told apart among (with those of the passages read): the question's
# language is never guessed among the passages' languages alone
COMMON = (
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "uk", "ru",
    "zh", "ja", "ko", "ar", "tr", "sv", "cs", "ro", "hu", "el",
)  # fmt: skip
# (MiniLM cosine, mean share of the question's content words, mean share of its last clause's)
# per similarity decile of 9,418 rtqa-train (question, sentence) pairs
OVERLAP_KNOTS = (
    (0.0072, 0.0052, 0.0061), (0.0763, 0.0079, 0.0072), (0.1314, 0.0155, 0.0151),
    (0.1881, 0.0281, 0.0263), (0.2451, 0.0486, 0.0458), (0.301, 0.0706, 0.0637),
    (0.3604, 0.0963, 0.0931), (0.4241, 0.1309, 0.1251), (0.5125, 0.2029, 0.1892),
    (0.6351, 0.318, 0.2904),
)  # fmt: skip


def question_language(question: str, hits: Sequence[SearchHit]) -> str | None:
    """The question's language, or None when unsure (then nothing counts as another language)."""
    held = {h.article.language for h in hits if h.article.language}
    if not held:
        return None
    return query_language(question, {*COMMON, *held})


def in_other_language(question: str, hits: Sequence[SearchHit]) -> list[str | None]:
    """Per hit: its article's language when that is not the question's, else None."""
    asked = question_language(question, hits)
    if asked is None:
        return [None] * len(hits)
    return [h.article.language if h.article.language not in (None, asked) else None for h in hits]


def expected_overlap(similarity: float) -> tuple[float, float]:
    """(share of the question's content words, of its last clause's) that an English sentence
    this similar to the question holds on average."""
    x, words, last = (np.array(side) for side in zip(*OVERLAP_KNOTS, strict=True))
    return float(np.interp(similarity, x, words)), float(np.interp(similarity, x, last))
