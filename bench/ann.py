"""The ANN table: exact flat search against IVF-PQ with exact re-ranking, at 37k, 1M and 10M.

Vectors: the 36,930 real passage vectors of the rtqa-news index (``--home``, default
/root/newsrag-bench/auto), and for 1M and 10M synthetic ones made from them
(``--synthetic``): ``twins`` (default) — a real vector picked at random plus Gaussian noise of
``NOISE`` per dimension, normalised (cosine ≈ 0.93 to its source; every real passage gets
count / 36,930 near twins, a hard case); ``gauss`` — draws from a Gaussian with the real
vectors' mean and covariance, normalised (the corpus's first two moments, no twins).
Queries: the 229 rtqa-news dev questions, embedded by the index's model. Truth: exact top-10
by float32 inner product.

Per size and kind: recall@10 against the truth, p50/p95 latency of one query on one thread
(IVF-PQ: ``nprobe`` lists scanned, ``rerank`` × 10 candidates re-scored from float16 vectors,
as ``NewsIndex.dense`` does from SQLite; the product's defaults and twice each), index bytes
per vector and in all, and build seconds. At 10M the flat
index (15 GB of float32) is not built: its latency is the 1M figure × 10 (a linear scan).

    .venv/bin/python bench/ann.py [--sizes 37k,1m,10m] [--synthetic twins|gauss] [--hnsw] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEV = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"

from index import NewsIndex  # noqa: E402
from index.encoding.ann import (  # noqa: E402
    EF_SEARCH,
    HNSW,
    HNSW_M,
    NPROBE,
    RERANK,
    TRAIN_MAX,
    VectorIndex,
    train_ivfpq,
)
from index.settings import IndexSettings  # noqa: E402

NOISE = 0.02
BATCH = 500_000
K = 10
SIZES = {"37k": 0, "1m": 1_000_000, "10m": 10_000_000}
SWEEP = [(NPROBE, RERANK), (NPROBE, 2 * RERANK), (2 * NPROBE, RERANK), (2 * NPROBE, 2 * RERANK)]


def _real(home: Path) -> tuple[np.ndarray, np.ndarray]:
    index = NewsIndex.open(IndexSettings.from_env(home=home, read_only=True))
    try:
        _, vectors = index.catalog.articles.all_vectors(index.dim)
        questions = [json.loads(line)["question"] for line in DEV.open(encoding="utf-8")]
        queries = np.stack([index.embedder.encode_query(q) for q in questions])
    finally:
        index.close()
    return vectors.astype(np.float32), queries.astype(np.float32)


def _twins(real: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Real vectors with noise: every real passage gets count / 36,930 near twins."""
    rng = np.random.default_rng(seed)
    picked = real[rng.integers(0, len(real), count)]
    noisy = picked + rng.normal(0, NOISE, picked.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def _gauss(real: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Draws from a Gaussian with the real vectors' mean and covariance, normalised: the
    corpus's first two moments, no twins."""
    rng = np.random.default_rng(seed)
    mean = real.mean(axis=0)
    factor = np.linalg.cholesky(np.cov(real, rowvar=False) + 1e-6 * np.eye(real.shape[1]))
    drawn = mean + rng.standard_normal((count, real.shape[1])).astype(np.float32) @ factor.T
    return (drawn / np.linalg.norm(drawn, axis=1, keepdims=True)).astype(np.float32)


SYNTHETIC = {"twins": _twins, "gauss": _gauss}


def _batches(real: np.ndarray, size: int, how: str = "twins") -> Any:
    if size == 0:
        yield real
        return
    for n, start in enumerate(range(0, size, BATCH)):
        yield SYNTHETIC[how](real, min(BATCH, size - start), n)


def _latency(run: Any, queries: np.ndarray) -> tuple[list[list[int]], float, float]:
    faiss.omp_set_num_threads(1)
    found, times = [], []
    for q in queries:
        started = time.perf_counter()
        found.append(run(q))
        times.append(1000 * (time.perf_counter() - started))
    return found, float(np.percentile(times, 50)), float(np.percentile(times, 95))


def _recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth, strict=True)])
    )


def _truth(queries: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """Exact top-K ids per query, batch by batch (a partition per batch, one merge)."""
    ids = np.zeros((len(queries), 0), dtype=np.int64)
    best = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(stored), BATCH):
        scores = queries @ stored[start : start + BATCH].astype(np.float32).T
        top = np.argpartition(-scores, K, axis=1)[:, :K]
        best = np.concatenate([best, np.take_along_axis(scores, top, 1)], axis=1)
        ids = np.concatenate([ids, top + start], axis=1)
    order = np.argsort(-best, axis=1)[:, :K]
    return np.take_along_axis(ids, order, 1)


def measure(
    real: np.ndarray,
    queries: np.ndarray,
    label: str,
    size: int,
    flat: bool,
    hnsw: bool = False,
    how: str = "twins",
) -> list[dict]:
    dim = real.shape[1]
    count = size or len(real)
    stored = np.empty((count, dim), dtype=np.float16)
    at = 0
    for batch in _batches(real, size, how):
        stored[at : at + len(batch)] = batch
        at += len(batch)
    truth = _truth(queries, stored)
    rows = []
    if flat:
        started = time.perf_counter()
        index = VectorIndex.build(dim, np.arange(count), stored.astype(np.float32), 0)
        build = time.perf_counter() - started
        found, p50, p95 = _latency(lambda q: [i for i, _ in index.search(q, K)], queries)
        nbytes = len(faiss.serialize_index(index.index))
        rows.append(_row(label, count, "flat", _recall(found, truth), p50, p95, nbytes, build))
        del index
    if hnsw:
        started = time.perf_counter()
        graph = VectorIndex.build(dim, np.arange(count), stored.astype(np.float32), 0, HNSW)
        build = time.perf_counter() - started
        found, p50, p95 = _latency(lambda q: [i for i, _ in graph.search(q, K)], queries)
        nbytes = len(faiss.serialize_index(graph.index))
        kind = f"hnsw M={HNSW_M} efSearch={EF_SEARCH}"
        rows.append(_row(label, count, kind, _recall(found, truth), p50, p95, nbytes, build))
        del graph
    started = time.perf_counter()
    sample = stored[np.random.default_rng(0).choice(count, min(count, TRAIN_MAX), replace=False)]
    ann = VectorIndex(dim, 0, train_ivfpq(dim, sample.astype(np.float32), count))
    for start in range(0, count, BATCH):
        part = stored[start : start + BATCH].astype(np.float32)
        ann.add(np.arange(start, start + len(part)), part)
    build = time.perf_counter() - started

    nbytes = len(faiss.serialize_index(ann.index))
    for nprobe, rerank in SWEEP:
        faiss.extract_index_ivf(ann.index).nprobe = nprobe

        def reranked(q: np.ndarray, rerank: int = rerank) -> list[int]:
            candidates = np.asarray([i for i, _ in ann.search(q, rerank * K)], dtype=np.int64)
            scores = stored[candidates].astype(np.float32) @ q
            return candidates[np.argsort(-scores)[:K]].tolist()

        found, p50, p95 = _latency(reranked, queries)
        kind = f"ivfpq nprobe={nprobe} rerank={rerank}x"
        rows.append(_row(label, count, kind, _recall(found, truth), p50, p95, nbytes, build))
    return rows


def _row(
    label: str,
    count: int,
    kind: str,
    recall: float,
    p50: float,
    p95: float,
    nbytes: int,
    build: float,
) -> dict:
    return {
        "size": label,
        "vectors": count,
        "kind": kind,
        "recall@10": round(recall, 4),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "index_mb": round(nbytes / 1e6, 1),
        "bytes_per_vector": round(nbytes / count, 1),
        "build_s": round(build, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--home", default="/root/newsrag-bench/auto")
    parser.add_argument("--sizes", default="37k,1m,10m")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--synthetic", choices=list(SYNTHETIC), default="twins", help="how 1M/10M are made"
    )
    parser.add_argument(
        "--hnsw", action="store_true", help="also a forced HNSW graph (slow to build)"
    )
    args = parser.parse_args()
    real, queries = _real(Path(args.home))
    rows: list[dict] = []
    for label in args.sizes.split(","):
        size = SIZES[label]
        found = measure(real, queries, label, size, size <= 1_000_000, args.hnsw, args.synthetic)
        for row in found:
            row["synthetic"] = args.synthetic if size else "real"
        for row in found:
            print(json.dumps(row) if args.json else row, flush=True)
        one_m = next((r for r in rows if r["size"] == "1m" and r["kind"] == "flat"), None)
        if size > 1_000_000 and one_m is not None:  # with --sizes 1m,10m
            scale = size / one_m["vectors"]
            found.append(
                {
                    **one_m,
                    "size": label,
                    "vectors": size,
                    "p50_ms": round(one_m["p50_ms"] * scale, 1),
                    "p95_ms": round(one_m["p95_ms"] * scale, 1),
                    "index_mb": round(one_m["index_mb"] * scale, 1),
                    "build_s": None,
                    "estimated": "not built: 1M figures x 10 (a linear scan)",
                }
            )
            print(json.dumps(found[-1]) if args.json else found[-1], flush=True)
        rows += found
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
