"""``newsrag check``: verify every invariant the index promises; report the first broken one.

The catalog is read in one snapshot (a read transaction), so a check that runs while another
process writes still sees one committed generation. Nothing is written: a vector cache that is
missing or stale (normal after a crash between a commit and the cache write) is rebuilt in
memory from the catalog, checked, and left for the next open to persist.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from index.catalog.catalog import Catalog, CatalogError
from index.catalog.reads import from_blobs
from index.encoding.ann import StaleCache, VectorIndex
from index.encoding.embedding import Encoder
from index.loaders.ids import legacy_url_id
from index.settings import IndexSettings
from index.store import IndexMismatch, NewsIndex
from index.text.hashing import sha256_hex

log = logging.getLogger(__name__)

VALUE_BATCH = 4096  # vectors compared per step (bounded memory on large indexes)
REQUIRED_META = ("schema_version", "model", "dim", "chunker")


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # facts that are not problems
    warnings: list[str] = field(default_factory=list)  # not problems, but asking for attention
    # (each is among the notes too, as "warning: …")

    @property
    def ok(self) -> bool:
        return not self.problems

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.notes.append(f"warning: {message}")


def _first(catalog: Catalog, sql: str) -> tuple | None:
    row = catalog._conn.execute(sql).fetchone()
    return tuple(row) if row else None


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
        'c.id WHERE f.rowid IS NULL OR f.text <> substr(v.text, c.start + 1, c."end" - c.start) '
        "LIMIT 1",
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
        'WHERE f.text <> substr(a.text, c.start + 1, c."end" - c.start) LIMIT 1',
    ),
    (
        "FTS title of chunk {0} differs from the title of its article {1}",
        "SELECT c.id, c.article_id FROM chunks c JOIN chunks_fts f ON f.rowid = c.id "
        "JOIN articles a ON a.id = c.article_id WHERE f.title IS NOT a.title LIMIT 1",
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

Check = Callable[[NewsIndex, CheckReport], None]


def check_index(settings: IndexSettings, embedder: Encoder | None = None) -> CheckReport:
    """Check the index at ``settings.home``; a home without an index is consistent and empty.
    ``embedder``: the encoder the index was built with, when it is not the configured model."""
    report = CheckReport()
    if not NewsIndex.exists(settings):
        return report
    try:
        index = NewsIndex.open(settings, embedder=embedder)
    except (CatalogError, IndexMismatch) as exc:
        report.problems.append(str(exc))
        return report
    try:
        with _snapshot(index.catalog):
            _run_checks(index, report)
    except sqlite3.DatabaseError as exc:  # a damaged page met while reading
        report.problems.append(f"{index.catalog.path}: cannot be read ({exc})")
    finally:
        index.close()
    for note in report.notes:
        if note.removeprefix("warning: ") in report.warnings:
            log.warning("%s", note)
        else:
            log.info("%s", note)
    return report


def _run_checks(index: NewsIndex, report: CheckReport) -> None:
    checks: list[Check] = [
        _integrity,
        _meta,
        _sql_invariants,
        _version_texts,
        _embeddings,
        _vectors,
    ]
    for check in checks:
        check(index, report)
        if report.problems:
            break
    _legacy_ids(index, report)
    _version_growth(index, report)
    report.counts = {**index.catalog.counts(), **report.counts}


@contextmanager
def _snapshot(catalog: Catalog) -> Iterator[None]:
    """Every read inside sees the same committed state, even while another process writes."""
    catalog._conn.execute("BEGIN")
    try:
        yield
    finally:
        if catalog._conn.in_transaction:
            catalog._conn.execute("ROLLBACK")


def _legacy_ids(index: NewsIndex, report: CheckReport) -> None:
    """Ids made by the URL rule before 0.2 (query string dropped) still work; say so."""
    rows = index.catalog._conn.execute("SELECT id, url FROM articles WHERE id LIKE 'url-%'")
    legacy = [r[0] for r in rows if legacy_url_id(r[0], r[1])]
    if legacy:
        report.notes.append(
            f"{len(legacy)} article id(s) (e.g. {legacy[0]}) were made by the URL rule before "
            "0.2, which dropped the query string: they keep working, but ingesting their URL "
            "again adds a new article; 'newsrag reindex' recomputes them (their citation keys "
            "change)"
        )


def _version_growth(index: NewsIndex, report: CheckReport) -> None:
    """What the older versions weigh; a warning for articles holding more older texts than
    NEWSRAG_KEEP_VERSIONS and their cited versions allow (pruned at their next change)."""
    keep = index.settings.keep_versions
    growth = index.catalog.version_growth(keep)
    report.counts["version_texts"] = growth.texts
    report.counts["version_bytes"] = growth.bytes
    report.counts["cited_versions"] = growth.cited
    if not growth.over:
        return
    examples = ", ".join(f"{a}: {n} older texts, {c} cited" for a, n, c in growth.over[:3])
    report.warn(
        f"{len(growth.over)} article(s) keep more older texts than NEWSRAG_KEEP_VERSIONS={keep} "
        f"and their cited versions allow (e.g. {examples}); the surplus is dropped when each "
        "article next changes"
    )


def _integrity(index: NewsIndex, report: CheckReport) -> None:
    result = _first(index.catalog, "PRAGMA quick_check")
    if result and result[0] != "ok":
        report.problems.append(f"{index.catalog.path}: SQLite quick_check: {result[0]}")


def _meta(index: NewsIndex, report: CheckReport) -> None:
    counts = index.catalog.counts()
    if not counts["articles"] and not counts["chunks"]:
        return  # an index that never committed an article may not have its meta yet
    meta = index.catalog.meta()
    missing = [key for key in REQUIRED_META if not meta.get(key)]
    if missing:
        report.problems.append(
            f"{index.catalog.path}: holds articles but its meta table lacks {', '.join(missing)}"
        )


def _sql_invariants(index: NewsIndex, report: CheckReport) -> None:
    for message, sql in SQL_CHECKS:
        row = _first(index.catalog, sql)
        if row is not None:
            report.problems.append(message.format(*row))
            return


def _version_texts(index: NewsIndex, report: CheckReport) -> None:
    """Each kept version's text still hashes to the hash recorded with it."""
    rows = index.catalog._conn.execute(
        "SELECT article_id, version, text, text_hash, chars FROM article_versions "
        "WHERE text IS NOT NULL"
    )
    for article_id, version, text, text_hash, chars in rows:
        if sha256_hex(text) != text_hash or len(text) != chars:
            report.problems.append(
                f"version {version} of {article_id}: its text does not match its recorded hash"
            )
            return
    report.counts["kept_versions"] = int(
        index.catalog._conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]
    )


def _embeddings(index: NewsIndex, report: CheckReport) -> None:
    size = index.dim * 2
    for table, what in (("chunks", "chunk"), ("version_chunks", "kept passage")):
        row = _first(
            index.catalog,
            f"SELECT id, length(embedding) FROM {table} WHERE length(embedding) <> {size} LIMIT 1",
        )
        if row:
            report.problems.append(f"{what} {row[0]} embedding has {row[1]} bytes, expected {size}")
            return


def _vectors(index: NewsIndex, report: CheckReport) -> None:
    """The FAISS ids are exactly the chunk ids, and each vector is the chunk's stored one."""
    ann = _cache(index, report)
    report.counts["vectors"] = len(ann)
    ann_ids = np.sort(ann.ids())
    chunk_ids = np.asarray(
        [r[0] for r in index.catalog._conn.execute("SELECT id FROM chunks ORDER BY id")],
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
    elif ann.exact:
        _vector_values(index, ann, report)
    else:
        report.notes.append(
            f"vector cache: {ann.kind} (codes approximate the vectors): its ids were checked, "
            "its values are re-scored from the catalog at every search"
        )


def _cache(index: NewsIndex, report: CheckReport) -> VectorIndex:
    """The cache file for the snapshot's generation, else a rebuild in memory (not saved)."""
    path, dim, generation = index.settings.vectors_path, index.dim, index.catalog.generation
    try:
        return VectorIndex.load(path, dim, generation)
    except StaleCache as reason:
        report.notes.append(f"vector cache: {reason}; checked a rebuild from the catalog instead")
    ids, vectors = index.catalog.all_vectors(dim)
    return VectorIndex.build(dim, ids, vectors, generation)


def _vector_values(index: NewsIndex, ann: VectorIndex, report: CheckReport) -> None:
    rows = index.catalog._conn.execute("SELECT id, embedding FROM chunks ORDER BY id")
    while batch := rows.fetchmany(VALUE_BATCH):
        ids = np.asarray([r[0] for r in batch], dtype=np.int64)
        stored = from_blobs([r[1] for r in batch], index.dim)
        cached = ann.index.reconstruct_batch(ids)
        differs = np.flatnonzero(np.abs(cached - stored).max(axis=1) > 1e-6)
        if len(differs):
            report.problems.append(
                f"FAISS vector of chunk {ids[differs[0]]} differs from its stored embedding"
            )
            return
