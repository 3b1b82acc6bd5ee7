"""``newsrag check``: verify every invariant the index promises; report the first broken one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.catalog import Catalog, CatalogError
from index.settings import Settings
from index.store import IndexMismatch, NewsIndex


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _first(catalog: Catalog, sql: str) -> tuple | None:
    row = catalog.conn.execute(sql).fetchone()
    return tuple(row) if row else None


SQL_CHECKS: list[tuple[str, str]] = [
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
        "FTS row {0} has no chunk",
        "SELECT f.rowid FROM chunks_fts f LEFT JOIN chunks c ON c.id = f.rowid "
        "WHERE c.id IS NULL LIMIT 1",
    ),
    (
        "chunk {0} has no FTS row",
        "SELECT c.id FROM chunks c LEFT JOIN chunks_fts f ON f.rowid = c.id "
        "WHERE f.rowid IS NULL LIMIT 1",
    ),
    (
        "FTS text of chunk {0} differs from its article's text at its offsets",
        "SELECT c.id FROM chunks c JOIN chunks_fts f ON f.rowid = c.id JOIN articles a "
        'ON a.id = c.article_id WHERE f.text <> substr(a.text, c.start + 1, c."end" - c.start) '
        "LIMIT 1",
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
]


def check_index(settings: Settings) -> CheckReport:
    report = CheckReport()
    if not NewsIndex.exists(settings):
        return report
    try:
        index = NewsIndex.open(settings)
    except (CatalogError, IndexMismatch) as exc:
        report.problems.append(str(exc))
        return report
    try:
        for check in (_integrity, _sql_invariants, _embeddings, _vectors):
            check(index, report)
            if report.problems:
                break
        report.counts = index.catalog.counts()
    finally:
        index.close()
    return report


def _integrity(index: NewsIndex, report: CheckReport) -> None:
    result = _first(index.catalog, "PRAGMA quick_check")
    if result and result[0] != "ok":
        report.problems.append(f"{index.catalog.path}: SQLite quick_check: {result[0]}")


def _sql_invariants(index: NewsIndex, report: CheckReport) -> None:
    for message, sql in SQL_CHECKS:
        row = _first(index.catalog, sql)
        if row is not None:
            report.problems.append(message.format(*row))
            return


def _embeddings(index: NewsIndex, report: CheckReport) -> None:
    size = index.dim * 2
    row = _first(
        index.catalog,
        f"SELECT id, length(embedding) FROM chunks WHERE length(embedding) <> {size} LIMIT 1",
    )
    if row:
        report.problems.append(f"chunk {row[0]} embedding has {row[1]} bytes, expected {size}")


def _vectors(index: NewsIndex, report: CheckReport) -> None:
    """Open the FAISS cache (rebuilt if stale) and match its ids with the chunk ids."""
    ann_ids = np.sort(index.vectors.ids())
    chunk_ids = np.asarray(
        [r[0] for r in index.catalog.conn.execute("SELECT id FROM chunks ORDER BY id")],
        dtype=np.int64,
    )
    if len(ann_ids) != len(chunk_ids):
        report.problems.append(f"FAISS holds {len(ann_ids)} vectors for {len(chunk_ids)} chunks")
    elif not np.array_equal(ann_ids, chunk_ids):
        extra = np.setdiff1d(ann_ids, chunk_ids)
        missing = np.setdiff1d(chunk_ids, ann_ids)
        report.problems.append(
            f"FAISS ids differ from chunk ids (e.g. FAISS-only {extra[:3].tolist()}, "
            f"chunk-only {missing[:3].tolist()})"
        )
