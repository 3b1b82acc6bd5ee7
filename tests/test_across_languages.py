"""Judging a sentence in another language than the question (issue #32): which passages are in
another language, the cosine map across languages, and the word features read from similarity.
The real engine on the real model: tests/test_multilingual.py."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.language.across_languages import expected_overlap, in_other_language
from index import ArticleMeta, SearchHit
from index.encoding.cosine_scale import ACROSS_KNOTS, across_languages

pytestmark = pytest.mark.unit
E5 = "multilingual-e5-small"


def _hit(language: str | None) -> SearchHit:
    meta = ArticleMeta(f"a-{language}", "t", None, None, (), None, None, language=language)
    return SearchHit(1, 1, meta, 0, 10, "text", 0.5)


def test_passages_in_another_language_than_the_question_are_told_apart() -> None:
    hits = [_hit("uk"), _hit("en"), _hit(None), _hit("zh")]
    asked = "How far above its normal level did the water rise near the village?"
    assert in_other_language(asked, hits) == ["uk", None, None, "zh"]
    native = "На скільки піднялася вода біля села під час паводку?"
    assert in_other_language(native, hits) == [None, "en", None, "zh"]
    assert in_other_language(asked, [_hit(None)]) == [None]  # no language known: as ever


def test_the_map_lifts_a_cosine_across_languages_and_leaves_the_rest() -> None:
    (x0, y0), (x1, y1) = ACROSS_KNOTS[E5]["uk"]
    got = across_languages(E5, np.array([x0, x1, 0.8]), ["uk", "uk", None])
    assert got[0] == pytest.approx(y0) and got[1] == pytest.approx(y1) and got[2] == 0.8
    other = across_languages(E5, np.array([0.8]), ["pt"])  # not calibrated: the mean map
    assert other[0] > 0.8
    assert across_languages("all-MiniLM-L6-v2", np.array([0.3]), ["uk"])[0] == 0.3


def test_shared_words_are_read_from_similarity_and_grow_with_it() -> None:
    low, high = expected_overlap(0.1), expected_overlap(0.6)
    assert 0 <= low[0] < high[0] <= 1 and 0 <= low[1] < high[1] <= 1
