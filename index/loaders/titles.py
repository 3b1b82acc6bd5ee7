"""Fallback titles: the first sentence of the text, at most 200 characters."""

from __future__ import annotations

import re

from index.loaders.normalize import one_line

MAX_TITLE_CHARS = 200
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s")


def first_sentence(text: str) -> str:
    """The first sentence of the first paragraph/line of ``text``."""
    stripped = text.strip()
    first_line = stripped.split("\n", 1)[0] if stripped else ""
    match = _SENTENCE_END.search(first_line)
    sentence = first_line[: match.end()] if match else first_line
    return one_line(sentence)


def cut_at_word(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary (hard cut for one word)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    cut = head[:space] if space > 0 else text[:limit]
    return cut.rstrip(" ,;:-\u2013\u2014")


def fallback_title(text: str) -> str:
    return cut_at_word(first_sentence(text))
