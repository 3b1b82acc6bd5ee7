"""Follow-up questions: rewrite a short or pronoun-led question into a standalone query from the
conversation (the previous user question and the names the previous answer cited)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.retrieval import MAX_QUERY_CHARS

_LEADING = re.compile(
    r"^(and|but|so|also|what about|how about|and what about|and how about)\b[\s,]*", re.IGNORECASE
)
_PRONOUN_START = re.compile(
    r"^(he|she|they|it|its|his|her|their|them|that|this|those|these|there|who said that|"
    r"why|how come)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
_MARKER = re.compile(r"\[\d+\]")
SHORT_WORDS = 6
# a rewrite draws at most this much from the history, so a long earlier turn never makes the
# query longer than the question plus a few hundred characters (nor past MAX_QUERY_CHARS)
MAX_DRAWN_CHARS = 300
MAX_NAMES = 4
MAX_NAME_CHARS = 60
MIN_DRAWN_CHARS = 20


def is_follow_up(question: str) -> bool:
    q = question.strip()
    return bool(_LEADING.match(q) or _PRONOUN_START.match(q) or len(q.split()) <= SHORT_WORDS)


def rewrite(question: str, history: Sequence[dict[str, Any]]) -> str | None:
    """A standalone query for ``question`` given ``history`` (``{role, content}`` turns), or None
    when the question already stands alone or there is nothing to draw on."""
    if not history or not is_follow_up(question):
        return None
    previous_question = _last(history, "user")
    previous_answer = _MARKER.sub("", _last(history, "assistant"))
    if not previous_question:
        return None
    core = _LEADING.sub("", question.strip()).rstrip("?").strip()
    names = [n for n in dict.fromkeys(_NAME.findall(previous_answer)) if n not in core]
    drawn = [previous_question.rstrip("?")[:MAX_DRAWN_CHARS], *names[:MAX_NAMES]]
    budget = min(MAX_DRAWN_CHARS, MAX_QUERY_CHARS - len(core) - 3)
    context = " ".join(p[:MAX_NAME_CHARS] if i else p for i, p in enumerate(drawn) if p)
    if budget < MIN_DRAWN_CHARS:  # the question alone fills the query: keep it as asked
        return None
    return f"{core} — {context[:budget].strip()}".strip()


def _last(history: Sequence[dict[str, Any]], role: str) -> str:
    for turn in reversed(history):
        if turn.get("role") == role and str(turn.get("content") or "").strip():
            return str(turn["content"]).strip()
    return ""
