"""Judge trained readers on CPU as the assistant runs them (ONNX Runtime): ranking quality on
the held-out 2025 weeks of rtqa-train, against the packaged bi-encoder's cosine, and latency.

Quality: for each held-out group of ``bench/reader_pairs.py`` (kind "sentence": the answer
sentence among the engine's and the articles' other sentences; kind "passage": the passage
holding it among the question's other passages), P@1 (the top-ranked text is a positive) and
MRR, for each reader, for the cosine of ``Embedder`` (what the engine's similarity feature is),
and for each reader with its int8 twin (``--int8``). Latency: median milliseconds to score
``--sentences`` sentences and ``--passages`` passages of held-out questions, one question at a
time, with ``--threads`` intra-op threads.

Usage: nice .venv/bin/python bench/reader_val.py --pairs .gpu/pairs.jsonl.gz \\
         --reader full=assistant/models/reader_model --reader lora=/tmp/reader-runs/gpu1/lora
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from train_reader import rank_metrics, read_groups  # noqa: E402

from assistant.models.reader import OnnxReader, load_reader  # noqa: E402


def quantized(reader: OnnxReader, cache: Path, name: str, threads: int) -> OnnxReader:
    """The reader's graph with int8 weights (dynamic quantization, as the document encoder)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from index.encoding.model_sources import resolve_model
    from index.settings import DEFAULT_MODEL

    src = reader.session._model_path
    dst = cache / f"{name}-int8.onnx"
    if not dst.exists():
        quantize_dynamic(
            src, str(dst), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
        )
    return OnnxReader(dst, resolve_model(DEFAULT_MODEL).path, threads)


def judge(scorers: dict[str, Any], groups: list[dict], kind: str) -> dict[str, Any]:
    lists: dict[str, list] = {name: [] for name in scorers}
    for g in groups:
        texts = g["positives"] + g["negatives"]
        truth = np.asarray([1] * len(g["positives"]) + [0] * len(g["negatives"]))
        for name, scorer in scorers.items():
            lists[name].append((np.asarray(scorer(kind, g["question"], texts)), truth))
    return {name: rank_metrics(found) for name, found in lists.items()}


def latency(score: Any, groups: list[dict], n: int, runs: int) -> float:
    """Median ms to score ``n`` texts of one question (texts pooled over neighbouring groups
    when a group has fewer)."""
    pool = [t for g in groups for t in g["positives"] + g["negatives"]]
    times = []
    for i in range(runs):
        question = groups[i % len(groups)]["question"]
        start = (i * n) % max(1, len(pool) - n)
        texts = pool[start : start + n]
        began = time.perf_counter()
        score(question, texts)
        times.append(1000 * (time.perf_counter() - began))
    return round(statistics.median(times), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--reader", action="append", default=[], help="NAME=FOLDER")
    parser.add_argument("--kinds", default="sentence,passage")
    parser.add_argument("--int8", action="store_true", help="also judge int8 twins")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--passages", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15, help="questions timed per setting")
    parser.add_argument("--limit", type=int, default=0, help="held-out groups per kind")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsrag-reader-cache"))
    args = parser.parse_args()
    from index import Embedder

    groups = [g for g in read_groups(args.pairs) if g["split"] == "val"]
    by_kind = {k: [g for g in groups if g["kind"] == k] for k in args.kinds.split(",")}
    if args.limit:
        by_kind = {k: v[: args.limit] for k, v in by_kind.items()}
    readers: dict[str, OnnxReader] = {}
    for spec in args.reader:
        name, folder = spec.split("=", 1)
        readers[name] = load_reader(args.cache, folder=Path(folder), threads=args.threads)
        if args.int8:
            readers[f"{name}-int8"] = quantized(readers[name], args.cache, name, args.threads)
    embedder = Embedder()

    def cosine(kind: str, question: str, texts: list[str]) -> Any:
        vectors = (
            embedder.encode_sentences(texts)
            if kind == "sentence"
            else embedder.encode_documents(texts)
        )
        return vectors @ embedder.encode_query(question)

    def reading(reader: OnnxReader) -> Any:
        def score(kind: str, question: str, texts: list[str]) -> Any:
            if kind == "passage":
                return reader.score_passages(question, texts)
            return reader.score(question, texts)

        return score

    scorers = {"cosine": cosine, **{n: reading(r) for n, r in readers.items()}}
    report: dict[str, Any] = {"threads": args.threads}
    if not args.no_quality:
        for kind, items in by_kind.items():
            report[kind] = {"questions": len(items), **judge(scorers, items, kind)}
            print(json.dumps({kind: report[kind]}), flush=True)
    timing: dict[str, Any] = {}
    for name, reader in readers.items():
        timing[name] = {
            f"{args.sentences}_sentences_ms": latency(
                reader.score, by_kind.get("sentence") or groups, args.sentences, args.runs
            ),
            f"{args.passages}_passages_ms": latency(
                reader.score_passages, by_kind.get("passage") or groups, args.passages, args.runs
            ),
        }
        print(json.dumps({name: timing[name]}), flush=True)
    report["latency"] = timing
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
