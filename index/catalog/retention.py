"""Version retention in the catalog (``NEWSRAG_KEEP_VERSIONS``, default 5): when a new version
is written, the older versions that are neither among the N newest nor cited lose their text,
their kept passages (vectors included) and those passages' full-text rows; their dates and hash
stay. A version is cited once a key naming it was handed out (a search hit, an answer's
citation, a timeline's key sentence) or resolved (``cited_versions``), so a key that left the
index never breaks. ``RetentionRows`` (``catalog.retention``) holds these reads and writes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from index.catalog.db import Db
from index.catalog.versions import drop_kept_passages

# An older version ``v`` is recorded as cited
_CITED = (
    "EXISTS (SELECT 1 FROM cited_versions c WHERE c.article_id = v.article_id "
    "AND c.version = v.version)"
)


@dataclass(frozen=True)
class VersionGrowth:
    """What the older versions weigh (``newsrag check``)."""

    texts: int  # older versions whose text (and passages) are kept
    bytes: int  # those texts (UTF-8) and their kept passages' vectors
    cited: int  # versions recorded as cited (current ones included)
    over: list[tuple[str, int, int]]  # articles holding texts the retention would drop:
    # (article id, older texts kept, cited among them), most texts first


class RetentionRows:
    def __init__(self, db: Db) -> None:
        self._db = db

    # -- writes (inside ``Catalog.transaction``) ------------------------------------------------
    def prune_versions(self, conn: sqlite3.Connection, article_id: str, keep: int) -> int:
        """Drop the text and passages (their vectors and full-text rows) of the older versions
        that are neither among the ``keep`` newest nor cited (0: keep all); their dates and
        hashes stay. How many were dropped."""
        if keep <= 0:
            return 0
        old = [
            r[0]
            for r in conn.execute(
                "SELECT v.version FROM article_versions v JOIN articles a ON a.id = v.article_id "
                "WHERE v.article_id=? AND v.text IS NOT NULL AND v.version < a.version - ? "
                f"AND NOT {_CITED}",
                (article_id, keep),
            )
        ]
        for version in old:
            drop_kept_passages(conn, "article_id=? AND version=?", (article_id, version))
            conn.execute(
                "UPDATE article_versions SET text=NULL WHERE article_id=? AND version=?",
                (article_id, version),
            )
        return len(old)

    @staticmethod
    def cite_versions(
        conn: sqlite3.Connection, pairs: Iterable[tuple[str, int]], stamp: str
    ) -> None:
        """Record (article, version) pairs a key was handed out for or resolved to; only a
        version that still holds its text (the current one, a kept older one) is recorded."""
        conn.executemany(
            "INSERT OR IGNORE INTO cited_versions(article_id, version, cited_at) "
            "SELECT :id, :version, :stamp WHERE EXISTS (SELECT 1 FROM articles WHERE id = :id "
            "AND version = :version) OR EXISTS (SELECT 1 FROM article_versions WHERE "
            "article_id = :id AND version = :version AND text IS NOT NULL)",
            [{"id": a, "version": v, "stamp": stamp} for a, v in pairs],
        )

    def copy_cited(
        self,
        conn: sqlite3.Connection,
        source: RetentionRows,
        renamed: Mapping[str, str] | None = None,
    ) -> int:
        """The record of cited versions of ``source`` (a rebuild's old catalog; ``renamed``:
        its article ids that the rebuild changed) for the articles this catalog holds; how
        many rows were copied."""
        renamed = renamed or {}
        rows = source.all_cited()
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO cited_versions(article_id, version, cited_at) "
            "SELECT :id, :version, :stamp WHERE EXISTS (SELECT 1 FROM articles WHERE id = :id)",
            [{"id": renamed.get(r[0], r[0]), "version": r[1], "stamp": r[2]} for r in rows],
        )
        return conn.total_changes - before

    # -- reads ----------------------------------------------------------------------------------
    def all_cited(self) -> list[tuple[str, int, str]]:
        """(article, version, when) of every version recorded as cited."""
        rows = self._db.conn.execute("SELECT article_id, version, cited_at FROM cited_versions")
        return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]

    def uncited(self, pairs: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
        """The (article, version) pairs among ``pairs`` not yet recorded as cited."""
        rows = self._db.conn.execute(
            "SELECT json_extract(w.value, '$[0]'), json_extract(w.value, '$[1]') FROM "
            "json_each(?) w WHERE NOT EXISTS (SELECT 1 FROM cited_versions c WHERE "
            "c.article_id = json_extract(w.value, '$[0]') AND "
            "c.version = json_extract(w.value, '$[1]'))",
            (json.dumps([[a, v] for a, v in pairs]),),
        )
        return [(str(r[0]), int(r[1])) for r in rows]

    def cited_versions(self, article_id: str) -> list[int]:
        """The versions of an article recorded as cited, oldest first."""
        rows = self._db.conn.execute(
            "SELECT version FROM cited_versions WHERE article_id=? ORDER BY version",
            (article_id,),
        )
        return [int(r[0]) for r in rows]

    def version_growth(self, keep: int) -> VersionGrowth:
        """What the older versions weigh, and which articles hold more texts than a retention
        of ``keep`` (0: all) and their cited versions allow."""
        one = self._db.conn.execute
        texts, text_bytes = one(
            "SELECT count(*), coalesce(sum(length(CAST(text AS BLOB))), 0) FROM "
            "article_versions WHERE text IS NOT NULL"
        ).fetchone()
        vector_bytes = one("SELECT coalesce(sum(length(embedding)), 0) FROM version_chunks")
        cited = one("SELECT count(*) FROM cited_versions").fetchone()[0]
        return VersionGrowth(
            int(texts),
            int(text_bytes) + int(vector_bytes.fetchone()[0]),
            int(cited),
            self._over_retention(keep) if keep > 0 else [],
        )

    def _over_retention(self, keep: int) -> list[tuple[str, int, int]]:
        rows = self._db.conn.execute(
            f"SELECT v.article_id, count(*) AS texts, sum({_CITED}) FROM article_versions v "
            "JOIN articles a ON a.id = v.article_id WHERE v.text IS NOT NULL "
            f"GROUP BY v.article_id HAVING sum(v.version < a.version - ? AND NOT {_CITED}) > 0 "
            "ORDER BY texts DESC, v.article_id",
            (keep,),
        )
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]
