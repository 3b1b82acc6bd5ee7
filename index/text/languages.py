"""Which language an article is written in, its name, and how unspaced scripts are cut for
keyword search.

Detection is py3langid's (a pinned PyPI package carrying its naive-Bayes model over byte
n-grams: 97 languages, no download, ~0.2 ms an article): the article's ISO 639-1 code, or None
when the text is too short or the model unsure. Chinese, Japanese, Thai, Lao, Khmer and Burmese
put no spaces between words, so FTS5's ``unicode61`` would index a whole run of them as one
word: ``cjk_bigrams`` cuts such runs into overlapping character pairs, for the indexed text and
the question alike (the usual bigram indexing of CJK search engines).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from typing import Any

MIN_CHARS = 40  # shorter texts are not classified (too few n-grams to tell)
MIN_CONFIDENCE = 0.50  # normalised probability of the best language (Chinese: 0.78-0.94)
CODE = re.compile(r"^[a-z]{2}$")
# runs of scripts written without spaces between words
UNSPACED = re.compile(
    "["
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\u0e00-\u0e7f\u0e80-\u0eff"  # Thai, Lao
    "\u1000-\u109f\u1780-\u17ff"  # Burmese, Khmer
    "\uac00-\ud7af"  # Hangul syllables (spaced, but bigrams help its compounds)
    "]+"
)


@cache
def _identifier() -> Any:
    import py3langid.langid as langid

    return langid.LanguageIdentifier.from_modelpath(
        langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True
    )


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or None when it cannot be told."""
    sample = text[:4000]
    if len(sample.strip()) < MIN_CHARS:
        return None
    code, confidence = _identifier().classify(sample)
    return str(code) if confidence >= MIN_CONFIDENCE else None


def language_code(value: object) -> str | None:
    """A record's own ``language`` field as an ISO 639-1 code ("de", "de-AT" → "de")."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if CODE.match(code) and language_name(code) != code else None


def query_language(text: str, among: Collection[str]) -> str | None:
    """The language of a short text (a question) among the index's languages ``among``: the
    likeliest of them, when it is at least ``MIN_CONFIDENCE`` of their total probability."""
    codes = [code for code in among if code]
    if len(text.strip()) < 3 or not codes:
        return None
    ranked = dict(_identifier().rank(text))
    odds = {code: float(ranked.get(code, 0.0)) for code in codes}
    total = sum(odds.values())
    best = max(odds, key=odds.__getitem__)
    return best if total > 0 and odds[best] / total >= MIN_CONFIDENCE else None


@cache
def language_name(code: str) -> str:
    """ "uk" → "Ukrainian" (the code itself when unknown)."""
    import pycountry

    found = pycountry.languages.get(alpha_2=code)
    return str(found.name) if found is not None else code


def cjk_bigrams(text: str) -> str:
    """``text`` with each run of an unspaced script replaced by its overlapping character
    pairs ("人民大会堂" → "人民 民大 大会 会堂"); a single character stays itself. Other text
    is unchanged, so English passages are indexed exactly as before."""
    return UNSPACED.sub(_pairs, text)


def _pairs(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "
