"""Helpers shared by the loader tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from index.loaders import iter_articles
from index.records import Article, LoadProblem

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
SAMPLES = Path(__file__).parents[1] / "data" / "sample"


def load(*paths: str | Path, **kwargs: int) -> list[Article | LoadProblem]:
    return list(iter_articles(paths, **kwargs))


def articles(*paths: str | Path) -> list[Article]:
    found = load(*paths)
    assert all(isinstance(item, Article) for item in found), found
    return [item for item in found if isinstance(item, Article)]


def only(*paths: str | Path) -> Article | LoadProblem:
    found = load(*paths)
    assert len(found) == 1, found
    return found[0]


def only_article(path: str | Path) -> Article:
    item = only(path)
    assert isinstance(item, Article), item
    return item


def only_problem(path: str | Path, **kwargs: int) -> LoadProblem:
    found = load(path, **kwargs)
    assert len(found) == 1 and isinstance(found[0], LoadProblem), found
    return found[0]


def sha16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
