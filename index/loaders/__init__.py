"""Loaders: files and folders of news articles to ``Article`` records.

``iter_articles`` yields one ``Article`` per article found, or a ``LoadProblem`` for every piece
of input that cannot become one; it never raises for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from index.loaders.files import SUPPORTED_EXTENSIONS, load_file
from index.loaders.walk import walk
from index.records import Article, LoadProblem
from index.settings import IndexSettings

__all__ = ["SUPPORTED_EXTENSIONS", "iter_articles"]


def iter_articles(
    paths: Iterable[str | Path], max_file_bytes: int = IndexSettings.max_file_bytes
) -> Iterator[Article | LoadProblem]:
    """Lazily load files and folders (recursively, sorted, hidden entries skipped)."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield LoadProblem(str(path), "no such file or directory")
        elif path.is_dir():
            for found in walk(path):
                if isinstance(found, LoadProblem):
                    yield found
                else:
                    yield from load_file(found, max_file_bytes, explicit=False)
        else:
            yield from load_file(path, max_file_bytes, explicit=True)
