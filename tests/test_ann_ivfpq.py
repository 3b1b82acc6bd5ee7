"""IVF-PQ over a real catalog (issue #19, point 3), moved out of the unit tier (issue #28's
round: heavy fixtures belong to the integration tier): an IVF-PQ cache keeps its ids exactly,
survives a save and load, removes and filters; a search over it re-scores its candidates exactly
from SQLite, so it finds what exact search finds and with the same scores; a filter that leaves
few passages is scored exactly outright. Real FAISS and SQLite, the hash encoder (10,500
one-line articles, trained once per module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index import Article, Ingestor, NewsIndex, check_index
from index.encoding.ann import IVFPQ, MIN_TRAINED, VectorIndex
from tests.conftest import settings_for
from tests.fakes import HashEncoder
from tests.test_ann import WORDS, _clustered


def test_an_ivfpq_cache_keeps_ids_saves_removes_and_filters(tmp_path: Path) -> None:
    vectors = _clustered(MIN_TRAINED + 500)
    ids = np.arange(len(vectors), dtype=np.int64) * 3 + 7
    ann = VectorIndex.build(384, ids, vectors, 5, IVFPQ)
    assert ann.kind == IVFPQ and not ann.exact
    assert np.array_equal(ann.ids(), ids)
    ann.remove([int(ids[0]), int(ids[1])])
    assert len(ann) == len(ids) - 2 and int(ids[0]) not in set(ann.ids().tolist())

    path = tmp_path / "vectors.faiss"
    ann.save(path)
    loaded = VectorIndex.load(path, 384, 5)
    assert loaded.kind == IVFPQ and len(loaded) == len(ann)
    query = vectors[100]
    assert loaded.search(query, 5) == ann.search(query, 5)
    allowed = ids[200:260]
    found = [i for i, _ in loaded.search(query, 10, allowed)]
    assert found and set(found) <= set(allowed.tolist())


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsIndex]:
    """10,500 one-line articles, their cache rebuilt as IVF-PQ."""
    settings = settings_for(tmp_path_factory.mktemp("ann"), commit_chunks=4096).index
    index = NewsIndex.open(settings, embedder=HashEncoder(), create=True)
    rng = np.random.default_rng(1)
    articles = [
        Article(
            id=f"a{n}",
            title=f"Item {n}",
            text=" ".join(rng.choice(WORDS, 12)) + ".",
            source="Even" if n % 2 == 0 else "Odd",
        )
        for n in range(10_500)
    ]
    with index.write_lock():
        Ingestor(index).run(articles)
        with index.catalog.transaction() as conn:
            index.catalog.set_meta(conn, {"ann": IVFPQ})
        index.rebuild_vectors(save=True)
    yield index
    index.close()


def _exact(index: NewsIndex, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
    ids, vectors = index.catalog.articles.all_vectors(index.dim)
    return VectorIndex.build(index.dim, ids, vectors, 0).search(query, k, allowed)


def test_a_search_over_ivfpq_finds_what_exact_search_finds_with_exact_scores(
    big: NewsIndex,
) -> None:
    """Queries are articles' own texts (hash vectors tie a lot: a clear best hit makes the
    comparison meaningful); the product's recall on real vectors is in bench/ann.py."""
    assert big.vectors.kind == IVFPQ
    same = 0
    for n in range(0, 10_500, 350):
        text = big.catalog.articles.article_text(f"a{n}") or ""
        query = big.embedder.encode_query(text)
        got, want = big.dense(query, 10), _exact(big, query, 10)
        same += got[0][0] == want[0][0]
        exact = dict(want)
        for chunk_id, score in got:  # re-scored exactly
            if chunk_id in exact:
                assert score == pytest.approx(exact[chunk_id], abs=1e-5)
    assert same >= 29  # of 30


def test_a_narrow_filter_on_ivfpq_is_scored_exactly(big: NewsIndex) -> None:
    query = big.embedder.encode_query("w10 w20 w30 w40")
    allowed = np.asarray(
        sorted(big.catalog.articles.chunk_ids_of("a5") + big.catalog.articles.chunk_ids_of("a9"))
    )
    got, want = big.dense(query, 5, allowed), _exact(big, query, 5, allowed)
    assert [i for i, _ in got] == [i for i, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)


def test_an_ivfpq_index_takes_new_articles_and_passes_check(big: NewsIndex) -> None:
    with big.write_lock():
        Ingestor(big).run([Article(id="new", title="w7", text=" ".join(WORDS[100:112]) + ".")])
    assert big.vectors.kind == IVFPQ
    hits = big.dense(big.embedder.encode_query("w7 " + " ".join(WORDS[100:112])), 1)
    assert hits and hits[0][0] in big.catalog.articles.chunk_ids_of("new")
    report = check_index(big.settings, HashEncoder())
    assert report.ok and any("ivfpq" in note for note in report.notes)
