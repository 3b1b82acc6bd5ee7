"""Keyword search over the SQLite FTS5 table (bm25, titles weighted).

User text never reaches FTS5 as syntax: it is cut into word tokens, stop words dropped, and each
token quoted, so quotes, ``NEAR``, ``*``, ``^``, ``AND``/``OR`` and parentheses are just words.
"""

from __future__ import annotations

import re
import sqlite3

from assistant.filters import SearchFilters

TITLE_WEIGHT = 2.0
TEXT_WEIGHT = 1.0
MAX_TERMS = 32
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have he her his how i if in "
    "into is it its me my no not of on or our she so than that the their them then there these "
    "they this to was we were what when where which while who whom why will with would you your "
    "s t can could should about after before during over under up down out also just than "
    "says said say".split()
)


def fts_query(text: str) -> str | None:
    """A safe FTS5 expression matching any of the text's content words (None: nothing to ask)."""
    terms: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or word in terms or (len(word) == 1 and not word.isdigit()):
            continue
        terms.append(word)
    if not terms:
        terms = list(dict.fromkeys(_WORD.findall(text.lower())))
    if not terms:
        return None
    return " OR ".join(f'"{t}"' for t in terms[:MAX_TERMS])


def keyword_search(
    conn: sqlite3.Connection, text: str, k: int, filters: SearchFilters | None = None
) -> list[tuple[int, float]]:
    """(chunk id, bm25 relevance, higher is better), best first, filters applied in SQL."""
    query = fts_query(text)
    if query is None:
        return []
    where, params = (filters or SearchFilters()).where("a")
    rows = conn.execute(
        f"SELECT f.rowid, -bm25(chunks_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) AS score "
        "FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
        f"WHERE chunks_fts MATCH ? AND {where} ORDER BY bm25(chunks_fts, {TITLE_WEIGHT}, "
        f"{TEXT_WEIGHT}) LIMIT ?",
        [query, *params, k],
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]
