"""The catalog's invariants, as SQL the catalog runs for ``newsrag check``: each a message and a
query that returns the first row breaking it (none: it holds), and the reads the check needs
(SQLite's quick check, the kept versions' texts, the stored embeddings in batches), all inside
one read snapshot (``Catalog.snapshot``): ``IntegrityRows``, ``catalog.integrity``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from index.catalog.db import HAS_VECTOR, Db

VERSION_CHECKS: list[tuple[str, str]] = [
    (
        "article {0} is version {1} but {2} older versions are kept (expected {1} - 1)",
        "SELECT a.id, a.version, (SELECT count(*) FROM article_versions v WHERE v.article_id = "
        "a.id) AS n FROM articles a WHERE n <> a.version - 1 LIMIT 1",
    ),
    (
        "version {1} of {0} is kept but its article is missing or not newer",
        "SELECT v.article_id, v.version FROM article_versions v LEFT JOIN articles a ON a.id = "
        "v.article_id WHERE a.id IS NULL OR v.version >= a.version OR v.version < 1 LIMIT 1",
    ),
    (
        "kept passage {0} (version {2} of {1}) has no kept version text to point into",
        "SELECT c.id, c.article_id, c.version FROM version_chunks c LEFT JOIN article_versions v "
        "ON v.article_id = c.article_id AND v.version = c.version WHERE v.text IS NULL LIMIT 1",
    ),
    (
        "kept passage {0} offsets {1}-{2} do not fit its version's text (length {3})",
        'SELECT c.id, c.start, c."end", length(v.text) FROM version_chunks c JOIN '
        "article_versions v ON v.article_id = c.article_id AND v.version = c.version "
        'WHERE c.start < 0 OR c.start >= c."end" OR c."end" > length(v.text) LIMIT 1',
    ),
    (
        "version {1} of {0} is recorded as cited but its text is gone (a key to it breaks)",
        "SELECT c.article_id, c.version FROM cited_versions c LEFT JOIN articles a ON a.id = "
        "c.article_id LEFT JOIN article_versions v ON v.article_id = c.article_id AND "
        "v.version = c.version WHERE coalesce(a.version = c.version, 0) = 0 AND v.text IS NULL "
        "LIMIT 1",
    ),
    (
        "kept passage {0} is also a searched chunk",
        "SELECT c.id FROM version_chunks c JOIN chunks k ON k.id = c.id LIMIT 1",
    ),
    (
        "kept passage {0} has no FTS row, or its FTS text differs from its version's text",
        "SELECT c.id FROM version_chunks c JOIN article_versions v ON v.article_id = "
        "c.article_id AND v.version = c.version LEFT JOIN chunks_fts f ON f.rowid = "
        "c.id WHERE f.rowid IS NULL OR "
        'f.text <> fts_text(substr(v.text, c.start + 1, c."end" - c.start)) LIMIT 1',
    ),
]

STORY_CHECKS: list[tuple[str, str]] = [
    (
        "article {0} has passages but no story (newsrag story --rebuild groups it)",
        "SELECT DISTINCT c.article_id FROM chunks c LEFT JOIN story_articles s "
        "ON s.article_id = c.article_id WHERE s.article_id IS NULL LIMIT 1",
    ),
    (
        "article {0} is in story {1} but has no passages",
        "SELECT s.article_id, s.story_id FROM story_articles s WHERE NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.article_id = s.article_id) LIMIT 1",
    ),
    (
        "story {0} says {1} articles from {2} to {3}; its members say otherwise",
        "SELECT t.id, t.articles, t.first_day, t.last_day FROM stories t LEFT JOIN (SELECT "
        "story_id, count(*) AS n, min(day) AS first, max(day) AS last FROM story_articles "
        "GROUP BY story_id) m ON m.story_id = t.id WHERE m.n IS NULL OR m.n <> t.articles "
        "OR m.first <> t.first_day OR m.last <> t.last_day LIMIT 1",
    ),
    (
        "article {0} is in story {1}, which does not exist",
        "SELECT s.article_id, s.story_id FROM story_articles s LEFT JOIN stories t "
        "ON t.id = s.story_id WHERE t.id IS NULL LIMIT 1",
    ),
]

INVARIANTS: list[tuple[str, str]] = [
    (
        "chunk {0} points at missing article {1}",
        "SELECT c.id, c.article_id FROM chunks c LEFT JOIN articles a ON a.id = c.article_id "
        "WHERE a.id IS NULL LIMIT 1",
    ),
    (
        "chunk {0} belongs to {1}, which is a copy of another article",
        "SELECT c.id, c.article_id FROM chunks c JOIN articles a ON a.id = c.article_id "
        "WHERE a.copy_of IS NOT NULL LIMIT 1",
    ),
    (
        "chunk {0} offsets {1}-{2} do not fit its article (length {3})",
        'SELECT c.id, c.start, c."end", length(a.text) FROM chunks c JOIN articles a '
        'ON a.id = c.article_id WHERE c.start < 0 OR c.start >= c."end" '
        'OR c."end" > length(a.text) LIMIT 1',
    ),
    (
        "article {0} has chunk ordinals {1}..{2} for {3} chunks (a gap or a stray chunk)",
        "SELECT article_id, min(ordinal), max(ordinal), count(*) FROM chunks GROUP BY article_id "
        "HAVING min(ordinal) <> 0 OR max(ordinal) <> count(*) - 1 LIMIT 1",
    ),
    (
        "FTS row {0} has no chunk and no kept passage",
        "SELECT f.rowid FROM chunks_fts f LEFT JOIN chunks c ON c.id = f.rowid LEFT JOIN "
        "version_chunks k ON k.id = f.rowid WHERE c.id IS NULL AND k.id IS NULL LIMIT 1",
    ),
    (
        "chunk {0} has no FTS row",
        "SELECT c.id FROM chunks c LEFT JOIN chunks_fts f ON f.rowid = c.id "
        "WHERE f.rowid IS NULL LIMIT 1",
    ),
    (
        "FTS text of chunk {0} differs from its article's text at its offsets {1}-{2}",
        'SELECT c.id, c.start, c."end" FROM chunks c JOIN chunks_fts f ON f.rowid = c.id '
        "JOIN articles a ON a.id = c.article_id "
        'WHERE f.text <> fts_text(substr(a.text, c.start + 1, c."end" - c.start)) LIMIT 1',
    ),
    (
        "FTS title of chunk {0} differs from the title of its article {1}",
        "SELECT c.id, c.article_id FROM chunks c JOIN chunks_fts f ON f.rowid = c.id "
        "JOIN articles a ON a.id = c.article_id WHERE f.title IS NOT fts_text(a.title) LIMIT 1",
    ),
    (
        "article {0} is a copy of {1}, which is missing or itself a copy",
        "SELECT a.id, a.copy_of FROM articles a LEFT JOIN articles p ON p.id = a.copy_of "
        "WHERE a.copy_of IS NOT NULL AND (p.id IS NULL OR p.copy_of IS NOT NULL) LIMIT 1",
    ),
    (
        "article {0} is a copy of {1} but their texts differ",
        "SELECT a.id, a.copy_of FROM articles a JOIN articles p ON p.id = a.copy_of "
        "WHERE a.text_hash <> p.text_hash LIMIT 1",
    ),
    (
        "article {0} has no chunks",
        "SELECT a.id FROM articles a WHERE a.copy_of IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.article_id = a.id) LIMIT 1",
    ),
    *VERSION_CHECKS,
    *STORY_CHECKS,
]


EMBEDDED = (("chunks", "chunk"), ("version_chunks", "kept passage"))  # tables with embeddings


class IntegrityRows:
    def __init__(self, db: Db) -> None:
        self._db = db

    def _first(self, sql: str, params: tuple[object, ...] = ()) -> tuple[Any, ...] | None:
        row = self._db.conn.execute(sql, params).fetchone()
        return tuple(row) if row else None

    def quick_check(self) -> str:
        """SQLite's own check of the file: "ok", or the first damage it found."""
        found = self._first("PRAGMA quick_check")
        return str(found[0]) if found else "ok"

    def first_broken_invariant(self) -> tuple[str, tuple[Any, ...]] | None:
        """The first invariant broken (its message, to format with the row), or None."""
        for message, sql in INVARIANTS:
            row = self._first(sql)
            if row is not None:
                return message, row
        return None

    def url_rule_ids(self) -> list[tuple[str, str | None]]:
        """(id, url) of the articles whose id the URL rule made."""
        rows = self._db.conn.execute("SELECT id, url FROM articles WHERE id LIKE 'url-%'")
        return [(r[0], r[1]) for r in rows]

    def kept_version_texts(self) -> Iterator[tuple[str, int, str, str, int]]:
        """(article, version, text, recorded hash, recorded length) of every kept version text."""
        yield from self._db.conn.execute(
            "SELECT article_id, version, text, text_hash, chars FROM article_versions "
            "WHERE text IS NOT NULL"
        )

    def kept_version_count(self) -> int:
        return int(self._db.conn.execute("SELECT count(*) FROM article_versions").fetchone()[0])

    def embedding_of_other_size(self, size: int) -> tuple[str, int, int] | None:
        """(what, its id, its byte length) of the first stored embedding not ``size`` bytes
        (an empty one is a passage not embedded yet)."""
        for table, what in EMBEDDED:
            row = self._first(
                f"SELECT id, length(embedding) FROM {table} "
                f"WHERE length(embedding) NOT IN (0, ?) LIMIT 1",
                (size,),
            )
            if row:
                return what, int(row[0]), int(row[1])
        return None

    def embedding_batches(self, size: int) -> Iterator[list[sqlite3.Row]]:
        """Every embedded searched chunk's (id, embedding), ascending, ``size`` rows at a time."""
        rows = self._db.conn.execute(
            f"SELECT id, embedding FROM chunks WHERE {HAS_VECTOR} ORDER BY id"
        )
        while batch := rows.fetchmany(size):
            yield batch
