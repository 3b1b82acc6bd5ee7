"""Does an answer string occur in a text? The rtqa-news matching rule (see its README)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-", "−": "-"}
)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


def normalise_answer(answer: str) -> str:
    text = normalise(answer)
    text = text.strip("\"'").strip()
    return text[:-1].rstrip() if text.endswith(".") else text


def answer_in_text(answer: str, text: str) -> bool:
    """True when the normalised answer occurs in the normalised text, not glued to a letter or
    digit on either side."""
    needle = normalise_answer(answer)
    if not needle:
        return False
    pattern = r"(?<![^\W_])" + re.escape(needle) + r"(?![^\W_])"
    return re.search(pattern, normalise(text)) is not None


def answers_alone(truth: str, wrong: Sequence[str], text: str) -> bool:
    """The rtqa-news correctness rule: ``text`` holds the answer and none of the wrong choices."""
    return answer_in_text(truth, text) and not any(answer_in_text(c, text) for c in wrong)
