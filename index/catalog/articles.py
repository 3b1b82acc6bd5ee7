"""The catalog's articles and their passages (``ArticleRows``, ``catalog.articles``): every read
the index and the layers above it need of the current texts, returning records
(``ArticleMeta``, ``StoredArticle``, ids, counts), never ``sqlite3.Row`` outside ``index/``,
the FTS5 keyword search (``index.catalog.keyword``), and the writes of articles and passages.

Writes take the connection of the caller's ``Catalog.transaction``. An article whose passages
leave keeps the story rows in step (``StoryRows``, handed over at construction): it leaves its
story, or hands its place to the copy that inherits its passages.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from index.catalog.db import (
    ARTICLE_META_COLUMNS,
    HAS_VECTOR,
    Db,
    batches,
    copies_of,
    from_blobs,
    now_iso,
    row_to_meta,
    to_blob,
)
from index.catalog.keyword import keyword_search
from index.catalog.stories import StoryRows
from index.filters import SearchFilters
from index.records import Article, ArticleMeta, Chunk, StoredArticle


class ArticleRows:
    def __init__(self, db: Db, stories: StoryRows) -> None:
        self._db = db
        self._stories = stories

    # -- reads ----------------------------------------------------------------------------------
    def article_state(self, article_id: str) -> sqlite3.Row | None:
        return self._db.conn.execute(
            "SELECT id, content_hash, text_hash, copy_of, url, source, authors, published_at, "
            "section, title_is_fallback, origin, modified_at FROM articles WHERE id=?",
            (article_id,),
        ).fetchone()

    def primary_with_text(self, text_hash: str, exclude_id: str) -> str | None:
        row = self._db.conn.execute(
            "SELECT id FROM articles WHERE text_hash=? AND copy_of IS NULL AND id<>? LIMIT 1",
            (text_hash, exclude_id),
        ).fetchone()
        return row[0] if row else None

    def article_text(self, article_id: str) -> str | None:
        row = self._db.conn.execute(
            "SELECT text FROM articles WHERE id=?", (article_id,)
        ).fetchone()
        return row[0] if row else None

    def article(self, article_id: str) -> StoredArticle | None:
        """One article with its text and copies (None when it is not in the catalog)."""
        row = self._db.conn.execute(
            f"SELECT {ARTICLE_META_COLUMNS}, copy_of, text, (SELECT count(*) FROM chunks c "
            "WHERE c.article_id = a.id) AS chunks FROM articles a WHERE id=?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        copies = self.copies_of([article_id]).get(article_id, ())
        text = row["text"]
        return StoredArticle(
            row_to_meta(row, copies), row["copy_of"], len(text), row["chunks"], text
        )

    def copies_of(self, article_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        return copies_of(self._db.conn, article_ids)

    def embeddings_by_hash(self, hashes: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for batch in batches(list(set(hashes)), 500):
            marks = ",".join("?" * len(batch))
            for row in self._db.conn.execute(
                f"SELECT embed_hash, embedding FROM chunks WHERE embed_hash IN ({marks}) "
                f"AND {HAS_VECTOR}",
                batch,
            ):
                found[row[0]] = row[1]
        return found

    def chunk_ids_of(self, article_id: str) -> list[int]:
        rows = self._db.conn.execute("SELECT id FROM chunks WHERE article_id=?", (article_id,))
        return [r[0] for r in rows]

    def chunk_ids(self) -> np.ndarray:
        """The ids of every searched chunk, ascending."""
        rows = self._db.conn.execute("SELECT id FROM chunks ORDER BY id").fetchall()
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def embedded_chunk_ids(self) -> np.ndarray:
        """The ids of the searched chunks that have a vector (the vector cache's), ascending."""
        rows = self._db.conn.execute(
            f"SELECT id FROM chunks WHERE {HAS_VECTOR} ORDER BY id"
        ).fetchall()
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def vectors_of(self, chunk_ids: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """The stored (float16) vectors of those of ``chunk_ids`` that are searched chunks
        with a vector."""
        rows = self._db.conn.execute(
            "SELECT id, embedding FROM chunks WHERE id IN (SELECT value FROM json_each(?)) "
            f"AND {HAS_VECTOR}",
            (json.dumps([int(i) for i in chunk_ids]),),
        ).fetchall()
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        return ids, from_blobs([r[1] for r in rows], dim)

    def all_vectors(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        ids, blobs = [], []
        sql = f"SELECT id, embedding FROM chunks WHERE {HAS_VECTOR} ORDER BY id"
        for row in self._db.conn.execute(sql):
            ids.append(row[0])
            blobs.append(row[1])
        return np.asarray(ids, dtype=np.int64), from_blobs(blobs, dim)

    def passages(self, chunk_ids: Sequence[int]) -> dict[int, tuple[ArticleMeta, int, int, str]]:
        """Chunk id -> (article metadata, start, end, passage text) for the searched chunks
        among ``chunk_ids`` (``VersionRows.passages`` adds older versions' kept ones)."""
        out: dict[int, tuple[ArticleMeta, int, int, str]] = {}
        for batch in batches(list(chunk_ids), 500):
            marks = ",".join("?" * len(batch))
            rows = self._db.conn.execute(
                f'SELECT c.id AS chunk_id, c.start, c."end", substr(a.text, c.start + 1, '
                f'c."end" - c.start) AS passage, a.{ARTICLE_META_COLUMNS.replace(", ", ", a.")} '
                f"FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})",
                batch,
            ).fetchall()
            copies = self.copies_of(r["id"] for r in rows)
            for r in rows:
                meta = row_to_meta(r, copies.get(r["id"], ()))
                out[r["chunk_id"]] = (meta, r["start"], r["end"], r["passage"])
        return out

    def published_dates(self, chunk_ids: Sequence[int]) -> dict[int, str | None]:
        """Chunk id -> its article's ``published_at`` (a light lookup: no text is read)."""
        out: dict[int, str | None] = {}
        for batch in batches(list(chunk_ids), 500):
            marks = ",".join("?" * len(batch))
            rows = self._db.conn.execute(
                "SELECT c.id, a.published_at FROM chunks c JOIN articles a "
                f"ON a.id = c.article_id WHERE c.id IN ({marks})",
                batch,
            )
            out.update((int(r[0]), r[1]) for r in rows)
        return out

    def counts(self) -> dict[str, int]:
        one = self._db.conn.execute
        return {
            "articles": one("SELECT count(*) FROM articles").fetchone()[0],
            "primary_articles": one(
                "SELECT count(*) FROM articles WHERE copy_of IS NULL"
            ).fetchone()[0],
            "copies": one("SELECT count(*) FROM articles WHERE copy_of IS NOT NULL").fetchone()[0],
            "chunks": one("SELECT count(*) FROM chunks").fetchone()[0],
            "awaiting_vectors": self.awaiting_count(),
        }

    def awaiting_count(self) -> int:
        """Searched passages with no vector yet."""
        sql = "SELECT count(*) FROM chunks WHERE length(embedding) = 0"
        return int(self._db.conn.execute(sql).fetchone()[0])

    def awaiting(self, limit: int) -> list[tuple[int, str, str]]:
        """(chunk id, article title, passage text) of up to ``limit`` passages with no vector
        yet, the latest written first (news is asked about while it is new)."""
        rows = self._db.conn.execute(
            'SELECT c.id, a.title, substr(a.text, c.start + 1, c."end" - c.start) FROM chunks c '
            "JOIN articles a ON a.id = c.article_id WHERE length(c.embedding) = 0 "
            "ORDER BY c.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [(int(r[0]), r[1], r[2]) for r in rows]

    def fill_vectors(
        self, conn: sqlite3.Connection, chunk_ids: Sequence[int], vectors: np.ndarray
    ) -> list[int]:
        """Give passages still without a vector theirs; the ids written (a passage deleted or
        given one meanwhile is left as it is)."""
        written: list[int] = []
        for chunk_id, vector in zip(chunk_ids, vectors, strict=True):
            cursor = conn.execute(
                "UPDATE chunks SET embedding=? WHERE id=? AND length(embedding) = 0",
                (to_blob(vector), int(chunk_id)),
            )
            if cursor.rowcount:
                written.append(int(chunk_id))
        return written

    def list_articles(
        self, limit: int | None = None, offset: int = 0, filters: SearchFilters | None = None
    ) -> list[StoredArticle]:
        """Articles matching ``filters`` newest first, without their text."""
        where, params = (filters or SearchFilters()).where("a")
        rows = self._db.conn.execute(
            f"SELECT {ARTICLE_META_COLUMNS}, copy_of, length(text) AS chars, "
            "(SELECT count(*) FROM chunks c WHERE c.article_id = a.id) AS chunks "
            f"FROM articles a WHERE {where} ORDER BY published_at DESC, id LIMIT ? OFFSET ?",
            [*params, -1 if limit is None else limit, offset],
        ).fetchall()
        return [StoredArticle(row_to_meta(r), r["copy_of"], r["chars"], r["chunks"]) for r in rows]

    def count_articles(self, filters: SearchFilters | None = None) -> int:
        where, params = (filters or SearchFilters()).where("a")
        row = self._db.conn.execute(f"SELECT count(*) FROM articles a WHERE {where}", params)
        return int(row.fetchone()[0])

    def sources(self) -> list[str]:
        """The outlets named by any article, in alphabetical order."""
        rows = self._db.conn.execute(
            "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL AND source <> '' "
            "ORDER BY lower(source)"
        )
        return [r[0] for r in rows]

    def source_counts(self) -> dict[str, int]:
        """Articles per outlet ("" for none), most first."""
        rows = self._db.conn.execute(
            "SELECT source, count(*) FROM articles GROUP BY source ORDER BY 2 DESC"
        )
        return {s or "": n for s, n in rows}

    def chunk_ids_where(self, filters: SearchFilters) -> np.ndarray:
        """The ids of the passages whose articles pass ``filters``."""
        where, params = filters.where("a")
        rows = self._db.conn.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}",
            params,
        )
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def primary_texts(self) -> Iterator[str]:
        """The text of every article that is not a copy of another."""
        for row in self._db.conn.execute("SELECT text FROM articles WHERE copy_of IS NULL"):
            yield row[0]

    def languages(self) -> list[str]:
        """The languages of the stored articles (ISO 639-1 codes, sorted)."""
        rows = self._db.conn.execute(
            "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL ORDER BY 1"
        )
        return [row[0] for row in rows]

    def language_counts(self) -> dict[str, int]:
        """Primary articles per language (unknown: under ``""``), most first."""
        rows = self._db.conn.execute(
            "SELECT coalesce(language, ''), count(*) FROM articles WHERE copy_of IS NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return {row[0]: row[1] for row in rows}

    def chunk_languages(self, chunk_ids: Sequence[int]) -> dict[int, str | None]:
        """The language of each passage's article."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.conn.execute(
            f"SELECT c.id, a.language FROM chunks c JOIN articles a ON a.id = c.article_id "
            f"WHERE c.id IN ({marks})",
            list(chunk_ids),
        )
        return {row[0]: row[1] for row in rows}

    def keyword(
        self, text: str, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """(chunk id, bm25 relevance), best first: ``index.catalog.keyword.keyword_search``."""
        return keyword_search(self._db.conn, text, k, filters)

    # -- writes (inside ``Catalog.transaction``) ------------------------------------------------
    def upsert_article(
        self,
        conn: sqlite3.Connection,
        article: Article,
        copy_of: str | None,
        version: int = 1,
        valid_from: str | None = None,
    ) -> None:
        """Write ``article`` as version ``version`` of its id, current since ``valid_from``
        (None: since it was published). An earlier version is archived first
        (``VersionRows.archive_version``)."""
        stamp = now_iso()
        conn.execute(
            "INSERT INTO articles(id, url, title, title_is_fallback, source, authors, "
            "published_at, section, text, text_hash, content_hash, copy_of, origin, ingested_at, "
            "updated_at, version, modified_at, valid_from, language) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
            "url=excluded.url, title=excluded.title, title_is_fallback=excluded.title_is_fallback,"
            " source=excluded.source, authors=excluded.authors, published_at="
            "excluded.published_at, section=excluded.section, text=excluded.text, text_hash="
            "excluded.text_hash, content_hash=excluded.content_hash, copy_of=excluded.copy_of, "
            "origin=excluded.origin, updated_at=excluded.updated_at, version=excluded.version, "
            "modified_at=excluded.modified_at, valid_from=excluded.valid_from, "
            "language=excluded.language",
            (
                article.id,
                article.url,
                article.title,
                int(article.title_is_fallback),
                article.source,
                json.dumps(list(article.authors)),
                article.published_at,
                article.section,
                article.text,
                article.text_hash,
                article.content_hash,
                copy_of,
                article.origin,
                stamp,
                stamp,
                version,
                article.modified_at,
                valid_from,
                article.language,
            ),
        )

    def insert_chunks(
        self,
        conn: sqlite3.Connection,
        title: str,
        chunks: Sequence[Chunk],
        embed_hashes: Sequence[str],
        vectors: np.ndarray,
    ) -> list[int]:
        ids: list[int] = []
        for chunk, embed_hash, vector in zip(chunks, embed_hashes, vectors, strict=True):
            cursor = conn.execute(
                'INSERT INTO chunks(article_id, ordinal, start, "end", n_tokens, embed_hash, '
                "embedding) VALUES (?,?,?,?,?,?,?)",
                (
                    chunk.article_id,
                    chunk.ordinal,
                    chunk.start,
                    chunk.end,
                    chunk.n_tokens,
                    embed_hash,
                    to_blob(vector),
                ),
            )
            chunk_id = int(cursor.lastrowid or 0)
            conn.execute(
                "INSERT INTO chunks_fts(rowid, title, text) VALUES (?, fts_text(?), fts_text(?))",
                (chunk_id, title, chunk.text),
            )
            ids.append(chunk_id)
        return ids

    def delete_chunks(self, conn: sqlite3.Connection, article_id: str) -> list[int]:
        """Drop the article's passages (and their keyword rows); it leaves its story."""
        ids = [
            r[0] for r in conn.execute("SELECT id FROM chunks WHERE article_id=?", (article_id,))
        ]
        conn.executemany("DELETE FROM chunks_fts WHERE rowid=?", [(i,) for i in ids])
        conn.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        self._stories.ungroup(conn, article_id)
        return ids

    def promote_first_copy(self, conn: sqlite3.Connection, article_id: str) -> str | None:
        """Hand an article's chunks to its first copy, which becomes the primary; their
        keyword rows take its title (its vectors keep the title prefix they were embedded with
        until a reindex: the text is the same, only the prefix differs)."""
        row = conn.execute(
            "SELECT id FROM articles WHERE copy_of=? ORDER BY id LIMIT 1", (article_id,)
        ).fetchone()
        if row is None:
            return None
        heir = row[0]
        conn.execute("UPDATE articles SET copy_of=NULL WHERE id=?", (heir,))
        conn.execute("UPDATE articles SET copy_of=? WHERE copy_of=?", (heir, article_id))
        conn.execute("UPDATE chunks SET article_id=? WHERE article_id=?", (heir, article_id))
        conn.execute(  # a copy may be filed under another title: its passages now carry it
            "UPDATE chunks_fts SET title=(SELECT fts_text(title) FROM articles WHERE id=?) "
            "WHERE rowid IN (SELECT id FROM chunks WHERE article_id=?)",
            (heir, heir),
        )
        self._stories.hand_over(conn, article_id, heir)
        return heir

    def delete_article_row(self, conn: sqlite3.Connection, article_id: str) -> None:
        conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
