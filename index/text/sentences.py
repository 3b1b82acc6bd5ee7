"""Sentence spans with exact character offsets (no text is ever rewritten)."""

from __future__ import annotations

import re

# A boundary: sentence-final punctuation (plus closing quotes/brackets) then whitespace, a line
# break, the full-width stops of Chinese and Japanese (and the danda of Hindi), which need no
# space after them, or a space between two Thai letters (Thai has no full stop: a space ends a
# sentence or a clause). Group 1 is the whitespace between two sentences; group 2 a line break;
# group 3 a stop that needs no space (kept); group 4 the space between two Thai sentences.
_BOUNDARY = re.compile(
    r"[.!?…؟]+[\"'”’“»)\]]*(\s+)|(\n\s*)|([。！？।]+[」』”’）]*)"
    r"|(?<=[\u0e01-\u0e5b])( +)(?=[\u0e01-\u0e5b])"
)
_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr st jr sr prof gen sen rep gov lt col sgt capt cmdr adm pres vs etc inc "
        "corp co ltd no fig jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g "
        "i.e a.m p.m"
    ).split()
)
# what a new sentence starts with: a capital (Latin, Greek, Cyrillic), a digit or a letter of a
# script without capitals (Hebrew, Arabic, Devanagari, Thai, Chinese, Japanese, Korean), perhaps
# after an opening quote, bracket or Spanish inverted mark
_NEXT_STARTS_SENTENCE = re.compile(
    r"(?:«\s?|[\"'“‘„¿¡(\[])?[A-Z0-9À-ÖØ-ÞΑ-ΩА-ЯЁЄІЇҐ"
    r"\u05d0-\u05ea\u0620-\u064a\u0904-\u0939\u0e01-\u0e2e\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans ``(s, e)`` of the sentences in ``text[start:end]``, trimmed of outer whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if match.group(1) is not None and not _is_sentence_end(text, match):
            continue
        if match.group(3) is not None:
            gap_start = match.end()
        else:
            gap_start = next(match.start(g) for g in (1, 2, 4) if match.group(g) is not None)
        _append_trimmed(text, spans, cursor, gap_start)
        cursor = match.end()
    _append_trimmed(text, spans, cursor, end)
    return spans


def _is_sentence_end(text: str, match: re.Match[str]) -> bool:
    after = match.end()
    if after < len(text) and not _NEXT_STARTS_SENTENCE.match(text, after):
        return False
    word_start = match.start()
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start : match.start()].lower().strip("\"'“‘(")
    if word in _ABBREVIATIONS:
        return False
    return not (len(word) == 1 and word.isalpha())  # initials such as "J. Smith"


def _append_trimmed(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
