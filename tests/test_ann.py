"""The vector index kinds (issue #19, point 3): IVF-PQ above a size, flat below it or when forced;
an IVF-PQ cache keeps its ids exactly, survives a save and load, removes and filters; a search
over it re-scores its candidates exactly from SQLite, so it finds what exact search finds and
with the same scores; a filter that leaves few passages is scored exactly outright. Real FAISS
and SQLite, the hash encoder (10,500 one-line articles): the unit tier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index import Article, Ingestor, NewsIndex, check_index
from index.ann import FLAT, HNSW, IVFPQ, IVFPQ_FROM, MIN_TRAINED, VectorIndex, kind_for
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

WORDS = [f"w{n}" for n in range(3000)]


def _clustered(count: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(64, dim))
    vectors = centres[rng.integers(0, 64, count)] + 0.6 * rng.normal(size=(count, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_the_kind_follows_the_size_unless_forced() -> None:
    assert kind_for(IVFPQ_FROM - 1) == FLAT and kind_for(IVFPQ_FROM) == IVFPQ
    assert kind_for(10, IVFPQ) == IVFPQ and kind_for(10**7, FLAT) == FLAT
    small = VectorIndex.build(384, np.arange(100), _clustered(100), 1, IVFPQ)
    assert small.kind == FLAT  # too few vectors to train codebooks on


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
    ids, vectors = index.catalog.all_vectors(index.dim)
    return VectorIndex.build(index.dim, ids, vectors, 0).search(query, k, allowed)


def test_a_search_over_ivfpq_finds_what_exact_search_finds_with_exact_scores(
    big: NewsIndex,
) -> None:
    """Queries are articles' own texts (hash vectors tie a lot: a clear best hit makes the
    comparison meaningful); the product's recall on real vectors is in bench/ann.py."""
    assert big.vectors.kind == IVFPQ
    same = 0
    for n in range(0, 10_500, 350):
        text = big.catalog.article_text(f"a{n}") or ""
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
    allowed = np.asarray(sorted(big.catalog.chunk_ids_of("a5") + big.catalog.chunk_ids_of("a9")))
    got, want = big.dense(query, 5, allowed), _exact(big, query, 5, allowed)
    assert [i for i, _ in got] == [i for i, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)


def test_an_ivfpq_index_takes_new_articles_and_passes_check(big: NewsIndex) -> None:
    with big.write_lock():
        Ingestor(big).run([Article(id="new", title="w7", text=" ".join(WORDS[100:112]) + ".")])
    assert big.vectors.kind == IVFPQ
    hits = big.dense(big.embedder.encode_query("w7 " + " ".join(WORDS[100:112])), 1)
    assert hits and hits[0][0] in big.catalog.chunk_ids_of("new")
    report = check_index(big.settings, HashEncoder())
    assert report.ok and any("ivfpq" in note for note in report.notes)


def _small(home: Path) -> NewsIndex:
    index = NewsIndex.open(settings_for(home).index, embedder=HashEncoder(), create=True)
    with index.write_lock():
        Ingestor(index).run(
            [Article(id=f"s{n}", title="T", text=f"word{n} text.") for n in range(5)]
        )
    return index


def test_a_reader_catches_its_cache_up_with_a_writers_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = _small(tmp_path)
    reader = NewsIndex.open(writer.settings, embedder=HashEncoder())
    assert len(reader.vectors) == 5  # the saved cache, loaded
    with writer.write_lock():  # two commits, the cache file left behind
        Ingestor(writer, save_cache=False).run([Article(id="late", title="T", text="late news.")])
        Ingestor(writer, save_cache=False).run([Article(id="s0", title="T", text="changed.")])

    def no_rebuild(save: bool) -> VectorIndex:
        raise AssertionError("rebuilt every vector instead of catching up")

    monkeypatch.setattr(reader, "rebuild_vectors", no_rebuild)
    caught = reader.vectors
    assert caught.generation == writer.catalog.generation
    assert set(caught.ids().tolist()) == set(writer.catalog.chunk_ids().tolist())
    hit = reader.dense(HashEncoder().encode_query("late news"), 1)[0][0]
    assert hit in reader.catalog.chunk_ids_of("late")
    reader.close()
    writer.close()


def test_another_catalogs_cache_is_never_caught_up(tmp_path: Path) -> None:
    first, second = _small(tmp_path / "a"), _small(tmp_path / "b")
    first.close()
    with second.write_lock():
        Ingestor(second).run([Article(id="b-only", title="T", text="only in b.")])
    second.close()
    # the first home's cache file next to the second home's catalog (a reindex between swaps)
    (tmp_path / "a" / "vectors.faiss").replace(tmp_path / "b" / "vectors.faiss")
    reopened = NewsIndex.open(settings_for(tmp_path / "b").index, embedder=HashEncoder())
    assert set(reopened.vectors.ids().tolist()) == set(reopened.catalog.chunk_ids().tolist())
    reopened.close()


def test_a_forced_hnsw_graph_skips_removed_vectors_saves_them_and_filters(
    tmp_path: Path,
) -> None:
    vectors = _clustered(3000)
    ids = np.arange(3000, dtype=np.int64) + 1
    ann = VectorIndex.build(384, ids, vectors, 2, HNSW)
    assert ann.kind == HNSW and ann.exact
    query = vectors[10]
    assert ann.search(query, 1)[0][0] == 11
    ann.remove([11, 12])
    assert len(ann) == 2998 and 11 not in set(ann.ids().tolist())
    assert 11 not in [i for i, _ in ann.search(query, 20)]
    allowed = np.asarray([11, 13, 14, 15])
    assert set(i for i, _ in ann.search(query, 5, allowed)) <= {13, 14, 15}

    path = tmp_path / "vectors.faiss"
    ann.save(path)
    loaded = VectorIndex.load(path, 384, 2)
    assert loaded.kind == HNSW and loaded.removed == {11, 12} and len(loaded) == 2998
    assert loaded.search(query, 5) == ann.search(query, 5)
    ann.remove(list(range(20, 800)))
    assert ann.needs_rebuild  # a fifth removed: the next ingest builds the graph again
