"""``newsrag check``: verify every invariant the index promises; report the first broken one.

The catalog is read in one snapshot (a read transaction), so a check that runs while another
process writes still sees one committed generation. Nothing is written: a vector cache that is
missing or stale (normal after a crash between a commit and the cache write) is rebuilt in
memory from the catalog, checked, and left for the next open to persist.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index.catalog.catalog import CatalogError
from index.catalog.db import from_blobs
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
        with index.catalog.snapshot():
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
    report.counts = {**index.catalog.articles.counts(), **report.counts}


def _legacy_ids(index: NewsIndex, report: CheckReport) -> None:
    """Ids made by the URL rule before 0.2 (query string dropped) still work; say so."""
    rows = index.catalog.integrity.url_rule_ids()
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
    growth = index.catalog.retention.version_growth(keep)
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
    result = index.catalog.integrity.quick_check()
    if result != "ok":
        report.problems.append(f"{index.catalog.path}: SQLite quick_check: {result}")


def _meta(index: NewsIndex, report: CheckReport) -> None:
    counts = index.catalog.articles.counts()
    if not counts["articles"] and not counts["chunks"]:
        return  # an index that never committed an article may not have its meta yet
    meta = index.catalog.meta()
    missing = [key for key in REQUIRED_META if not meta.get(key)]
    if missing:
        report.problems.append(
            f"{index.catalog.path}: holds articles but its meta table lacks {', '.join(missing)}"
        )


def _sql_invariants(index: NewsIndex, report: CheckReport) -> None:
    broken = index.catalog.integrity.first_broken_invariant()
    if broken is not None:
        message, row = broken
        report.problems.append(message.format(*row))


def _version_texts(index: NewsIndex, report: CheckReport) -> None:
    """Each kept version's text still hashes to the hash recorded with it."""
    for article_id, version, text, text_hash, chars in index.catalog.integrity.kept_version_texts():
        if sha256_hex(text) != text_hash or len(text) != chars:
            report.problems.append(
                f"version {version} of {article_id}: its text does not match its recorded hash"
            )
            return
    report.counts["kept_versions"] = index.catalog.integrity.kept_version_count()


def _embeddings(index: NewsIndex, report: CheckReport) -> None:
    size = index.dim * 2
    found = index.catalog.integrity.embedding_of_other_size(size)
    if found:
        what, chunk_id, length = found
        report.problems.append(f"{what} {chunk_id} embedding has {length} bytes, expected {size}")


def _vectors(index: NewsIndex, report: CheckReport) -> None:
    """The FAISS ids are exactly the ids of the chunks with a vector, and each vector is the
    chunk's stored one. Chunks still without one (``NEWSRAG_EMBED=leads``) are counted."""
    ann = _cache(index, report)
    report.counts["vectors"] = len(ann)
    ann_ids = np.sort(ann.ids())
    chunk_ids = index.catalog.articles.embedded_chunk_ids()
    if len(ann_ids) != len(chunk_ids):
        report.problems.append(
            f"FAISS holds {len(ann_ids)} vectors for {len(chunk_ids)} chunks with vectors"
        )
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
    ids, vectors = index.catalog.articles.all_vectors(dim)
    return VectorIndex.build(dim, ids, vectors, generation)


def _vector_values(index: NewsIndex, ann: VectorIndex, report: CheckReport) -> None:
    for batch in index.catalog.integrity.embedding_batches(VALUE_BATCH):
        ids = np.asarray([r[0] for r in batch], dtype=np.int64)
        stored = from_blobs([r[1] for r in batch], index.dim)
        cached = ann.index.reconstruct_batch(ids)
        differs = np.flatnonzero(np.abs(cached - stored).max(axis=1) > 1e-6)
        if len(differs):
            report.problems.append(
                f"FAISS vector of chunk {ids[differs[0]]} differs from its stored embedding"
            )
            return
