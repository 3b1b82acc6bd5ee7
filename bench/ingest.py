"""Ingest benchmark on a slice of the rtqa-news corpus (reads ../shared; never part of CI).

Measured in one run, with the model loaded once and warmed up:
  1. the full ``newsrag ingest`` path (JSONL parse, chunk, embed, SQLite + FAISS writes) into a
     fresh index,
  2. the bare ``SentenceTransformer.encode`` over exactly the same embedded chunk texts,
  3. a re-ingest of the same slice (nothing changed: no embedding work),
and reports chunks/s of 1 and 2, their ratio, the re-ingest speed-up, peak RSS and bytes on disk
per chunk. Usage: .venv/bin/python bench/ingest.py [--articles 150] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "data" / "rtqa-news" / "corpus.jsonl"

from index import Embedder, NewsIndex, Settings, ingest_paths  # noqa: E402


def slice_corpus(n: int, out: Path) -> int:
    lines = []
    with CORPUS.open(encoding="utf-8") as handle:
        for line in handle:
            lines.append(line)
            if len(lines) == n:
                break
    out.write_text("".join(lines), encoding="utf-8")
    return sum(len(json.loads(line)["text"]) for line in lines)


def embedded_texts(index: NewsIndex) -> list[str]:
    rows = index.catalog.conn.execute(
        'SELECT a.title, substr(a.text, c.start + 1, c."end" - c.start) FROM chunks c '
        "JOIN articles a ON a.id = c.article_id ORDER BY c.id"
    )
    return [index.chunker.embed_text(title, text) for title, text in rows]


def run(n: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    try:
        src = work / "slice.jsonl"
        chars = slice_corpus(n, src)
        embedder = Embedder()
        embedder.encode_documents(["warm up the encoder"] * 8)
        settings = Settings.from_env(env={}, home=str(work / "index"))
        index = NewsIndex.open(settings, embedder=embedder, create=True)

        started = time.perf_counter()
        first = ingest_paths(index, [src])
        ingest_s = time.perf_counter() - started
        texts = embedded_texts(index)

        started = time.perf_counter()
        embedder.encode_documents(texts)
        bare_s = time.perf_counter() - started

        started = time.perf_counter()
        again = ingest_paths(index, [src])
        reingest_s = time.perf_counter() - started
        mean_tokens = index.catalog.conn.execute("SELECT avg(n_tokens) FROM chunks").fetchone()[0]
        index.close()
        disk = sum(p.stat().st_size for p in settings.home.glob("*") if p.is_file())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    chunks = first.chunks
    return {
        "articles": n,
        "chars": chars,
        "chunks": chunks,
        "document_encoder": embedder.document_path,
        "ingest_s": round(ingest_s, 2),
        "ingest_chunks_per_s": round(chunks / ingest_s, 2),
        "bare_encode_s": round(bare_s, 2),
        "bare_chunks_per_s": round(chunks / bare_s, 2),
        "ingest_vs_bare": round(bare_s / ingest_s, 3),
        "reingest_s": round(reingest_s, 3),
        "reingest_speedup": round(ingest_s / reingest_s, 1),
        "reingest_unchanged": again.unchanged,
        "reingest_embedded": again.embedded,
        "mean_tokens_per_chunk": round(mean_tokens or 0, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "disk_bytes_per_chunk": round(disk / max(chunks, 1)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=150, help="first N articles of the corpus")
    parser.add_argument("--json", action="store_true", help="print only the JSON result line")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"bench: {CORPUS} not found (benchmarks read ../shared)", file=sys.stderr)
        return 1
    result = run(args.articles)
    if not args.json:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
