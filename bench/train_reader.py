"""Train newsrag's reader: a cross-encoder fine-tuned from the packaged all-MiniLM-L6-v2.

The reader reads a (question, text) pair as one input, ``[CLS] question [SEP] text [SEP]``, and
scores how well the text answers the question: mean pooling of the last layer, then one linear
unit. Two layouts (``assistant/models/reader_net.py``):

- ``--full`` (the shipped reader): every layer of the body, its position/type embeddings and
  layer norm, and the unit are fine-tuned; the word embeddings stay the packaged ones. Trained
  on an accelerator (bf16 autocast) in about a minute; on 2 CPU cores it would take hours;
- top layers (the first rounds): only the top ``TRAINED_LAYERS`` layers and the unit, with
  ``--lora-rank`` low-rank updates on the lower layers' attention.

Data: the groups of ``bench/reader_pairs.py`` (rtqa-train, distant supervision; kinds
"sentence" and "passage"; 2025 weeks held out as ``val``) or of ``bench/reader_data.py``.
Loss: listwise softmax cross-entropy over one positive and ``group - 1`` negatives of the same
question, for sentence groups and (``--passage-groups``) passage groups, summed. Seeded; a fixed
number of epochs. ``--select-weeks N`` also keeps the last N training weeks out of training and
reports on them (choosing a recipe without looking at ``val``).

Validation: per kind, the share of held-out questions whose top-ranked text is a positive (P@1)
and the mean reciprocal rank, for the reader and for the packaged bi-encoder's cosine (what
today's scorer leans on).

Usage (accelerator, the shipped reader; bench/reader_gpu.sh is the whole device run):
    python bench/train_reader.py --groups .gpu/pairs.jsonl.gz --full --epochs 4 \\
        --model .gpu/minilm --out OUT
CPU, the first rounds' recipe:
    .venv/bin/python bench/train_reader.py --groups /tmp/reader-groups.jsonl --steps 1200 \\
        --lora-rank 8 --kinds sentence
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from assistant.models.reader_files import (  # noqa: E402
    MAX_PAIR_TOKENS,
    PASSAGE_TOKENS,
    READER_DIR,
    TRAINED_LAYERS,
)
from assistant.models.reader_net import ReaderNet, save_trained, stored_state  # noqa: E402
from index.settings import DEFAULT_MODEL  # noqa: E402

SEED = 13
# the first rounds' recipe (top layers + LoRA): 4 groups of 8 a step, these learning rates
TOP = {"groups": 4, "group": 8, "lr": 6e-5, "lr_lora": 5e-4, "lr_head": 2e-3}
# the full fine-tune: 32 sentence groups of 16 and 16 passage groups of 8 a step
FULL = {"groups": 32, "group": 16, "passage_groups": 16, "passage_group": 8, "lr": 3e-5}
EVAL_BATCH = 256


def read_groups(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def split_groups(
    groups: list[dict], kinds: set[str], select_weeks: int
) -> dict[str, dict[str, list[dict]]]:
    """{split: {kind: groups}}: train, val (the held-out weeks) and select (the last
    ``select_weeks`` training weeks, kept out of training when asked)."""
    groups = [g for g in groups if g.get("kind", "sentence") in kinds]
    weeks = sorted({g["week"] for g in groups if g["split"] == "train"})
    chosen = set(weeks[-select_weeks:]) if select_weeks else set()
    out: dict[str, dict[str, list[dict]]] = {"train": {}, "val": {}, "select": {}}
    for g in groups:
        split = "select" if g["split"] == "train" and g["week"] in chosen else g["split"]
        out[split].setdefault(g.get("kind", "sentence"), []).append(g)
    return out


def batch_of(groups: list[dict], size: int, rnd: random.Random) -> tuple[list[str], list[str]]:
    """One positive and ``size - 1`` negatives per group (negatives drawn again when few)."""
    questions, texts = [], []
    for g in groups:
        negatives = rnd.sample(g["negatives"], min(size - 1, len(g["negatives"])))
        while len(negatives) < size - 1:
            negatives.append(rnd.choice(g["negatives"]))
        for text in [rnd.choice(g["positives"]), *negatives]:
            questions.append(g["question"])
            texts.append(text)
    return questions, texts


class Tokens:
    """Pairs to tensors on the device, cut to ``max_tokens`` (the reader's tokenizer)."""

    def __init__(self, net: ReaderNet, device: torch.device) -> None:
        self.tokenizer = net.tokenizer
        self.device = device

    def __call__(self, questions: list[str], texts: list[str], max_tokens: int) -> list[Any]:
        self.tokenizer.enable_truncation(max_tokens, strategy="longest_first")
        encodings = self.tokenizer.encode_batch(list(zip(questions, texts, strict=True)))
        return [
            torch.tensor([getattr(e, name) for e in encodings], device=self.device)
            for name in ("ids", "attention_mask", "type_ids")
        ]


def scores(net: Any, tokens: Tokens, question: str, texts: list[str], max_tokens: int) -> Any:
    out = []
    for at in range(0, len(texts), EVAL_BATCH):
        chunk = texts[at : at + EVAL_BATCH]
        with torch.no_grad(), autocast(tokens.device):
            out.append(net(*tokens([question] * len(chunk), chunk, max_tokens)).float().cpu())
    return torch.cat(out).numpy()


class Cosine(torch.nn.Module):
    """The packaged bi-encoder: mean pooling, then cosine of question and text."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self.body = body

    def embed(self, ids: Any, mask: Any, types: Any) -> Any:
        hidden = self.body(input_ids=ids, attention_mask=mask, token_type_ids=types)
        m = mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
        pooled = (hidden.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1.0)
        return torch.nn.functional.normalize(pooled.float(), dim=-1)


def cosine_scores(model: Cosine, tokens: Tokens, question: str, texts: list[str]) -> Any:
    tokenizer = tokens.tokenizer
    tokenizer.enable_truncation(256, strategy="longest_first")

    def encode(items: list[str]) -> Any:
        encodings = tokenizer.encode_batch(items)
        ids, mask, types = (
            torch.tensor([getattr(e, n) for e in encodings], device=tokens.device)
            for n in ("ids", "attention_mask", "type_ids")
        )
        with torch.no_grad():
            return model.embed(ids, mask, types)

    return (encode(texts) @ encode([question])[0]).cpu().numpy()


def rank_metrics(score_lists: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    p1, rr = [], []
    for s, truth in score_lists:
        order = np.argsort(-s, kind="stable")
        p1.append(float(truth[order[0]]))
        rr.append(1.0 / (int(np.flatnonzero(truth[order])[0]) + 1))
    return {"p_at_1": round(float(np.mean(p1)), 4), "mrr": round(float(np.mean(rr)), 4)}


def evaluate(
    net: ReaderNet, tokens: Tokens, groups: dict[str, list[dict]], cosine: Cosine | None
) -> dict[str, Any]:
    """Per kind: P@1 and MRR of the reader (and of the bi-encoder cosine when given)."""
    net.eval()
    report: dict[str, Any] = {}
    for kind, items in sorted(groups.items()):
        limit = PASSAGE_TOKENS if kind == "passage" else MAX_PAIR_TOKENS
        reader, plain = [], []
        for g in items:
            texts = g["positives"] + g["negatives"]
            truth = np.asarray([1] * len(g["positives"]) + [0] * len(g["negatives"]))
            reader.append((scores(net, tokens, g["question"], texts, limit), truth))
            if cosine is not None:
                plain.append((cosine_scores(cosine, tokens, g["question"], texts), truth))
        report[kind] = {"questions": len(items), "reader": rank_metrics(reader)}
        if cosine is not None:
            report[kind]["cosine"] = rank_metrics(plain)
    net.train()
    return report


def autocast(device: torch.device) -> Any:
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--groups", type=Path, required=True, help="JSONL (.gz) of groups")
    parser.add_argument("--out", type=Path, default=READER_DIR)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="packaged name or model folder")
    parser.add_argument("--full", action="store_true", help="fine-tune every layer")
    parser.add_argument("--lora-rank", type=int, default=0, help="top layout: LoRA below")
    parser.add_argument("--init", type=Path, help="start from these trained weights")
    parser.add_argument("--groups-per-step", type=int, help="sentence groups a step")
    parser.add_argument("--group-size", type=int, help="texts per sentence group")
    parser.add_argument("--kinds", default="sentence,passage")
    parser.add_argument("--epochs", type=float, help="passes over the sentence groups")
    parser.add_argument("--steps", type=int, help="(instead of --epochs)")
    parser.add_argument("--lr", type=float, help="body learning rate")
    parser.add_argument("--lr-head", type=float, default=1e-3)
    parser.add_argument("--select-weeks", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=0, help="stop training after")
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--no-cosine", action="store_true", help="skip the cosine baseline")
    parser.add_argument("--report", type=Path, help="append the report (JSON line) here")
    parser.add_argument("--name", default="", help="the run's name in the report")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="groups per kind (smoke test)")
    args = parser.parse_args()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    recipe = dict(FULL if args.full else TOP)
    if args.groups_per_step:
        recipe["groups"] = args.groups_per_step
    if args.group_size:
        recipe["group"] = args.group_size
    kinds = set(args.kinds.split(",")) if args.full else {"sentence"}
    splits = split_groups(read_groups(args.groups), kinds, args.select_weeks)
    if args.limit:
        splits = {s: {k: v[: args.limit] for k, v in d.items()} for s, d in splits.items()}
    train = splits["train"]
    sentences, passages = train.get("sentence", []), train.get("passage", [])
    per_epoch = len(sentences) / recipe["groups"]
    steps = args.steps or max(1, round((args.epochs or 4) * per_epoch))
    net = ReaderNet.from_packaged(
        trainable=True, model=args.model, lora_rank=args.lora_rank, full=args.full
    )
    if args.init:
        net.load_state_dict(
            {k: v.float() for k, v in stored_state(args.init).items()}, strict=False
        )
    net = net.to(device)
    tokens = Tokens(net, device)
    trained = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    lr = args.lr or recipe["lr"]
    params = [
        {"params": [p for n, p in trained if "lora_" not in n and "head" not in n], "lr": lr},
        {"params": [p for n, p in trained if "lora_" in n], "lr": TOP["lr_lora"]},
        {
            "params": list(net.head.parameters()),
            "lr": args.lr_head if args.full else TOP["lr_head"],
        },
    ]
    optimizer = torch.optim.AdamW([g for g in params if g["params"]], weight_decay=0.01)
    warmup = max(1, steps // (10 if args.full else 20))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / steps),
    )
    rnd = random.Random(SEED)
    queues: dict[str, list[dict]] = {"sentence": [], "passage": []}

    def take(kind: str, pool: list[dict], n: int) -> list[dict]:
        if len(queues[kind]) < n:
            queues[kind] = pool[:]
            rnd.shuffle(queues[kind])
        chosen, queues[kind] = queues[kind][:n], queues[kind][n:]
        return chosen

    started = time.perf_counter()
    done = 0
    net.train()
    for step in range(steps):
        parts = [("sentence", sentences, recipe["groups"], recipe["group"], MAX_PAIR_TOKENS)]
        if args.full and passages:
            parts.append(
                ("passage", passages, FULL["passage_groups"], FULL["passage_group"], PASSAGE_TOKENS)
            )
        losses = []
        for kind, pool, n, size, limit in parts:
            chosen = take(kind, pool, min(int(n), len(pool)))
            size = int(size)
            questions, texts = batch_of(chosen, size, rnd)
            with autocast(device):
                logits = net(*tokens(questions, texts, limit)).float().view(len(chosen), size)
            target = torch.zeros(len(chosen), dtype=torch.long, device=device)
            losses.append(torch.nn.functional.cross_entropy(logits, target))
        loss = torch.stack(losses).sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        done = step + 1
        elapsed = time.perf_counter() - started
        if step % 25 == 0 or step == steps - 1:
            shown = " ".join(f"{p[0]} {x.item():.4f}" for p, x in zip(parts, losses, strict=True))
            print(f"step {step:5d}/{steps}  {shown}  {elapsed:7.1f} s", flush=True)
        if args.max_seconds and elapsed > args.max_seconds:
            print(f"stopped at step {done}: --max-seconds {args.max_seconds}", flush=True)
            break
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    cosine = None
    if not args.no_cosine:
        base = ReaderNet.from_packaged(model=args.model).body.to(device).eval()
        cosine = Cosine(base)
    report: dict[str, Any] = {
        "name": args.name,
        "layout": "full" if args.full else f"top{TRAINED_LAYERS}+lora{args.lora_rank}",
        "steps": done,
        "planned_steps": steps,
        "lr": lr,
        "init": str(args.init) if args.init else None,
        "groups_per_step": recipe["groups"],
        "group_size": recipe["group"],
        "kinds": sorted(kinds),
        "train_groups": {k: len(v) for k, v in train.items()},
        "select_weeks": args.select_weeks,
        "train_seconds": round(seconds, 1),
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "max_pair_tokens": MAX_PAIR_TOKENS,
        "passage_tokens": PASSAGE_TOKENS,
    }
    if splits["select"]:
        report["select"] = evaluate(net, tokens, splits["select"], cosine)
    report["validation"] = evaluate(net, tokens, splits["val"], cosine)
    report["eval_seconds"] = round(time.perf_counter() - started - seconds, 1)
    if not args.no_save:
        save_trained(net.to("cpu").float(), args.out)
        (args.out / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.report:
        with args.report.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(report) + "\n")
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
