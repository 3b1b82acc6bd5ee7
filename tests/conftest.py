"""Shared fixtures: the real packaged model (loaded once per session) and a sample index.

Two tiers: tests marked ``unit`` run on fakes (tests/fakes.py) without any model library
(``pytest -m unit``, seconds); every other test is marked ``integration`` here and runs on the
real packaged model, real servers and a real browser (``make test`` runs both)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from index import Embedder, NewsIndex, ingest_paths
from ui.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LOCAL = "http://127.0.0.1"  # in-process clients: the server answers loopback Host names only
MODEL_LIBRARIES = ("torch", "sentence_transformers")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("unit") is None:
            item.add_marker(pytest.mark.integration)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The unit tier must not load a model library: fail it when one was imported."""
    loaded = [m for m in MODEL_LIBRARIES if m in sys.modules]
    if session.config.getoption("markexpr", "") == "unit" and loaded:
        print(f"\nthe unit tier imported {', '.join(loaded)}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default embedder, loaded once; every Embedder in the process shares its model."""
    e = Embedder()
    _ = e.model
    return e


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """An index of the two sample articles, built once per session. Treat as read-only."""
    home = tmp_path_factory.mktemp("sample-index")
    settings = Settings.from_env(env={}, home=str(home))
    index = NewsIndex.open(settings.index, embedder=embedder, create=True)
    summary = ingest_paths(index, [SAMPLE])
    index.close()
    assert summary.added == 2 and summary.failed == 0
    return home


@pytest.fixture()
def sample_copy(tmp_path: Path, sample_home: Path) -> Path:
    """A private, writable copy of the sample index."""
    home = tmp_path / "index"
    shutil.copytree(sample_home, home)
    return home


def settings_for(home: Path, **overrides: object) -> Settings:
    return Settings.from_env(env={}, home=str(home), **overrides)


def passages_for(home: Path, question: str, k: int = 6) -> tuple[list, dict[str, str]]:
    """The question's retrieved passages over the index at ``home``, and their articles' texts
    (what an answer engine is given)."""
    from assistant import Retriever

    index = NewsIndex.open(settings_for(home).index)
    hits = Retriever(index).search(question, k=k)
    texts = {h.article.id: index.catalog.articles.article_text(h.article.id) or "" for h in hits}
    return hits, texts
