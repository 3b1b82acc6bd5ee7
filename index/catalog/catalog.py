"""The SQLite catalog: the single source of truth (articles, chunks, vectors, FTS, meta).

This file holds the schema, the connection (private to ``index/``), transactions and writes;
the queries are in ``index/catalog/reads.py``. A schema change touches ``index/`` only.

Every write is one transaction that also bumps ``meta.generation``; a crash leaves either the
old or the new state of each article. Chunk ids are never reused (AUTOINCREMENT), so a stale
vector cache can never point at a different passage.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.catalog.feeds import CatalogFeeds
from index.catalog.integrity import CatalogIntegrity
from index.catalog.retention import CatalogRetention
from index.catalog.schema import SCHEMA, SCHEMA_VERSION, upgrade
from index.catalog.stories import CatalogStories, hand_over, ungroup
from index.catalog.transfer import CatalogTransfer
from index.catalog.versions import CatalogVersions
from index.records import Article, Chunk

__all__ = ["SCHEMA", "SCHEMA_VERSION", "Catalog", "CatalogError", "IndexWriteError"]

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 30_000  # how long an open waits for another process holding the catalog


class CatalogError(RuntimeError):
    """The catalog file cannot be used; the message names the file and the reason."""


class IndexWriteError(OSError):
    """A write to the index directory failed (disk full, read-only, I/O error).

    The message is one line naming the file, the reason and what state the index is left in.
    """


def storage_failure(exc: sqlite3.Error) -> bool:
    """SQLite errors that come from the file or the disk (not from a bug in a statement)."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _probe(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM meta").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


class Catalog(
    CatalogFeeds,
    CatalogVersions,
    CatalogRetention,
    CatalogStories,
    CatalogIntegrity,
    CatalogTransfer,
):
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            if not self.readonly and self.path.exists() and not _writable(self.path):
                log.info("%s is read-only: opened for reading only", self.path)
                self.readonly = True
            conn = self._open_readonly() if self.readonly else self._open_writable()
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.DatabaseError as exc:
            if not self.path.exists() or not self.path.stat().st_size:
                raise CatalogError(f"cannot create {self.path}: {exc}") from exc
            if "locked" in str(exc):  # e.g. another process upgrading it (which can take long)
                waited = f"{BUSY_TIMEOUT_MS / 1000:g} s"
                raise CatalogError(
                    f"{self.path} is busy: another newsrag process is upgrading or writing it "
                    f"and held it past {waited}; try again when it is done ({exc})"
                ) from exc
            raise CatalogError(f"{self.path}: not a usable newsrag catalog ({exc})") from exc
        conn.row_factory = sqlite3.Row
        return conn

    def _open_writable(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # two first writers may create it
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        upgrade(conn)
        return conn

    def _open_readonly(self) -> sqlite3.Connection:
        """Read-only; on a read-only filesystem SQLite cannot make the WAL's shared-memory file,
        so a catalog without a pending WAL is opened as immutable (nobody can change it)."""
        uri = self.path.resolve().as_uri()
        try:
            return _probe(f"{uri}?mode=ro")
        except sqlite3.OperationalError:
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() and wal.stat().st_size:
                raise
            return _probe(f"{uri}?mode=ro&immutable=1")

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state, even while another process writes (a
        read transaction, ended without writing anything)."""
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")

    @contextmanager
    def transaction(self, content: bool = True) -> Iterator[sqlite3.Connection]:
        """One atomic write that also advances the generation (``content=False``: a write that
        changes no article or passage, e.g. a feed's state, leaves it and the caches alone).

        A failure from the file or the disk (full, read-only, I/O error) rolls back and raises
        ``IndexWriteError`` naming the catalog: the index keeps its last committed state.
        """
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if content:
                    conn.execute(
                        "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                    )
                conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except sqlite3.Error as exc:
            if not storage_failure(exc):
                raise
            raise IndexWriteError(
                f"cannot write {self.path}: {exc}; nothing of this write was saved, the index "
                "keeps its last committed state"
            ) from exc

    def cite_without_waiting(
        self, pairs: Sequence[tuple[str, int]], stamp: str, wait_ms: int = 200
    ) -> bool:
        """``cite_versions`` in a transaction of its own that waits at most ``wait_ms`` for
        another writer (a search must not queue behind an ingest's batch); False when it
        could not write in time."""
        self._conn.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
        try:
            with self.transaction(content=False) as conn:
                self.cite_versions(conn, pairs, stamp)
            return True
        except (sqlite3.OperationalError, IndexWriteError) as exc:
            if "database is locked" in str(exc) or "database is busy" in str(exc):
                return False
            raise
        finally:
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (SQLite may already have, e.g. disk full)."""
        if not self._conn.in_transaction:
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the original error matters more
            log.warning("%s: rollback failed: %s", self.path, exc)

    # -- meta ---------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self._conn.execute("SELECT * FROM meta")}

    def set_meta(self, conn: sqlite3.Connection, values: dict[str, object]) -> None:
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value="
            "excluded.value",
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()],
        )

    @property
    def generation(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    # -- writes (inside ``transaction``) ------------------------------------------------------
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
        (``archive_version``)."""
        stamp = now_iso()
        conn.execute(
            "INSERT INTO articles(id, url, title, title_is_fallback, source, authors, "
            "published_at, section, text, text_hash, content_hash, copy_of, origin, ingested_at, "
            "updated_at, version, modified_at, valid_from) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
            "?,?,?) ON CONFLICT(id) DO UPDATE SET "
            "url=excluded.url, title=excluded.title, title_is_fallback=excluded.title_is_fallback,"
            " source=excluded.source, authors=excluded.authors, published_at="
            "excluded.published_at, section=excluded.section, text=excluded.text, text_hash="
            "excluded.text_hash, content_hash=excluded.content_hash, copy_of=excluded.copy_of, "
            "origin=excluded.origin, updated_at=excluded.updated_at, version=excluded.version, "
            "modified_at=excluded.modified_at, valid_from=excluded.valid_from",
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
                "INSERT INTO chunks_fts(rowid, title, text) VALUES (?,?,?)",
                (chunk_id, title, chunk.text),
            )
            ids.append(chunk_id)
        return ids

    def delete_chunks(self, conn: sqlite3.Connection, article_id: str) -> list[int]:
        ids = [
            r[0] for r in conn.execute("SELECT id FROM chunks WHERE article_id=?", (article_id,))
        ]
        conn.executemany("DELETE FROM chunks_fts WHERE rowid=?", [(i,) for i in ids])
        conn.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        ungroup(conn, article_id)
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
            "UPDATE chunks_fts SET title=(SELECT title FROM articles WHERE id=?) "
            "WHERE rowid IN (SELECT id FROM chunks WHERE article_id=?)",
            (heir, heir),
        )
        hand_over(conn, article_id, heir)
        return heir

    def delete_article_row(self, conn: sqlite3.Connection, article_id: str) -> None:
        conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
