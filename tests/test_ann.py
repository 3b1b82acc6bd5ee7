"""The vector index kinds (issue #19, point 3): IVF-PQ above a size, flat below it or when forced;
a reader catches its cache up with a writer's commits; a forced HNSW graph skips removed
vectors. Real FAISS and SQLite, the hash encoder: the unit tier (the IVF-PQ index over 10,500
articles is in tests/test_ann_ivfpq.py, the integration tier)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import Article, Ingestor, NewsIndex
from index.encoding.ann import FLAT, HNSW, IVFPQ, IVFPQ_FROM, VectorIndex, kind_for
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
    assert set(caught.ids().tolist()) == set(writer.catalog.articles.chunk_ids().tolist())
    hit = reader.dense(HashEncoder().encode_query("late news"), 1)[0][0]
    assert hit in reader.catalog.articles.chunk_ids_of("late")
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
    assert set(reopened.vectors.ids().tolist()) == set(
        reopened.catalog.articles.chunk_ids().tolist()
    )
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
