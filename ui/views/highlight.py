"""Snippets with the query's terms located in them, as plain text plus ``[start, end)`` offsets.

Returning offsets rather than markup keeps the snippet safe for any client: nothing in it is
ever HTML, and each client marks the spans its own way (the chat escapes, then wraps ``<mark>``).
A term matches a word that starts with it, so "drone" also marks "drones" (a trailing "s" of
the query word is dropped first: "drones" marks "drone" too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index import STOPWORDS

SNIPPET_CHARS = 240
_WORD = re.compile(r"\w+", re.UNICODE)

Span = tuple[int, int]


def query_terms(query: str) -> list[str]:
    """Content words of the query, lower-cased, de-duplicated, plural ``s`` dropped."""
    terms: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word in STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
        if stem not in terms:
            terms.append(stem)
    return terms


def term_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Spans of the words of ``text`` that start with one of ``terms``, in order."""
    wanted = tuple(terms)
    if not wanted:
        return []
    spans = []
    for match in _WORD.finditer(text):
        if match.group().lower().startswith(wanted):
            spans.append((match.start(), match.end()))
    return spans


def snippet(text: str, query: str, limit: int = SNIPPET_CHARS) -> tuple[str, list[Span]]:
    """A window of ``text`` (whitespace flattened) holding the most query terms, and their
    offsets in the returned snippet."""
    flat = " ".join(text.split())
    spans = term_spans(flat, query_terms(query))
    if len(flat) <= limit:
        return flat, spans
    start = _best_window(spans, limit)
    start = _word_start(flat, start)
    end = _word_end(flat, min(len(flat), start + limit))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    shift = len(prefix) - start
    inside = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return prefix + flat[start:end] + suffix, inside


def _best_window(spans: list[Span], limit: int) -> int:
    """Start of the ``limit``-wide window covering the most spans (a little context before)."""
    best, best_count = 0, 0
    for i, (s, _) in enumerate(spans):
        count = sum(1 for t, e in spans[i:] if e <= s + limit - 40)
        if count > best_count:
            best, best_count = s, count
    return max(0, best - 40) if best_count else 0


def _word_start(text: str, i: int) -> int:
    if i <= 0:
        return 0
    space = text.rfind(" ", 0, i)
    return space + 1 if space >= 0 and i - space < 30 else i


def _word_end(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    space = text.rfind(" ", 0, i)
    return space if space > 0 and i - space < 30 else i


def with_marks(snippet_text: str, spans: list[Span]) -> str:
    """HTML of a snippet with ``<mark>`` around the spans; the text itself is escaped."""
    import html

    out, at = [], 0
    for s, e in spans:
        out.append(html.escape(snippet_text[at:s]))
        out.append(f"<mark>{html.escape(snippet_text[s:e])}</mark>")
        at = e
    out.append(html.escape(snippet_text[at:]))
    return "".join(out)
