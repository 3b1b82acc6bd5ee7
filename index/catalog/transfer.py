"""What a reindex carries from the old catalog into the new one, as the catalog reads and writes
it: the stored articles in the order they are ingested again, when each was first ingested,
the kept versions with their heads and tombstones (``index.ingest.maintenance`` decides what
is carried; this is its SQL): ``TransferRows``, ``catalog.transfer``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from index.catalog.db import Db

VERSION_COLUMNS = (
    "article_id, version, title, url, source, published_at, modified_at, text, text_hash, chars, "
    "origin, valid_from, seen_at, superseded_at"
).split(", ")


class TransferRows:
    def __init__(self, db: Db) -> None:
        self._db = db

    # -- reads (the old catalog) -----------------------------------------------------------------
    def stored_rows(self) -> Iterator[sqlite3.Row]:
        """Every article row, primaries before their copies, oldest ingested first."""
        yield from self._db.conn.execute(
            "SELECT * FROM articles ORDER BY copy_of IS NOT NULL, ingested_at, id"
        )

    def article_urls(self) -> list[tuple[str, str]]:
        """(id, url) of every article with a URL."""
        rows = self._db.conn.execute("SELECT id, url FROM articles WHERE url IS NOT NULL")
        return [(r[0], r[1]) for r in rows]

    def ingested_times(self) -> list[tuple[str, str]]:
        """(ingested_at, id) of every article."""
        return [(r[0], r[1]) for r in self._db.conn.execute("SELECT ingested_at, id FROM articles")]

    def version_rows(self) -> list[sqlite3.Row]:
        return self._db.conn.execute(
            "SELECT * FROM article_versions ORDER BY article_id, version"
        ).fetchall()

    def version_heads(self) -> list[sqlite3.Row]:
        """Articles past their first version: (id, version, valid_from)."""
        return self._db.conn.execute(
            "SELECT id, version, valid_from FROM articles WHERE version > 1"
        ).fetchall()

    def tombstones(self) -> list[sqlite3.Row]:
        return self._db.conn.execute(
            "SELECT id, title, versions, deleted_at FROM deleted_articles"
        ).fetchall()

    def searched_versions(self) -> set[tuple[str, int]]:
        """(article, version) of the older versions whose passages are searched."""
        rows = self._db.conn.execute("SELECT DISTINCT article_id, version FROM version_chunks")
        return {(r[0], r[1]) for r in rows}

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file (before the file is moved away)."""
        self._db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- writes (the new catalog, inside ``transaction``) --------------------------------------
    def set_ingested_times(self, conn: sqlite3.Connection, rows: Iterable[tuple[str, str]]) -> None:
        conn.executemany("UPDATE articles SET ingested_at=? WHERE id=?", list(rows))

    def insert_versions(self, conn: sqlite3.Connection, rows: Iterable[Sequence[object]]) -> None:
        """Kept versions, each a row in ``VERSION_COLUMNS`` order."""
        conn.executemany(
            f"INSERT INTO article_versions({', '.join(VERSION_COLUMNS)}) VALUES "
            f"({','.join('?' * len(VERSION_COLUMNS))})",
            list(rows),
        )

    def set_version_heads(
        self, conn: sqlite3.Connection, rows: Iterable[tuple[int, str | None, str]]
    ) -> None:
        """(version, valid_from, id) of articles past their first version."""
        conn.executemany("UPDATE articles SET version=?, valid_from=? WHERE id=?", list(rows))

    def insert_tombstones(self, conn: sqlite3.Connection, rows: Iterable[Sequence[object]]) -> None:
        conn.executemany("INSERT INTO deleted_articles VALUES (?,?,?,?)", list(rows))
