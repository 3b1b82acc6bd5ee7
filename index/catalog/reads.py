"""The catalog's reads: every query the index and the layers above it need, returning records
(``ArticleMeta``, ``StoredArticle``, ids, counts), never ``sqlite3.Row`` outside ``index/``.

``Catalog`` (index/catalog/catalog.py) inherits them; the connection stays private to the index.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from index.catalog.keyword import keyword_search
from index.filters import SearchFilters
from index.records import ArticleMeta, StoredArticle

ARTICLE_META_COLUMNS = (
    "id, title, url, source, authors, published_at, section, title_is_fallback, modified_at, "
    "version"
)


def from_blobs(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, dim).astype(np.float32)


class CatalogReads:
    _conn: sqlite3.Connection

    # -- reads --------------------------------------------------------------------------------
    def article_state(self, article_id: str) -> sqlite3.Row | None:
        return self._conn.execute(
            "SELECT id, content_hash, text_hash, copy_of, url, source, authors, published_at, "
            "section, title_is_fallback, origin, modified_at FROM articles WHERE id=?",
            (article_id,),
        ).fetchone()

    def primary_with_text(self, text_hash: str, exclude_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT id FROM articles WHERE text_hash=? AND copy_of IS NULL AND id<>? LIMIT 1",
            (text_hash, exclude_id),
        ).fetchone()
        return row[0] if row else None

    def article_text(self, article_id: str) -> str | None:
        row = self._conn.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()
        return row[0] if row else None

    def article(self, article_id: str) -> StoredArticle | None:
        """One article with its text and copies (None when it is not in the catalog)."""
        row = self._conn.execute(
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
        ids = list(article_ids)
        found: dict[str, list[str]] = {}
        for batch in _batches(ids, 500):
            marks = ",".join("?" * len(batch))
            for row in self._conn.execute(
                f"SELECT id, copy_of FROM articles WHERE copy_of IN ({marks}) ORDER BY id", batch
            ):
                found.setdefault(row["copy_of"], []).append(row["id"])
        return {k: tuple(v) for k, v in found.items()}

    def embeddings_by_hash(self, hashes: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for batch in _batches(list(set(hashes)), 500):
            marks = ",".join("?" * len(batch))
            for row in self._conn.execute(
                f"SELECT embed_hash, embedding FROM chunks WHERE embed_hash IN ({marks})", batch
            ):
                found[row[0]] = row[1]
        return found

    def chunk_ids_of(self, article_id: str) -> list[int]:
        rows = self._conn.execute("SELECT id FROM chunks WHERE article_id=?", (article_id,))
        return [r[0] for r in rows]

    def chunk_ids(self) -> np.ndarray:
        """The ids of every searched chunk, ascending."""
        rows = self._conn.execute("SELECT id FROM chunks ORDER BY id").fetchall()
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def vectors_of(self, chunk_ids: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """The stored (float16) vectors of those of ``chunk_ids`` that are searched chunks."""
        rows = self._conn.execute(
            "SELECT id, embedding FROM chunks WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in chunk_ids]),),
        ).fetchall()
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        return ids, from_blobs([r[1] for r in rows], dim)

    def all_vectors(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        ids, blobs = [], []
        for row in self._conn.execute("SELECT id, embedding FROM chunks ORDER BY id"):
            ids.append(row[0])
            blobs.append(row[1])
        return np.asarray(ids, dtype=np.int64), from_blobs(blobs, dim)

    def passages(self, chunk_ids: Sequence[int]) -> dict[int, tuple[ArticleMeta, int, int, str]]:
        """Chunk id -> (article metadata, start, end, passage text) for existing chunks."""
        out: dict[int, tuple[ArticleMeta, int, int, str]] = {}
        for batch in _batches(list(chunk_ids), 500):
            marks = ",".join("?" * len(batch))
            rows = self._conn.execute(
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
        for batch in _batches(list(chunk_ids), 500):
            marks = ",".join("?" * len(batch))
            rows = self._conn.execute(
                "SELECT c.id, a.published_at FROM chunks c JOIN articles a "
                f"ON a.id = c.article_id WHERE c.id IN ({marks})",
                batch,
            )
            out.update((int(r[0]), r[1]) for r in rows)
        return out

    def counts(self) -> dict[str, int]:
        one = self._conn.execute
        return {
            "articles": one("SELECT count(*) FROM articles").fetchone()[0],
            "primary_articles": one(
                "SELECT count(*) FROM articles WHERE copy_of IS NULL"
            ).fetchone()[0],
            "copies": one("SELECT count(*) FROM articles WHERE copy_of IS NOT NULL").fetchone()[0],
            "chunks": one("SELECT count(*) FROM chunks").fetchone()[0],
        }

    def list_articles(
        self, limit: int | None = None, offset: int = 0, filters: SearchFilters | None = None
    ) -> list[StoredArticle]:
        """Articles matching ``filters`` newest first, without their text."""
        where, params = (filters or SearchFilters()).where("a")
        rows = self._conn.execute(
            f"SELECT {ARTICLE_META_COLUMNS}, copy_of, length(text) AS chars, "
            "(SELECT count(*) FROM chunks c WHERE c.article_id = a.id) AS chunks "
            f"FROM articles a WHERE {where} ORDER BY published_at DESC, id LIMIT ? OFFSET ?",
            [*params, -1 if limit is None else limit, offset],
        ).fetchall()
        return [StoredArticle(row_to_meta(r), r["copy_of"], r["chars"], r["chunks"]) for r in rows]

    def count_articles(self, filters: SearchFilters | None = None) -> int:
        where, params = (filters or SearchFilters()).where("a")
        row = self._conn.execute(f"SELECT count(*) FROM articles a WHERE {where}", params)
        return int(row.fetchone()[0])

    def sources(self) -> list[str]:
        """The outlets named by any article, in alphabetical order."""
        rows = self._conn.execute(
            "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL AND source <> '' "
            "ORDER BY lower(source)"
        )
        return [r[0] for r in rows]

    def source_counts(self) -> dict[str, int]:
        """Articles per outlet ("" for none), most first."""
        rows = self._conn.execute(
            "SELECT source, count(*) FROM articles GROUP BY source ORDER BY 2 DESC"
        )
        return {s or "": n for s, n in rows}

    def chunk_ids_where(self, filters: SearchFilters) -> np.ndarray:
        """The ids of the passages whose articles pass ``filters``."""
        where, params = filters.where("a")
        rows = self._conn.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}",
            params,
        )
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def primary_texts(self) -> Iterator[str]:
        """The text of every article that is not a copy of another."""
        for row in self._conn.execute("SELECT text FROM articles WHERE copy_of IS NULL"):
            yield row[0]

    def keyword(
        self, text: str, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """(chunk id, bm25 relevance), best first: ``index.catalog.keyword.keyword_search``."""
        return keyword_search(self._conn, text, k, filters)


def row_to_meta(row: sqlite3.Row, copies: tuple[str, ...] = ()) -> ArticleMeta:
    return ArticleMeta(
        id=row["id"],
        title=row["title"],
        url=row["url"],
        source=row["source"],
        authors=tuple(json.loads(row["authors"] or "[]")),
        published_at=row["published_at"],
        section=row["section"],
        title_is_fallback=bool(row["title_is_fallback"]),
        copies=copies,
        modified_at=row["modified_at"],
        version=row["version"],
        versions=row["version"],
    )


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
