"""What a question asks for, part by part: "What did Biden authorize and why was it criticized?"
asks two things, and an answer that quotes only the first is half an answer.

A part starts at a question word that follows "and", "or" or a semicolon ("… and why
…", "…, and how many …"); a question with none is one part. Parts are only split, never
rewritten, so each is a substring of the question.
"""

from __future__ import annotations

import re

_ASK = r"(?:why|how|what|who|whom|whose|when|where|which)"
_SPLIT = re.compile(rf"(?:,?\s+(?:and|or)\s+|;\s+)(?={_ASK}\b)", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The question's parts, in order (one part when it asks one thing)."""
    parts = [p.strip(" ,;") for p in _SPLIT.split(question.strip())]
    return [p for p in parts if len(p.split()) >= 2] or [question.strip()]
