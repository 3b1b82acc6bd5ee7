"""Recall@10 of approximate FAISS indexes against exact search, on the rtqa-news vectors.

Vectors: the float16 chunk embeddings stored in a whole-corpus catalog (read-only; default
/root/newsrag-bench/int8/catalog.sqlite3). Queries: the rtqa-news dev questions encoded with
newsrag's query encoder. Ground truth: exact inner product (IndexFlatIP), top 10. For each
candidate index: recall@10 (share of the exact top 10 found in the candidate's top 10, mean over
queries), the exact top 1 found at rank 1, single-thread latency per query (p50), bytes per
vector of the index in memory and the build (train + add) time. Prints a table and a JSON line.

Usage: .venv/bin/python bench/ann_recall.py [--catalog PATH] [--queries dev.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEFAULT_CATALOG = Path("/root/newsrag-bench/int8/catalog.sqlite3")
DEV = REPO.parent / "shared" / "data" / "rtqa-news" / "dev.jsonl"
K = 10


@dataclass
class Candidate:
    name: str
    build: Callable[[int], faiss.Index]
    params: dict[str, Any]  # search-time knobs, set before searching
    note: str = ""


def load_vectors(catalog: Path) -> np.ndarray:
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        dim = int(conn.execute("SELECT value FROM meta WHERE key='dim'").fetchone()[0])
        blobs = [row[0] for row in conn.execute("SELECT embedding FROM chunks ORDER BY id")]
    finally:
        conn.close()
    vectors = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(-1, dim)
    return np.ascontiguousarray(vectors.astype(np.float32))


def encode_queries(path: Path) -> np.ndarray:
    from index import Embedder

    questions = [json.loads(line)["question"] for line in path.read_text().splitlines() if line]
    embedder = Embedder()
    return np.stack([embedder.encode_query(q) for q in questions]).astype(np.float32)


def ivf_flat(nlist: int) -> Callable[[int], faiss.Index]:
    return lambda d: faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)


def ivf_pq(nlist: int, m: int, refine: bool = False) -> Callable[[int], faiss.Index]:
    def build(d: int) -> faiss.Index:
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(d), d, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
        return faiss.IndexRefineFlat(index) if refine else index

    return build


def factory(description: str) -> Callable[[int], faiss.Index]:
    return lambda d: faiss.index_factory(d, description, faiss.METRIC_INNER_PRODUCT)


def hnsw(m: int) -> Callable[[int], faiss.Index]:
    return lambda d: faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)


def candidates(n: int) -> list[Candidate]:
    nlist = 256 if n < 100_000 else int(4 * np.sqrt(n))
    out = []
    for nprobe in (4, 8, 16, 32):
        out.append(
            Candidate(f"IVF{nlist},Flat nprobe={nprobe}", ivf_flat(nlist), {"nprobe": nprobe})
        )
    for m in (24, 48, 96):
        for nprobe in (8, 16, 32):
            name = f"IVF{nlist},PQ{m}x8 nprobe={nprobe}"
            out.append(Candidate(name, ivf_pq(nlist, m), {"nprobe": nprobe}))
    for m, nprobe, factor in ((24, 32, 4), (48, 16, 4), (48, 32, 4), (48, 32, 16), (96, 32, 4)):
        name = f"IVF{nlist},PQ{m}x8 nprobe={nprobe} + exact re-rank of {factor}k"
        params = {"nprobe": nprobe, "k_factor_rf": factor}
        out.append(Candidate(name, ivf_pq(nlist, m, refine=True), params))
    for nprobe in (16, 32):
        name = f"OPQ48,IVF{nlist},PQ48x8 nprobe={nprobe}"
        out.append(Candidate(name, factory(f"OPQ48,IVF{nlist},PQ48"), {"nprobe": nprobe}))
    for ef in (32, 64, 128):
        out.append(Candidate(f"HNSW32,Flat efSearch={ef}", hnsw(32), {"efSearch": ef}))
    return out


def apply(index: faiss.Index, params: dict[str, Any]) -> None:
    """Search-time knobs (nprobe, k_factor_rf, efSearch) through FAISS's generic setter."""
    faiss.ParameterSpace().set_index_parameters(
        index,
        ",".join(f"{k}={v}" for k, v in params.items()),  # type: ignore[arg-type]
    )


def latency_ms(index: faiss.Index, queries: np.ndarray) -> float:
    times = []
    for q in queries:
        started = time.perf_counter()
        index.search(q.reshape(1, -1), K)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(
    cand: Candidate, vectors: np.ndarray, queries: np.ndarray, exact: np.ndarray, built: dict
) -> dict[str, Any]:
    key = cand.name.split(" ")[0] + (" refine" if "k_factor_rf" in cand.params else "")
    if key not in built:
        started = time.perf_counter()
        index = cand.build(vectors.shape[1])
        index.train(vectors)
        index.add(vectors)
        size = len(faiss.serialize_index(index))
        built[key] = (index, time.perf_counter() - started, size)
    index, build_s, size = built[key]
    apply(index, cand.params)
    _, found = index.search(queries, K)
    recall = np.mean([len(set(f) & set(e)) / K for f, e in zip(found, exact, strict=True)])
    top1 = np.mean(found[:, 0] == exact[:, 0])
    return {
        "index": cand.name,
        "recall@10": round(float(recall), 4),
        "top1_same": round(float(top1), 4),
        "p50_ms": round(latency_ms(index, queries), 3),
        "bytes_per_vector": round(size / len(vectors), 1),
        "build_s": round(build_s, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--queries", type=Path, default=DEV)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    vectors = load_vectors(args.catalog)
    queries = encode_queries(args.queries)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, exact = flat.search(queries, K)
    rows = [
        {
            "index": "Flat (exact)",
            "recall@10": 1.0,
            "top1_same": 1.0,
            "p50_ms": round(latency_ms(flat, queries), 3),
            "bytes_per_vector": round(len(faiss.serialize_index(flat)) / len(vectors), 1),
            "build_s": 0.0,
        }
    ]
    built: dict[str, Any] = {}
    for cand in candidates(len(vectors)):
        rows.append(measure(cand, vectors, queries, exact, built))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"{len(vectors):,} vectors ({vectors.shape[1]}-d), {len(queries)} queries, k={K}\n")
    print("| index | recall@10 | same top 1 | p50 ms (1 thread) | bytes/vector | build s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['index']} | {r['recall@10']:.3f} | {r['top1_same']:.3f} | {r['p50_ms']:.2f} "
            f"| {r['bytes_per_vector']:.0f} | {r['build_s']:.1f} |"
        )
    print(json.dumps({"vectors": len(vectors), "queries": len(queries), "rows": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
