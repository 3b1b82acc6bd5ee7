"""Train newsrag's reader: a cross-encoder fine-tuned from the packaged all-MiniLM-L6-v2.

The reader reads a (question, sentence) pair as one input, ``[CLS] question [SEP] sentence
[SEP]``, and scores how well the sentence answers the question: mean pooling of the last layer,
then one linear unit. Only the top ``TRAINED_LAYERS`` transformer layers and that unit are
trained; the embeddings and the lower layers stay the packaged weights, so what ships
(``assistant/reader_model/``) is just the trained layers and the unit in float16, loaded on top
of the packaged model at run time.

Data: the question groups of ``bench/reader_data.py`` (rtqa-train, distant supervision). Loss:
listwise softmax cross-entropy over one positive and ``GROUP - 1`` negatives of the same
question. Seeded; a fixed number of steps. Validation (held-out weeks of rtqa-train): the share
of questions whose top-ranked sentence is a positive (P@1) and the mean reciprocal rank, for the
reader and for the packaged bi-encoder's cosine (what today's scorer leans on).

Usage: .venv/bin/python bench/train_reader.py --groups /tmp/reader-groups.jsonl [--steps N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from assistant.reader_files import MAX_PAIR_TOKENS, READER_DIR, TRAINED_LAYERS  # noqa: E402
from assistant.reader_net import ReaderNet, save_trained  # noqa: E402

GROUP = 8  # one positive, seven negatives
GROUPS_PER_STEP = 4
SEED = 13
LR_LAYERS, LR_LORA, LR_HEAD = 6e-5, 5e-4, 2e-3


def load_groups(path: Path) -> tuple[list[dict], list[dict]]:
    groups = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [g for g in groups if g["split"] == "train"], [g for g in groups if g["split"] == "val"]


def batch_of(groups: list[dict], rnd: random.Random) -> tuple[list[str], list[str]]:
    questions, texts = [], []
    for g in groups:
        negatives = rnd.sample(g["negatives"], min(GROUP - 1, len(g["negatives"])))
        while len(negatives) < GROUP - 1:
            negatives.append(rnd.choice(g["negatives"]))
        for text in [rnd.choice(g["positives"]), *negatives]:
            questions.append(g["question"])
            texts.append(text)
    return questions, texts


def evaluate(net: ReaderNet, groups: list[dict]) -> dict[str, float]:
    """P@1 and MRR of the reader and of the bi-encoder cosine over each group's sentences."""
    from index import Embedder

    embedder = Embedder()
    reader_p1, reader_rr, cos_p1, cos_rr = [], [], [], []
    net.eval()
    for g in groups:
        texts = g["positives"] + g["negatives"]
        truth = np.asarray([1] * len(g["positives"]) + [0] * len(g["negatives"]))
        with torch.no_grad():
            scores = net.score([g["question"]] * len(texts), texts).numpy()
        q = embedder.encode_query(g["question"])
        cosines = embedder.encode_sentences(texts) @ q
        for s, p1, rr in ((scores, reader_p1, reader_rr), (cosines, cos_p1, cos_rr)):
            order = np.argsort(-s)
            p1.append(float(truth[order[0]]))
            first = int(np.flatnonzero(truth[order])[0])
            rr.append(1.0 / (first + 1))
    net.train()
    return {
        "reader_p_at_1": round(float(np.mean(reader_p1)), 4),
        "reader_mrr": round(float(np.mean(reader_rr)), 4),
        "cosine_p_at_1": round(float(np.mean(cos_p1)), 4),
        "cosine_mrr": round(float(np.mean(cos_rr)), 4),
        "questions": len(groups),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--groups", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--out", type=Path, default=READER_DIR)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--lora-rank", type=int, default=0, help="low-rank updates on the lower layers' attention"
    )
    args = parser.parse_args()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    train, val = load_groups(args.groups)
    net = ReaderNet.from_packaged(trainable=True, lora_rank=args.lora_rank)
    trained = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    params = [
        {
            "params": [p for n, p in trained if "lora_" not in n and "head" not in n],
            "lr": LR_LAYERS,
        },
        {"params": [p for n, p in trained if "lora_" in n], "lr": LR_LORA},
        {"params": list(net.head.parameters()), "lr": LR_HEAD},
    ]
    optimizer = torch.optim.AdamW(params, weight_decay=0.01)
    warmup = max(1, args.steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / args.steps),
    )
    rnd = random.Random(SEED)
    order: list[dict] = []
    started = time.perf_counter()
    net.train()
    for step in range(args.steps):
        if len(order) < GROUPS_PER_STEP:
            order = train[:]
            rnd.shuffle(order)
        chosen, order = order[:GROUPS_PER_STEP], order[GROUPS_PER_STEP:]
        questions, texts = batch_of(chosen, rnd)
        logits = net.score(questions, texts).view(GROUPS_PER_STEP, GROUP)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(GROUPS_PER_STEP).long())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 50 == 0 or step == args.steps - 1:
            elapsed = time.perf_counter() - started
            print(f"step {step:5d}  loss {loss.item():.4f}  {elapsed:7.1f} s", flush=True)
    seconds = time.perf_counter() - started
    metrics = evaluate(net, val)
    save_trained(net, args.out)
    report = {
        "steps": args.steps,
        "train_questions": len(train),
        "train_seconds": round(seconds, 1),
        "trained_layers": TRAINED_LAYERS,
        "lora_rank": args.lora_rank,
        "max_pair_tokens": MAX_PAIR_TOKENS,
        "validation": metrics,
    }
    (args.out / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
