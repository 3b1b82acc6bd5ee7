"""Example questions for an empty chat, drawn from what the index holds: one per recent article,
made from the head of its title ("Massacre in Kherson: Putin pushes…" → "What does the news say
about Massacre in Kherson?"), so each one finds its article."""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_WORDS = 8
_DANGLING = frozenset("a an and at about by for from in of on or over the to with".split())
_HEAD = re.compile(r"\s*(?::|\s[—–|-]\s)\s*")


def example_questions(titles: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` questions, one per distinct title head, in the order given."""
    out: list[str] = []
    for title in titles:
        head = _HEAD.split(title.strip(), maxsplit=1)[0].strip(" .?!\"'“”‘’")
        words = head.split()
        if len(words) < 2:
            continue
        words = words[:MAX_WORDS]
        while words and words[-1].lower() in _DANGLING:
            words.pop()
        question = f"What does the news say about {' '.join(words)}?"
        if question not in out:
            out.append(question)
        if len(out) == n:
            break
    return out
