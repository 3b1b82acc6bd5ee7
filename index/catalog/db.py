"""What the catalog's repositories share: the one connection (``Db``, opened, upgraded and
closed by ``Catalog``) and the conversions between its rows and the index's records.

A repository holds the ``Db`` it was given, never the ``Catalog``: its reads go through
``db.conn``; its writes take the connection of the caller's ``Catalog.transaction``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

import numpy as np

from index.records import ArticleMeta
from index.text.languages import cjk_bigrams

ARTICLE_META_COLUMNS = (
    "id, title, url, source, authors, published_at, section, title_is_fallback, modified_at, "
    "version, language"
)


class Db:
    """The catalog's connection, as its repositories share it (rows by column name)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


def add_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the catalog's statements use: ``fts_text(x)``, the text as the keyword
    index holds it (runs of unspaced scripts cut into character pairs: ``cjk_bigrams``)."""
    conn.create_function("fts_text", 1, _fts_text, deterministic=True)


def _fts_text(value: str | None) -> str | None:
    return None if value is None else cjk_bigrams(value)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


NOT_EMBEDDED = b""  # the stored embedding of a passage with no vector yet (NEWSRAG_EMBED=leads)
HAS_VECTOR = "length(embedding) > 0"  # SQL: the row has a vector (chunks, version_chunks)


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as stored (float16); a zero row, which no encoder returns, is "not embedded"."""
    if not np.any(vector):
        return NOT_EMBEDDED
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_blobs(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, dim).astype(np.float32)


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
        language=row["language"] if "language" in row.keys() else None,  # noqa: SIM118 (a Row)
    )


def copies_of(conn: sqlite3.Connection, article_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Primary id → the ids of its copies (``ArticleRows.copies_of``; story members read it
    too, without the stories needing the articles' repository)."""
    ids = list(article_ids)
    found: dict[str, list[str]] = {}
    for batch in batches(ids, 500):
        marks = ",".join("?" * len(batch))
        for row in conn.execute(
            f"SELECT id, copy_of FROM articles WHERE copy_of IN ({marks}) ORDER BY id", batch
        ):
            found.setdefault(row["copy_of"], []).append(row["id"])
    return {k: tuple(v) for k, v in found.items()}


def batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
