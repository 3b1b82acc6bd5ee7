"""Keyword search over the SQLite FTS5 table (bm25, titles weighted).

User text never reaches FTS5 as syntax: it is cut into word tokens, stop words dropped, and each
token quoted, so quotes, ``NEAR``, ``*``, ``^``, ``AND``/``OR`` and parentheses are just words.
"""

from __future__ import annotations

import re
import sqlite3

from index.filters import SearchFilters
from index.text.languages import cjk_bigrams

TITLE_WEIGHT = 2.0
TEXT_WEIGHT = 1.0
MAX_TERMS = 32
COMMON_SHARE = 0.10
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be been but by did do does for from had has have he her his how i if in "
    "into is it its me my no not of on or our she so than that the their them then there these "
    "they this to was we were what when where which while who whom why will with would you your "
    "s t can could should about after before during over under up down out also just than "
    "says said say".split()
)


def content_terms(text: str) -> list[str]:
    """The text's distinct lower-cased words, stop words and single letters dropped (all its
    words when nothing else is left); runs of unspaced scripts count as their character pairs,
    as the index holds them (``index.text.languages.cjk_bigrams``)."""
    words = _WORD.findall(cjk_bigrams(text.lower()))
    terms = [w for w in dict.fromkeys(words) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return (terms or list(dict.fromkeys(words)))[:MAX_TERMS]


def fts_query(text: str, terms: list[str] | None = None) -> str | None:
    """A safe FTS5 expression matching any of the content words (None: nothing to ask)."""
    terms = content_terms(text) if terms is None else terms
    return " OR ".join(f'"{t}"' for t in terms) or None


def selective_terms(conn: sqlite3.Connection, terms: list[str]) -> list[str]:
    """Drop terms found in more than ``COMMON_SHARE`` of the passages ("new", "year"...): they
    barely move bm25 but make FTS5 score most of the corpus. Keeps the rarest two if all are.

    Counting stops at the cut-off (a LIMIT inside the count), so this costs ~2 ms per query on
    the 37k-passage benchmark index whatever the terms; FTS5 applies its own stemming."""
    if len(terms) <= 2:
        return terms
    total = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    cap = max(1, int(COMMON_SHARE * total))
    counts = {
        t: conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid "
            "NOT IN (SELECT id FROM version_chunks) LIMIT ?)",
            [f'"{t}"', cap + 1],
        ).fetchone()[0]
        for t in terms
    }
    kept = [t for t in terms if counts[t] <= cap]
    return kept or sorted(terms, key=lambda t: counts[t])[:2]


def keyword_search(
    conn: sqlite3.Connection, text: str, k: int, filters: SearchFilters | None = None
) -> list[tuple[int, float]]:
    """(chunk id, bm25 relevance, higher is better), best first, filters applied in SQL."""
    query = fts_query(text, selective_terms(conn, content_terms(text)))
    if query is None:
        return []
    filters = filters or SearchFilters()
    rank = f"bm25(chunks_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT})"
    if not filters.active:
        sql = (  # no filter: no join, FTS5 alone (about twice as fast on the full corpus);
            # older versions' kept passages share the table and are left out
            f"SELECT rowid, -{rank} FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid NOT IN "
            f"(SELECT id FROM version_chunks) ORDER BY {rank} LIMIT ?"
        )
        rows = conn.execute(sql, [query, k]).fetchall()
    else:
        where, params = filters.where("a")
        rows = conn.execute(
            f"SELECT f.rowid, -{rank} FROM chunks_fts f JOIN chunks c ON c.id = f.rowid "
            f"JOIN articles a ON a.id = c.article_id WHERE chunks_fts MATCH ? AND {where} "
            f"ORDER BY {rank} LIMIT ?",
            [query, *params, k],
        ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]
