"""newsrag's index: load, chunk, embed and store articles (SQLite truth + FAISS cache).

Importing this package is cheap: it forces offline mode and exposes the public API lazily, so
the CLI can start without importing torch or FAISS.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from index import offline as _offline  # noqa: F401  (must run before any model library)
from index.filters import FilterError, SearchFilters
from index.records import (
    Article,
    ArticleMeta,
    Chunk,
    FeedSource,
    IngestStatus,
    LoadProblem,
    SearchHit,
    StoredArticle,
    StoryMember,
    WatchItem,
    Watchlist,
)
from index.settings import (
    DEFAULT_MODEL,
    EncoderBackend,
    EnvSettings,
    IndexSettings,
    Precision,
    Secret,
)

if TYPE_CHECKING:
    from index.catalog.catalog import CatalogError, IndexWriteError
    from index.catalog.keyword import STOPWORDS
    from index.check import CheckReport, check_index
    from index.citation_keys import CitationKey, MalformedCitation, citation_key
    from index.citation_lookup import (
        DEFAULT_CONTEXT,
        DeletedArticleError,
        ResolvedCitation,
        StaleCitation,
        UnknownArticle,
        UpdateNote,
        lookup_citation,
        missing_article,
    )
    from index.encoding.ann import VectorIndex
    from index.encoding.embedding import Embedder, Encoder
    from index.encoding.encoders import encoder_for
    from index.ingest.backfill import EmbedSummary
    from index.ingest.ingestor import Ingestor, IngestSummary, ingest_paths
    from index.ingest.maintenance import delete_articles, reindex
    from index.library import DeleteResult, Library
    from index.loaders import SUPPORTED_EXTENSIONS, iter_articles
    from index.loaders.ids import record_upload_name
    from index.stats import index_stats
    from index.store import IndexBusy, IndexMismatch, IndexNotFound, IndexReadOnly, NewsIndex
    from index.text.languages import language_name
    from index.text.outlet_names import display_name
    from index.text.sentences import sentence_spans

_LAZY = {
    "VectorIndex": "index.encoding.ann",
    "CatalogError": "index.catalog.catalog",
    "IndexWriteError": "index.catalog.catalog",
    "DEFAULT_CONTEXT": "index.citation_lookup",
    "ResolvedCitation": "index.citation_lookup",
    "DeletedArticleError": "index.citation_lookup",
    "StaleCitation": "index.citation_lookup",
    "UnknownArticle": "index.citation_lookup",
    "UpdateNote": "index.citation_lookup",
    "lookup_citation": "index.citation_lookup",
    "missing_article": "index.citation_lookup",
    "STOPWORDS": "index.catalog.keyword",
    "DeleteResult": "index.library",
    "Library": "index.library",
    "SUPPORTED_EXTENSIONS": "index.loaders",
    "record_upload_name": "index.loaders.ids",
    "display_name": "index.text.outlet_names",
    "language_name": "index.text.languages",
    "sentence_spans": "index.text.sentences",
    "index_stats": "index.stats",
    "CheckReport": "index.check",
    "check_index": "index.check",
    "CitationKey": "index.citation_keys",
    "MalformedCitation": "index.citation_keys",
    "citation_key": "index.citation_keys",
    "Embedder": "index.encoding.embedding",
    "Encoder": "index.encoding.embedding",
    "encoder_for": "index.encoding.encoders",
    "EmbedSummary": "index.ingest.backfill",
    "IngestSummary": "index.ingest.ingestor",
    "Ingestor": "index.ingest.ingestor",
    "ingest_paths": "index.ingest.ingestor",
    "iter_articles": "index.loaders",
    "delete_articles": "index.ingest.maintenance",
    "reindex": "index.ingest.maintenance",
    "IndexBusy": "index.store",
    "IndexMismatch": "index.store",
    "IndexNotFound": "index.store",
    "IndexReadOnly": "index.store",
    "NewsIndex": "index.store",
}

__all__ = [
    "DEFAULT_CONTEXT",
    "DEFAULT_MODEL",
    "STOPWORDS",
    "SUPPORTED_EXTENSIONS",
    "Article",
    "ArticleMeta",
    "CatalogError",
    "CheckReport",
    "Chunk",
    "CitationKey",
    "DeleteResult",
    "DeletedArticleError",
    "EmbedSummary",
    "Embedder",
    "Encoder",
    "EncoderBackend",
    "EnvSettings",
    "FeedSource",
    "FilterError",
    "IndexBusy",
    "IndexMismatch",
    "IndexNotFound",
    "IndexReadOnly",
    "IndexSettings",
    "IndexWriteError",
    "IngestStatus",
    "IngestSummary",
    "Ingestor",
    "Library",
    "LoadProblem",
    "MalformedCitation",
    "NewsIndex",
    "Precision",
    "ResolvedCitation",
    "SearchFilters",
    "SearchHit",
    "Secret",
    "StaleCitation",
    "StoredArticle",
    "StoryMember",
    "UnknownArticle",
    "UpdateNote",
    "VectorIndex",
    "WatchItem",
    "Watchlist",
    "check_index",
    "citation_key",
    "delete_articles",
    "display_name",
    "encoder_for",
    "index_stats",
    "ingest_paths",
    "iter_articles",
    "language_name",
    "lookup_citation",
    "missing_article",
    "record_upload_name",
    "reindex",
    "sentence_spans",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'index' has no attribute {name!r}")
