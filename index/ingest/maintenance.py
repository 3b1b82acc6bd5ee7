"""Delete articles and rebuild an index with another model or chunker (``reindex``)."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from index.catalog.catalog import Catalog
from index.catalog.db import now_iso
from index.catalog.transfer import VERSION_COLUMNS
from index.ingest.embed_stage import bulk_policy, embed_hash
from index.ingest.ingestor import Ingestor, IngestSummary
from index.loaders.ids import legacy_url_id, url_id
from index.records import Article
from index.settings import IndexSettings
from index.store import NewsIndex, open_catalog
from index.write_lock import hold_write_lock

log = logging.getLogger(__name__)


def delete_articles(index: NewsIndex, article_ids: Sequence[str]) -> dict[str, list[str]]:
    """Delete articles (a primary's first copy inherits its chunks). Unknown ids are reported."""
    deleted: list[str] = []
    with index.write_lock():
        present = [a for a in dict.fromkeys(article_ids) if index.catalog.articles.article_state(a)]
        missing = [a for a in article_ids if a not in present]
        if not present:  # nothing to delete: no transaction, the generation stays
            return {"deleted": [], "missing": missing, "warnings": []}
        vectors = index.vectors
        removed: list[int] = []
        with index.catalog.transaction() as conn:
            for article_id in present:
                if index.catalog.articles.promote_first_copy(conn, article_id) is None:
                    removed += index.catalog.articles.delete_chunks(conn, article_id)
                index.catalog.versions.forget_versions(conn, article_id, now_iso())
                index.catalog.articles.delete_article_row(conn, article_id)
                deleted.append(article_id)
        vectors.remove(removed)
        vectors.generation = index.catalog.generation
        cache_problem = index.adopt_vectors(vectors, save=True)
    warnings = [cache_problem] if cache_problem else []
    return {"deleted": deleted, "missing": missing, "warnings": warnings}


def stored_articles(catalog: Catalog) -> Iterable[Article]:
    """Every article as stored, primaries before their copies (so copies stay copies); an id
    made by the URL rule before 0.2 is recomputed by today's rule."""
    for row in catalog.transfer.stored_rows():
        yield Article(
            id=url_id(row["url"]) if legacy_url_id(row["id"], row["url"]) else row["id"],
            text=row["text"],
            title=row["title"],
            url=row["url"],
            source=row["source"],
            authors=tuple(_json_list(row["authors"])),
            published_at=row["published_at"],
            section=row["section"],
            title_is_fallback=bool(row["title_is_fallback"]),
            origin=row["origin"] or "",
            modified_at=row["modified_at"],
        )


def _renamed(catalog: Catalog) -> dict[str, str]:
    """Ids made by the URL rule before 0.2 → today's (as ``stored_articles`` rewrites them)."""
    urls = catalog.transfer.article_urls()
    return {i: url_id(url) for i, url in urls if legacy_url_id(i, url)}


def _json_list(raw: str | None) -> list[str]:
    import json

    return list(json.loads(raw or "[]"))


def carry_ingested_at(source: Catalog, target: NewsIndex) -> None:
    """Each article keeps when it was first ingested, not when it was reindexed: an undated
    article's day in stories and timelines (and its versions' 'seen' dates) come from it."""
    rows = source.transfer.ingested_times()
    with target.catalog.transaction() as conn:
        target.catalog.transfer.set_ingested_times(conn, rows)


def carry_versions(source: Catalog, target: NewsIndex) -> int:
    """Kept versions, version numbers and tombstones into a rebuilt index; the older versions'
    passages chunked and embedded again with the target's model. How many versions."""
    moved = source.transfer
    versions, heads, deleted = moved.version_rows(), moved.version_heads(), moved.tombstones()
    if not (versions or deleted):
        return 0
    searched = moved.searched_versions()
    chunked = [
        (row, target.chunker.chunk(Article(row["article_id"], row["text"], row["title"])))
        for row in versions
        if row["text"] is not None and (row["article_id"], row["version"]) in searched
    ]
    texts = [target.chunker.embed_text(r["title"], c.text) for r, cs in chunked for c in cs]
    vectors = target.embedder.encode_documents(texts) if texts else None
    catalog, renamed = target.catalog, _renamed(source)
    with catalog.transaction() as conn:
        catalog.transfer.insert_versions(
            conn,
            [
                (
                    renamed.get(r["article_id"], r["article_id"]),
                    *(r[c] for c in VERSION_COLUMNS[1:]),
                )
                for r in versions
            ],
        )
        catalog.transfer.set_version_heads(
            conn, [(r["version"], r["valid_from"], renamed.get(r["id"], r["id"])) for r in heads]
        )
        catalog.transfer.insert_tombstones(conn, deleted)
        pairs = [
            ({**dict(r), "article_id": renamed.get(r["article_id"], r["article_id"])}, c)
            for r, cs in chunked
            for c in cs
        ]
        hashes = [embed_hash(target.model_name, t) for t in texts]
        catalog.versions.insert_version_chunks(conn, pairs, hashes, vectors)
    return len(versions)


def reindex(
    settings: IndexSettings,
    on_progress: Callable[[IngestSummary], None] | None = None,
    ann: str | None = None,
) -> IngestSummary:
    """Rebuild every chunk and vector from stored article texts into a new directory, then
    switch over by renaming files; the old index serves until the switch. ``ann`` forces the
    vector index kind (flat, ivfpq; "auto": by size again; None: as before)."""
    staging = settings.home / ".reindex"
    shutil.rmtree(staging, ignore_errors=True)
    with hold_write_lock(settings.home):
        source = open_catalog(settings.catalog_path)
        target = NewsIndex.open(replace(settings, home=staging), create=True)
        try:
            forced = source.meta().get("ann", "") if ann is None else ann.replace("auto", "")
            with target.catalog.transaction() as conn:
                target.catalog.set_meta(conn, {"ann": forced})
            size = settings.catalog_path.stat().st_size  # a bulk index is reindexed as bulk
            embed = bulk_policy(settings.embed, size)
            ingest = Ingestor(target, on_progress, save_cache=False, embed=embed)  # fitted to ann
            summary = ingest.run(stored_articles(source))
            carry_versions(source, target)  # kept passages only: the searched vectors stand
            with target.catalog.transaction(content=False) as conn:  # keys handed out stay
                target.catalog.retention.copy_cited(conn, source.retention, _renamed(source))
            with target.catalog.transaction(content=False) as conn:  # cursors at the new head
                target.catalog.watchlists.carry(source.watchlists, conn)
            carry_ingested_at(source, target)
            target.regroup_stories()  # oldest first, whatever order the articles came in
            ingest.vectors.generation = target.catalog.generation
            target.adopt_vectors(ingest.vectors, save=True)
            source.transfer.checkpoint()
        finally:
            source.close()
            target.close()
        for suffix in ("-wal", "-shm"):  # the old catalog's log must not meet the new file
            settings.catalog_path.with_name(settings.catalog_path.name + suffix).unlink(
                missing_ok=True
            )
        os.replace(staging / settings.vectors_path.name, settings.vectors_path)
        os.replace(staging / settings.catalog_path.name, settings.catalog_path)
        shutil.rmtree(staging, ignore_errors=True)
    return summary
