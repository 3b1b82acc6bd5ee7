"""Ingest A/B: ``newsrag ingest`` against the LangChain tutorial pipeline, on the same articles.

The first N articles of ../shared/data/rtqa-news/corpus.jsonl are ingested both ways,
interleaved over several rounds (ABBA order: newsrag, langchain, langchain, newsrag, ...), each
run in a fresh process and a fresh temporary directory, with its model loaded and warmed up
before the clock starts:
  newsrag    JSONL parse, boilerplate drop, token-aware chunking, embedding (document encoder of
             the current settings: NEWSRAG_ENCODER, NEWSRAG_BATCH_SIZE, --workers), SQLite + FTS5
             + FAISS writes;
  langchain  JSONL parse to Documents, RecursiveCharacterTextSplitter(1000, 200),
             HuggingFaceEmbeddings over the same packaged model, FAISS.from_documents, save_local.
Throughput is in article characters per second (the raw ``text`` of the N articles, the same
number for both paths), so that chunk size cannot game it; ratio = newsrag / langchain, medians
over rounds (and the median of per-round ratios). Each run reports wall and CPU seconds (its
worker processes included) and its own peak RSS.

The first newsrag run also measures, after its clock stopped: tokens per chunk and the padding
share of the encoder's batches, a re-ingest of the unchanged slice, the bare document encoder on
exactly the embedded chunk texts (ingest / bare), and the minimum cosine of the stored vectors to
fp32 sentence-transformers on a sample of chunks (``min_cosine_vs_fp32``).

``--quality FP32_HOME OTHER_HOME`` adds the dev-metric check: ``newsrag eval`` of the rtqa-news
dev questions (dense, as-of = question_date) on two whole-corpus indexes, as differences in
questions of Hits@10 and MRR@10.

Prints the A/B table; the last stdout line is one JSON object. Not part of CI.
Usage: .venv/bin/python bench/ingest.py --articles 150 --rounds 3 [--workers N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus_slice import write_first_lines  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "rtqa-news"
CORPUS = DATA / "corpus.jsonl"
DEV = DATA / "dev.jsonl"
PATHS = ("newsrag", "langchain")
COSINE_SAMPLE = 64

Run = dict[str, Any]


# ---------------------------------------------------------------- shared helpers
def slice_corpus(n: int, out: Path) -> int:
    """The first ``n`` corpus lines into ``out``; returns their article characters."""
    lines = write_first_lines(CORPUS, n, out)
    return sum(len(json.loads(line).get("text") or "") for line in lines)


class Clock:
    """Wall and CPU seconds of a section, CPU of reaped child processes included."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


# ---------------------------------------------------------------- child: newsrag
def newsrag_run(src: Path, home: Path, workers: int, extras: bool, lever: Run) -> Run:
    from index import Embedder, IndexSettings, NewsIndex

    names = ("encoder", "precision", "batch_size", "encoder_threads", "embed")
    knobs = {k: lever[k] for k in names if k in lever}
    settings = IndexSettings.from_env(
        home=str(home), workers=lever.get("workers", workers), **knobs
    )
    patch_onnx_session(lever)
    embedder = Embedder.from_settings(settings)
    embedder.encode_documents(["warm up the document encoder"] * 8)
    index = NewsIndex.open(settings, embedder=embedder, create=True)
    with Clock() as clock:
        summary = ingest(index, src, lever)
    run: Run = {
        "wall_s": clock.wall,
        "cpu_s": clock.cpu,
        "peak_rss_mib": peak_rss_mib(),
        "chunks": summary.chunks,
        "encoded": summary.embedded,
        "document_encoder": embedder.document_path,
        "workers": settings.workers,
    }
    stats = embedder.document_stats()
    run["padding_share"] = round(stats.padding_share, 4) if stats and stats.slots else None
    if extras:
        run.update(newsrag_extras(index, src, clock.wall))
    index.close()
    return run


def ingest(index: Any, src: Path, lever: Run) -> Any:
    """``ingest_paths``; with ``overlap: False`` the encoder thread is waited on per batch; with
    ``then_embed`` ``newsrag embed`` runs after it, inside the clock (the whole cost)."""
    from index import Ingestor, ingest_paths, iter_articles
    from index.ingest.backfill import embed_awaiting
    from index.ingest.embed_stage import EncoderThread

    if lever.get("then_embed"):
        summary = ingest_paths(index, [src])
        summary.embedded += embed_awaiting(index).encoded
        return summary
    if lever.get("overlap", True):
        return ingest_paths(index, [src])
    with index.write_lock():
        stage = EncoderThread(index, overlap=False)
        return Ingestor(index, stage=stage).run(iter_articles([src]))


def patch_onnx_session(lever: Run) -> None:
    """Swap the ONNX session options or batch order for a lever run (this process only)."""
    if not {"spinning", "optimization", "sort", "per_text"} & set(lever):
        return
    import functools

    import index.encoding.embedding as embedding
    from index.encoding.onnx_encoder import OnnxEncoder, SessionConfig, model_files

    @functools.cache
    def make(spec: Any, cache_dir: Path, quantized: bool, threads: int) -> OnnxEncoder:
        config = SessionConfig(
            threads, lever.get("spinning", False), lever.get("optimization", "all")
        )
        per_text = quantized and lever.get("per_text", True)
        encoder = OnnxEncoder(spec, model_files(spec, cache_dir, quantized), config, per_text)
        encoder.sort_by_length = lever.get("sort", True)
        return encoder

    embedding._onnx_encoder = make


def newsrag_extras(index: Any, src: Path, ingest_s: float) -> Run:
    from index import ingest_paths

    with _reading(index) as conn:
        tokens = conn.execute("SELECT avg(n_tokens), sum(n_tokens) FROM chunks").fetchone()
    extras: Run = {
        "mean_tokens_per_chunk": round(tokens[0] or 0, 1),
        "tokens": int(tokens[1] or 0),
    }
    with Clock() as again:
        repeat = ingest_paths(index, [src], workers=1)
    extras["reingest_s"] = round(again.wall, 3)
    extras["reingest_unchanged"] = repeat.unchanged
    extras["reingest_embedded"] = repeat.embedded
    texts, vectors = embedded_chunks(index)
    with Clock() as bare:
        index.embedder.encode_documents(texts)
    extras["bare_encode_s"] = round(bare.wall, 2)
    extras["ingest_vs_bare"] = round(bare.wall / ingest_s, 3)
    extras["min_cosine_vs_fp32"] = min_cosine_vs_fp32(texts, vectors)
    return extras


@contextlib.contextmanager
def _reading(index: Any) -> Iterator[sqlite3.Connection]:
    """A read-only connection of the bench's own to the index's catalog (the catalog's
    connection stays private to index/catalog/)."""
    conn = sqlite3.connect(f"{index.settings.catalog_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def embedded_chunks(index: Any) -> tuple[list[str], Any]:
    import numpy as np

    with _reading(index) as conn:
        rows = conn.execute(
            'SELECT a.title, substr(a.text, c.start + 1, c."end" - c.start), c.embedding '
            "FROM chunks c JOIN articles a ON a.id = c.article_id WHERE length(c.embedding) > 0 "
            "ORDER BY c.id"
        ).fetchall()
    texts = [index.chunker.embed_text(title, text) for title, text, _ in rows]
    vectors = np.stack([np.frombuffer(blob, dtype=np.float16) for _, _, blob in rows])
    return texts, vectors.astype(np.float32)


def min_cosine_vs_fp32(texts: list[str], stored: Any) -> float:
    """Stored vectors against fp32 sentence-transformers on an evenly spread sample."""
    import numpy as np

    from index import Embedder, Precision
    from index.settings import EncoderBackend

    step = max(1, len(texts) // COSINE_SAMPLE)
    picked = list(range(0, len(texts), step))[:COSINE_SAMPLE]
    fp32 = Embedder(precision=Precision.FP32, backend=EncoderBackend.TORCH)
    reference = fp32.encode_documents([texts[i] for i in picked])
    mine = stored[picked] / np.linalg.norm(stored[picked], axis=1, keepdims=True)
    return round(float(np.sum(mine * reference, axis=1).min()), 5)


# ---------------------------------------------------------------- child: langchain
def langchain_run(src: Path, home: Path, extras: bool) -> Run:
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from index.encoding.model_sources import resolve_model

    embeddings = HuggingFaceEmbeddings(
        model_name=str(resolve_model("all-MiniLM-L6-v2").path), model_kwargs={"device": "cpu"}
    )
    embeddings.embed_documents(["warm up the document encoder"] * 8)
    with Clock() as clock:
        docs = []
        for line in src.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("text"):
                meta = {k: row.get(k) for k in ("id", "title", "url", "source", "published_at")}
                docs.append(Document(page_content=row["text"], metadata=meta))
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        splits = splitter.split_documents(docs)
        store = FAISS.from_documents(splits, embeddings)
        store.save_local(str(home))
    run: Run = {
        "wall_s": clock.wall,
        "cpu_s": clock.cpu,
        "peak_rss_mib": peak_rss_mib(),
        "chunks": len(splits),
    }
    if extras:
        run.update(langchain_tokens([s.page_content for s in splits]))
    return run


def langchain_tokens(texts: list[str]) -> Run:
    """Tokens the model sees per LangChain chunk (the window cuts the rest off silently)."""
    from index.encoding.model_sources import resolve_model
    from index.text.tokenization import count_tokens, load_tokenizer

    spec = resolve_model("all-MiniLM-L6-v2")
    tokenizer = load_tokenizer(spec.path)
    counts = [count_tokens(tokenizer, t) for t in texts]
    seen = [min(c, spec.max_tokens) for c in counts]
    return {
        "mean_tokens_per_chunk": round(statistics.fmean(seen), 1),
        "tokens": sum(seen),
        "truncated_chunks": sum(c > spec.max_tokens for c in counts),
    }


def child_main(args: argparse.Namespace) -> int:
    src, home = Path(args.slice), Path(args.home)
    if args.child == "newsrag":
        lever = LEVERS[args.lever] if args.lever else {}
        run = newsrag_run(src, home, args.workers, args.extras, lever)
    else:
        run = langchain_run(src, home, args.extras)
    print(json.dumps(run))
    return 0


# ---------------------------------------------------------------- parent: A/B rounds
def spawn(path: str, src: Path, work: Path, workers: int, extras: bool, lever: str = "") -> Run:
    home = Path(tempfile.mkdtemp(prefix=f"{path}-", dir=work))
    command = [sys.executable, __file__, "--child", path, "--slice", str(src), "--home", str(home)]
    command += ["--workers", str(workers)] + (["--extras"] if extras else [])
    command += ["--lever", lever] if lever else []
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{path} run failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(home, ignore_errors=True)


def ab_rounds(n: int, rounds: int, workers: int, log: Callable[[str], None]) -> Run:
    work = Path(tempfile.mkdtemp(prefix="newsrag-ab-"))
    try:
        src = work / "slice.jsonl"
        chars = slice_corpus(n, src)
        runs: dict[str, list[Run]] = {p: [] for p in PATHS}
        for r in range(rounds):
            order = PATHS if r % 2 == 0 else PATHS[::-1]
            for path in order:
                run = spawn(path, src, work, workers, extras=not runs[path])
                run["chars_per_s"] = chars / run["wall_s"]
                run["round"] = r + 1
                runs[path].append(run)
                log(f"round {r + 1} {path:9}: {describe(run)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"articles": n, "chars": chars, "runs": runs}


def describe(run: Run) -> str:
    return (
        f"{run['chars_per_s']:8.0f} chars/s  {run['chunks'] / run['wall_s']:6.2f} chunks/s  "
        f"{run['wall_s']:7.1f} s wall  {run['cpu_s']:7.1f} s CPU  {run['peak_rss_mib']:6.0f} MiB"
    )


def median(runs: list[Run], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def summarise(ab: Run) -> Run:
    nr, lc = ab["runs"]["newsrag"], ab["runs"]["langchain"]
    paired = [a["chars_per_s"] / b["chars_per_s"] for a, b in zip(nr, lc, strict=True)]
    first_nr, first_lc = nr[0], lc[0]
    result: Run = {
        "articles": ab["articles"],
        "chars": ab["chars"],
        "rounds": len(nr),
        "newsrag_chars_per_s": round(median(nr, "chars_per_s"), 1),
        "langchain_chars_per_s": round(median(lc, "chars_per_s"), 1),
        "ratio": round(median(nr, "chars_per_s") / median(lc, "chars_per_s"), 3),
        "ratio_per_round": [round(x, 3) for x in paired],
        # the same ratio in article characters per CPU-second: robust when other jobs share
        # the cores (wall time then measures the neighbours as much as the pipeline)
        "cpu_ratio": round(median(lc, "cpu_s") / median(nr, "cpu_s"), 3),
        "min_cosine_vs_fp32": first_nr.get("min_cosine_vs_fp32"),
        "document_encoder": first_nr["document_encoder"],
        "workers": first_nr["workers"],
    }
    for name, runs in (("newsrag", nr), ("langchain", lc)):
        result[f"{name}_chunks"] = runs[0]["chunks"]
        result[f"{name}_chunks_per_s"] = round(median([_cps(r) for r in runs], "v"), 2)
        result[f"{name}_cpu_s"] = round(median(runs, "cpu_s"), 1)
        result[f"{name}_cpu_ms_per_kchar"] = round(1000 * median(runs, "cpu_s") / ab["chars"], 3)
        result[f"{name}_peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
        result[f"{name}_tokens"] = runs[0].get("tokens")
        result[f"{name}_mean_tokens_per_chunk"] = runs[0].get("mean_tokens_per_chunk")
    result["langchain_truncated_chunks"] = first_lc.get("truncated_chunks")
    for key in ("padding_share", "reingest_s", "reingest_unchanged", "reingest_embedded"):
        result[key] = first_nr.get(key)
    for key in ("bare_encode_s", "ingest_vs_bare"):
        result[key] = first_nr.get(key)
    result["reingest_speedup"] = round(first_nr["wall_s"] / max(first_nr["reingest_s"], 1e-9), 1)
    return result


def _cps(run: Run) -> Run:
    return {"v": run["chunks"] / run["wall_s"]}


def table(result: Run) -> str:
    rows = [
        ("article characters / s (median)", "chars_per_s", "{:,.0f}"),
        ("chunks / s (median)", "chunks_per_s", "{:.2f}"),
        ("chunks", "chunks", "{:,}"),
        ("tokens embedded", "tokens", "{:,}"),
        ("mean tokens / chunk", "mean_tokens_per_chunk", "{}"),
        ("CPU seconds (median)", "cpu_s", "{:.1f}"),
        ("CPU ms / 1000 chars", "cpu_ms_per_kchar", "{:.3f}"),
        ("peak RSS MiB (max)", "peak_rss_mib", "{:,.0f}"),
    ]
    lines = [
        f"{result['articles']} articles, {result['chars']:,} characters, {result['rounds']} "
        f"rounds; newsrag documents: {result['document_encoder']}, workers {result['workers']}",
        "",
        f"| {'measure':34} | {'newsrag':>12} | {'langchain':>12} |",
        f"|{'-' * 36}|{'-' * 14}|{'-' * 14}|",
    ]
    for label, key, fmt in rows:
        a, b = (_fmt(fmt, result[f"{path}_{key}"]) for path in PATHS)
        lines.append(f"| {label:34} | {a:>12} | {b:>12} |")
    lines += [
        "",
        f"ratio newsrag / langchain (chars/s medians): {result['ratio']}   per round: "
        f"{result['ratio_per_round']}   in chars per CPU-second: {result['cpu_ratio']}",
        f"min cosine vs fp32 ({COSINE_SAMPLE} chunks): {result['min_cosine_vs_fp32']}   "
        f"padding share: {result['padding_share']}   langchain chunks cut by the 256-token "
        f"window: {result['langchain_truncated_chunks']}",
        f"ingest / bare encoder: {result['ingest_vs_bare']} (bare {result['bare_encode_s']} s)   "
        f"re-ingest unchanged: {result['reingest_s']} s ({result['reingest_speedup']}x, "
        f"{result['reingest_embedded']} embedded)",
    ]
    return "\n".join(lines)


def _fmt(fmt: str, value: Any) -> str:
    return "-" if value is None else fmt.format(value)


# ---------------------------------------------------------------- levers
LEVERS: dict[str, Run] = {
    "as configured": {},
    "every passage at ingest (--embed all)": {"embed": "all"},
    "leads, then newsrag embed (clock covers both)": {"then_embed": True},
    "documents torch fp32": {"encoder": "torch", "precision": "fp32"},
    "documents torch bf16": {"encoder": "torch", "precision": "bf16"},
    "documents ONNX fp32": {"encoder": "onnx"},
    "documents ONNX int8": {"encoder": "onnx-int8"},
    "no overlap (encoder waited on)": {"overlap": False},
    "int8 in batches of 32 (shared scale)": {"per_text": False},
    "int8 in batches of 32, input order": {"per_text": False, "sort": False},
    "int8 in batches of 16": {"per_text": False, "batch_size": 16},
    "int8 in batches of 64": {"per_text": False, "batch_size": 64},
    "ORT thread spinning on": {"spinning": True},
    "ORT graph optimisation basic": {"optimization": "basic"},
    "1 intra-op thread": {"encoder_threads": 1},
    "2 workers x 1 thread": {"workers": 2, "encoder_threads": 1},
}


def lever_rounds(n: int, rounds: int, names: list[str], log: Callable[[str], None]) -> Run:
    """newsrag ingest under each lever, interleaved (rotated order each round)."""
    work = Path(tempfile.mkdtemp(prefix="newsrag-levers-"))
    try:
        src = work / "slice.jsonl"
        chars = slice_corpus(n, src)
        runs: dict[str, list[Run]] = {name: [] for name in names}
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                run = spawn("newsrag", src, work, 1, extras=False, lever=name)
                run["chars_per_s"] = chars / run["wall_s"]
                runs[name].append(run)
                log(f"round {r + 1} {name:32}: {describe(run)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"articles": n, "chars": chars, "runs": runs}


def lever_table(result: Run) -> tuple[str, list[Run]]:
    runs = result["runs"]
    base = next(iter(runs))
    rows = []
    for name, rs in runs.items():
        rows.append(
            {
                "lever": name,
                "document_encoder": rs[0]["document_encoder"],
                "chars_per_s": round(median(rs, "chars_per_s"), 1),
                "vs_first": round(median(rs, "chars_per_s") / median(runs[base], "chars_per_s"), 3),
                "cpu_ms_per_chunk": round(1000 * median(rs, "cpu_s") / rs[0]["chunks"], 1),
                "padding_share": rs[0]["padding_share"],
                "peak_rss_mib": max(r["peak_rss_mib"] for r in rs),
            }
        )
    lines = [
        f"levers: {result['articles']} articles, {result['chars']:,} characters, "
        f"{len(runs[base])} rounds (medians; vs = against the first row)",
        "",
        "| lever | documents | chars/s | vs first | CPU ms/chunk | padding | peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['lever']} | {row['document_encoder']} | {row['chars_per_s']:,.0f} | "
            f"{row['vs_first']:.2f} | {row['cpu_ms_per_chunk']} | {row['padding_share']} | "
            f"{row['peak_rss_mib']:,.0f} |"
        )
    return "\n".join(lines), rows


# ---------------------------------------------------------------- dev-metric check
def eval_home(home: Path, mode: str, out: Path) -> dict[str, Any]:
    command = [str(REPO / ".venv" / "bin" / "newsrag"), "eval", str(DEV), "--home", str(home)]
    command += ["--mode", mode, "--as-of-field", "question_date", "--json", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    ranks = {}
    for line in out.read_text().splitlines():
        row = json.loads(line)
        if row.get("has_gold"):
            ranks[row["id"]] = row.get("first_gold_rank")
    return {"summary": json.loads(done.stdout.strip().splitlines()[-1]), "ranks": ranks}


def quality(reference: Path, candidate: Path, mode: str) -> Run:
    """Hits@10 and MRR@10 of ``candidate`` minus ``reference``, in questions."""
    with tempfile.TemporaryDirectory() as tmp:
        ref = eval_home(reference, mode, Path(tmp) / "ref.jsonl")["ranks"]
        new = eval_home(candidate, mode, Path(tmp) / "new.jsonl")["ranks"]

    def hit(rank: int | None) -> int:
        return int(rank is not None and rank <= 10)

    def rr(rank: int | None) -> float:
        return 1.0 / rank if rank is not None and rank <= 10 else 0.0

    ids = sorted(ref)
    return {
        "mode": mode,
        "questions_with_gold": len(ids),
        "reference_hits10": sum(hit(ref[i]) for i in ids) / len(ids),
        "candidate_hits10": sum(hit(new.get(i)) for i in ids) / len(ids),
        "hits10_delta_questions": sum(hit(new.get(i)) - hit(ref[i]) for i in ids),
        "reference_mrr10": sum(rr(ref[i]) for i in ids) / len(ids),
        "candidate_mrr10": sum(rr(new.get(i)) for i in ids) / len(ids),
        "mrr10_delta_questions": round(sum(rr(new.get(i)) - rr(ref[i]) for i in ids), 3),
        "questions_changed": sum(ref[i] != new.get(i) for i in ids),
    }


# ---------------------------------------------------------------- main
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=150, help="first N articles of the corpus")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved A/B rounds")
    parser.add_argument(
        "--workers", type=int, default=1, help="newsrag ingest --workers (0: automatic)"
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON result line")
    parser.add_argument(
        "--quality",
        nargs=2,
        metavar=("FP32_HOME", "OTHER_HOME"),
        help="also compare dev metrics of two whole-corpus indexes (reference first)",
    )
    parser.add_argument("--quality-mode", default="dense", help="eval mode for --quality")
    parser.add_argument(
        "--levers",
        nargs="*",
        metavar="LEVER",
        help="instead of the A/B: newsrag ingest under each lever (default: all of "
        + ", ".join(LEVERS)
        + ")",
    )
    parser.add_argument("--lever", choices=list(LEVERS), help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--slice", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--extras", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.child:
        return child_main(args)
    if not CORPUS.exists():
        print(f"bench: {CORPUS} not found (benchmarks read ../shared)", file=sys.stderr)
        return 1

    def log(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    if args.levers is not None:
        names = args.levers or list(LEVERS)
        text, rows = lever_table(lever_rounds(args.articles, args.rounds, names, log))
        if not args.json:
            print(text)
        print(json.dumps({"articles": args.articles, "levers": rows}))
        return 0
    result = summarise(ab_rounds(args.articles, args.rounds, args.workers, log))
    if args.quality:
        result["quality"] = quality(Path(args.quality[0]), Path(args.quality[1]), args.quality_mode)
    if not args.json:
        print(table(result))
        if args.quality:
            print("dev-metric check:", json.dumps(result["quality"]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    raise SystemExit(main())
