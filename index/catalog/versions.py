"""Article versions in the catalog: what a correction keeps, and the reads that find it again.

When an article's text changes, its current row is copied to ``article_versions`` and its
passages move to ``version_chunks`` (ids and vectors kept; their rows in ``chunks_fts`` stay,
skipped by searches of current passages): out of the default search, still there for a
citation made against them and for an as-of question about a date when they were current.
A deleted article leaves a row in ``deleted_articles``, so a citation to it says so.

``VersionRows`` (``catalog.versions``) holds them: it extends the articles' reads
(``ArticleRows``, handed over at construction) with the kept passages, and keeps the story rows
in step when an article's passages are kept away (``StoryRows``). How many older texts are kept
is ``index.catalog.retention``'s (``catalog.retention``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from index.catalog.articles import ArticleRows
from index.catalog.db import Db, from_blobs, row_to_meta
from index.catalog.keyword import (
    TEXT_WEIGHT,
    TITLE_WEIGHT,
    content_terms,
    fts_query,
    selective_terms,
)
from index.catalog.stories import StoryRows
from index.filters import SearchFilters
from index.records import ArticleMeta, ArticleVersion, Chunk, DeletedArticle

# The version of each article that was current on a date: the newest whose valid_from is on or
# before it (a first version, valid_from NULL, is current from publication).
_THEN = (
    "SELECT max(v.version) FROM article_versions v WHERE v.article_id = a.id AND "
    "(v.valid_from IS NULL OR substr(v.valid_from, 1, 10) <= :day)"
)

# A kept passage's version, under the alias filters use for an article (its own source and dates)
VERSION_AS_ARTICLE = (
    "JOIN article_versions v ON v.article_id = c.article_id AND v.version = c.version"
)


@dataclass(frozen=True)
class VersionState:
    """What a writer needs of an article's current version."""

    version: int
    valid_from: str | None
    text_hash: str
    modified_at: str | None = None
    published_at: str | None = None


def next_valid_from(modified_at: str | None, current: VersionState, stamp: str) -> str:
    """When a new version became the text: the source's update date when it is believable —
    later than every date the current version carries (its publication, its own update date,
    its start), so a stale date a page keeps showing is not taken, and not after ``stamp`` —
    else ``stamp`` (when newsrag saw the change). A source's date before newsrag first saw the
    older text is believed: an archive ingested today can hold a correction of 2022."""
    known = [d for d in (current.published_at, current.modified_at, current.valid_from) if d]
    if modified_at and modified_at <= stamp and all(modified_at > d for d in known):
        return modified_at
    return stamp


def drop_kept_passages(conn: sqlite3.Connection, where: str, params: tuple[object, ...]) -> None:
    """Delete the kept passages matching ``where`` (over version_chunks) and their FTS rows."""
    ids = [r[0] for r in conn.execute(f"SELECT id FROM version_chunks WHERE {where}", params)]
    conn.executemany("DELETE FROM chunks_fts WHERE rowid=?", [(i,) for i in ids])
    conn.execute(f"DELETE FROM version_chunks WHERE {where}", params)


class VersionRows:
    def __init__(self, db: Db, articles: ArticleRows, stories: StoryRows) -> None:
        self._db = db
        self._articles = articles
        self._stories = stories

    # -- writes (inside ``Catalog.transaction``) ------------------------------------------------
    def archive_version(self, conn: sqlite3.Connection, article_id: str, stamp: str) -> int:
        """Copy the current row of ``article_id`` to ``article_versions``; its version number."""
        row = conn.execute(
            "SELECT version, ingested_at FROM articles WHERE id=?", (article_id,)
        ).fetchone()
        version = int(row["version"])
        seen = self._seen_at(conn, article_id, version, row["ingested_at"])
        conn.execute(
            "INSERT OR REPLACE INTO article_versions(article_id, version, title, url, source, "
            "published_at, modified_at, text, text_hash, chars, origin, valid_from, seen_at, "
            "superseded_at) SELECT id, version, title, url, source, published_at, modified_at, "
            "text, text_hash, length(text), origin, valid_from, ?, ? FROM articles WHERE id=?",
            (seen, stamp, article_id),
        )
        return version

    @staticmethod
    def _seen_at(conn: sqlite3.Connection, article_id: str, version: int, first: str) -> str:
        """When ``version`` was written: when the one before it was superseded."""
        row = conn.execute(
            "SELECT superseded_at FROM article_versions WHERE article_id=? AND version=?",
            (article_id, version - 1),
        ).fetchone()
        return row[0] if row else first

    def keep_version_chunks(
        self, conn: sqlite3.Connection, article_id: str, version: int
    ) -> list[int]:
        """Move the article's passages out of the searched tables, kept as ``version``'s."""
        rows = conn.execute(
            'SELECT id, ordinal, start, "end", n_tokens, embed_hash, embedding FROM chunks '
            "WHERE article_id=?",
            (article_id,),
        ).fetchall()
        for r in rows:
            conn.execute(
                'INSERT INTO version_chunks(id, article_id, version, ordinal, start, "end", '
                "n_tokens, embed_hash, embedding) VALUES (?,?,?,?,?,?,?,?,?)",
                (r[0], article_id, version, r[1], r[2], r[3], r[4], r[5], r[6]),
            )
        ids = [int(r[0]) for r in rows]  # their full-text rows stay: searches leave them out
        conn.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        self._stories.ungroup(conn, article_id)
        return ids

    def insert_version_chunks(
        self,
        conn: sqlite3.Connection,
        pairs: Sequence[tuple[Mapping[str, Any], Chunk]],
        hashes: Sequence[str],
        vectors: np.ndarray | None,
    ) -> None:
        """Kept passages made anew (a rebuild): (version row, chunk) pairs, their embed
        hashes and vectors. Ids come from the chunks' sequence, so no id is ever reused."""
        if not pairs or vectors is None:
            return
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='chunks'").fetchone()
        first = (int(row[0]) if row else 0) + 1
        for n, ((version, chunk), hashed, vector) in enumerate(
            zip(pairs, hashes, vectors, strict=True)
        ):
            conn.execute(
                'INSERT INTO version_chunks(id, article_id, version, ordinal, start, "end", '
                "n_tokens, embed_hash, embedding) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    first + n,
                    version["article_id"],
                    version["version"],
                    chunk.ordinal,
                    chunk.start,
                    chunk.end,
                    chunk.n_tokens,
                    hashed,
                    np.asarray(vector, dtype=np.float16).tobytes(),
                ),
            )
            conn.execute(
                "INSERT INTO chunks_fts(rowid, title, text) VALUES (?, fts_text(?), fts_text(?))",
                (first + n, version["title"], chunk.text),
            )
        last = first + len(pairs) - 1
        moved = conn.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name='chunks'", (last,)
        ).rowcount
        if not moved:  # sqlite_sequence has no unique key: insert only when there is no row
            conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('chunks', ?)", (last,))

    def forget_versions(self, conn: sqlite3.Connection, article_id: str, stamp: str) -> None:
        """A deleted article: its kept versions go, a tombstone says it was deleted."""
        row = conn.execute(
            "SELECT title, version FROM articles WHERE id=?", (article_id,)
        ).fetchone()
        drop_kept_passages(conn, "article_id=?", (article_id,))
        conn.execute("DELETE FROM article_versions WHERE article_id=?", (article_id,))
        conn.execute("DELETE FROM cited_versions WHERE article_id=?", (article_id,))
        conn.execute(
            "INSERT OR REPLACE INTO deleted_articles(id, title, versions, deleted_at) "
            "VALUES (?,?,?,?)",
            (article_id, row["title"], row["version"], stamp),
        )

    # -- reads --------------------------------------------------------------------------------
    def version_state(self, article_id: str) -> VersionState | None:
        row = self._db.conn.execute(
            "SELECT version, valid_from, text_hash, modified_at, published_at FROM articles "
            "WHERE id=?",
            (article_id,),
        ).fetchone()
        return VersionState(int(row[0]), *row[1:]) if row else None

    def history(self, article_id: str) -> list[ArticleVersion]:
        """Every version of an article, oldest first, the current one last ([] if unknown)."""
        kept = self._db.conn.execute(
            "SELECT article_id, version, title, published_at, modified_at, valid_from, seen_at, "
            "superseded_at, chars, text_hash, text IS NULL AS removed FROM article_versions "
            "WHERE article_id=? ORDER BY version",
            (article_id,),
        ).fetchall()
        current = self._db.conn.execute(
            "SELECT id, version, title, published_at, modified_at, valid_from, ingested_at, "
            "length(text) AS chars, text_hash FROM articles WHERE id=?",
            (article_id,),
        ).fetchone()
        if current is None:
            return []
        out = [ArticleVersion(**{**dict(r), "removed": bool(r["removed"])}) for r in kept]
        seen = out[-1].superseded_at if out else current["ingested_at"]
        out.append(
            ArticleVersion(
                article_id,
                current["version"],
                current["title"],
                current["published_at"],
                current["modified_at"],
                current["valid_from"],
                seen or current["ingested_at"],
                None,
                current["chars"],
                current["text_hash"],
            )
        )
        return out

    def version_text(self, article_id: str, version: int) -> str | None:
        """The text of ``version`` of an article (the current one's or a kept one's)."""
        row = self._db.conn.execute(
            "SELECT text FROM articles WHERE id=? AND version=? UNION ALL SELECT text FROM "
            "article_versions WHERE article_id=? AND version=? LIMIT 1",
            (article_id, version, article_id, version),
        ).fetchone()
        return row[0] if row else None

    def version_texts(self, article_id: str) -> list[tuple[int, str | None]]:
        """(version, text or None when removed) of the kept versions, newest first."""
        rows = self._db.conn.execute(
            "SELECT version, text FROM article_versions WHERE article_id=? ORDER BY version DESC",
            (article_id,),
        )
        return [(int(r[0]), r[1]) for r in rows]

    def deleted(self, article_id: str) -> DeletedArticle | None:
        row = self._db.conn.execute(
            "SELECT id, title, versions, deleted_at FROM deleted_articles WHERE id=?",
            (article_id,),
        ).fetchone()
        return DeletedArticle(*row) if row else None

    def versions_at(self, day: str) -> dict[str, int]:
        """Articles whose current version began after ``day`` → the version current on it
        (when its text is still kept: a pruned one leaves the article as it reads now)."""
        rows = self._db.conn.execute(
            "SELECT a.id, v.version FROM articles a JOIN article_versions v ON v.article_id = "
            f"a.id AND v.version = ({_THEN}) WHERE a.version > 1 AND a.valid_from IS NOT NULL "
            "AND substr(a.valid_from, 1, 10) > :day AND v.text IS NOT NULL",
            {"day": day},
        )
        return {r[0]: int(r[1]) for r in rows}

    def chunk_ids_of_articles(self, article_ids: Iterable[str]) -> set[int]:
        rows = self._db.conn.execute(
            "SELECT id FROM chunks WHERE article_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(article_ids)),),
        )
        return {int(r[0]) for r in rows}

    def version_vectors(
        self, wanted: Mapping[str, int], filters: SearchFilters, dim: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and vectors of the kept passages of the ``wanted`` (article → version) versions
        whose versions pass ``filters`` (their own source and dates)."""
        where, params = filters.where("v")
        ids, blobs = [], []
        for article_id, version in wanted.items():
            rows = self._db.conn.execute(
                f"SELECT c.id, c.embedding FROM version_chunks c {VERSION_AS_ARTICLE} "
                f"WHERE c.article_id=? AND c.version=? AND length(c.embedding) > 0 "
                f"AND {where} ORDER BY c.id",
                [article_id, version, *params],
            )
            for r in rows:
                ids.append(int(r[0]))
                blobs.append(r[1])
        return np.asarray(ids, dtype=np.int64), from_blobs(blobs, dim)

    def version_keyword(
        self, text: str, wanted: Mapping[str, int], k: int, filters: SearchFilters
    ) -> list[tuple[int, float]]:
        """bm25 over the kept passages of the ``wanted`` versions, best first: scored in the one
        full-text table, with the same terms and corpus statistics as ``keyword`` scores the
        current passages, so the two lists merge on one scale."""
        if not wanted:
            return []
        query = fts_query(text, selective_terms(self._db.conn, content_terms(text)))
        if query is None:
            return []
        where, params = filters.where("v")
        rank = f"bm25(chunks_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT})"
        rows = self._db.conn.execute(  # the versions travel as one JSON object: no depth limit
            f"SELECT f.rowid, -{rank} FROM chunks_fts f JOIN version_chunks c ON c.id = f.rowid "
            "JOIN json_each(?) w ON w.key = c.article_id AND w.value = c.version "
            f"{VERSION_AS_ARTICLE} WHERE chunks_fts MATCH ? AND {where} ORDER BY {rank} LIMIT ?",
            [json.dumps(dict(wanted)), query, *params, k],
        ).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def passages(self, chunk_ids: Sequence[int]) -> dict[int, tuple[ArticleMeta, int, int, str]]:
        """``ArticleRows.passages``, and older versions' kept passages among ``chunk_ids``."""
        out = self._articles.passages(chunk_ids)
        missing = [i for i in chunk_ids if i not in out]
        if missing and self.has_versions():
            out.update(self.version_passages(missing))
        return out

    def published_dates(self, chunk_ids: Sequence[int]) -> dict[int, str | None]:
        """``ArticleRows.published_dates``, and those of older versions' kept passages."""
        out = self._articles.published_dates(chunk_ids)
        missing = [i for i in chunk_ids if i not in out]
        if missing and self.has_versions():
            out.update(self.version_published_dates(missing))
        return out

    def has_versions(self) -> bool:
        return self._db.conn.execute("SELECT 1 FROM version_chunks LIMIT 1").fetchone() is not None

    def version_passages(
        self, chunk_ids: Sequence[int]
    ) -> dict[int, tuple[ArticleMeta, int, int, str]]:
        """``passages`` for kept passages of older versions: the version's own title, dates and
        text, ``version`` < ``versions``."""
        out: dict[int, tuple[ArticleMeta, int, int, str]] = {}
        if not chunk_ids:
            return out
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.conn.execute(
            f'SELECT c.id AS chunk_id, c.start, c."end", substr(v.text, c.start + 1, '
            'c."end" - c.start) AS passage, v.article_id AS id, v.version, v.title, v.url, '
            "v.source, v.published_at, "
            "v.modified_at, a.authors, a.section, a.title_is_fallback, a.version AS versions, "
            "a.language "
            "FROM version_chunks c JOIN article_versions v ON v.article_id = c.article_id AND "
            "v.version = c.version JOIN articles a ON a.id = c.article_id "
            f"WHERE c.id IN ({marks}) AND v.text IS NOT NULL",
            list(chunk_ids),
        )
        for r in rows:
            meta = replace(row_to_meta(r), versions=r["versions"])
            out[int(r["chunk_id"])] = (meta, r["start"], r["end"], r["passage"])
        return out

    def version_published_dates(self, chunk_ids: Sequence[int]) -> dict[int, str | None]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.conn.execute(
            "SELECT c.id, v.published_at FROM version_chunks c JOIN article_versions v ON "
            f"v.article_id = c.article_id AND v.version = c.version WHERE c.id IN ({marks})",
            list(chunk_ids),
        )
        return {int(r[0]): r[1] for r in rows}
