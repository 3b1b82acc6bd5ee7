"""Training groups for the full-strength reader (sentences and passages), from rtqa-train.

For every rtqa-train question with search-result articles, the articles are normalised as
newsrag's loaders do and chunked by newsrag's chunker (so passages and sentences are the ones the
engine reads). Labels, by distant supervision:

- a **positive sentence** holds the answer string and no wrong choice (``answers_alone``, the
  rtqa rule) *and* overlaps the quiz's ``evidence_text``: it shares at least ``MIN_SHARED``
  content words with it besides the answer's own words (questions without an evidence text:
  with the question instead). A sentence with the answer that overlaps neither is left out
  (neither positive nor negative), and so is one with the answer and a wrong choice;
- a **negative sentence** lacks the answer. The hardest come first: the sentences of the
  passages the engine would read (the ``ENGINE_PASSAGES`` passages sharing the most
  idf-weighted question words, as ``bench/train_candidates.py`` ranks them), then the other
  sentences of the same articles by the question words they share, then a few at random;
- a **positive passage** holds a positive sentence; a **negative passage** lacks the answer,
  hardest (most idf-weighted question words) first. These train the reader to rerank passages.

Each question gives up to two groups (``kind`` "sentence" and "passage"). Split by time: the
2025 weeks of rtqa-train are held out (``split`` "val"), 2023-2024 train.

Output: gzipped JSONL ``{"id", "week", "split", "kind", "question", "positives",
"negatives"}`` — research-only data (rtqa-train has no licence): written outside git (e.g. the
ignored ``.gpu/`` folder that travels to the accelerator), never committed.

Usage: nice .venv/bin/python bench/reader_pairs.py --out .gpu/pairs.jsonl.gz [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from reader_data import content_words, keyword_order, questions_with_results  # noqa: E402

from assistant.eval.matching import answer_in_text, answers_alone  # noqa: E402
from assistant.language.sentence_features import asks  # noqa: E402
from index.encoding.model_sources import resolve_model  # noqa: E402
from index.loaders.boilerplate import drop_boilerplate  # noqa: E402
from index.loaders.normalize import normalize_text  # noqa: E402
from index.records import Article  # noqa: E402
from index.settings import DEFAULT_MODEL  # noqa: E402
from index.text.chunking import Chunker, ChunkerConfig  # noqa: E402
from index.text.sentences import sentence_spans  # noqa: E402
from index.text.tokenization import load_tokenizer  # noqa: E402

ENGINE_PASSAGES = 6  # the engine reads the sentences of its top 6 passages (ExtractiveConfig)
MIN_SHARED = 2  # content words a positive shares with the evidence text, answer words aside
MIN_WORDS, MAX_CHARS = 4, 600  # the engine skips sentences under 4 words
MAX_POSITIVES = 4
NEGATIVES = 24  # per sentence group
PASSAGE_POSITIVES, PASSAGE_NEGATIVES = 3, 15
VAL_YEAR = "2025"
SEED = 13


def article_chunks(record: dict, chunker: Chunker) -> list[str]:
    text = normalize_text(drop_boilerplate(normalize_text(record.get("text") or "")))
    if not text:
        return []
    article = Article(record["id"], text, record.get("title") or "", record.get("url"))
    return [c.text for c in chunker.chunk(article)]


def chunk_sentences(chunk: str) -> list[str]:
    out = []
    for s, e in sentence_spans(chunk):
        piece = chunk[s:e]
        if len(piece.split()) >= MIN_WORDS and len(piece) <= MAX_CHARS and not asks(piece):
            out.append(piece)
    return out


def groups_for(q: dict, chunks: list[str], rnd: random.Random) -> list[dict]:
    answer, question = str(q["answer"]), q["question"]
    wrong = [c for c in q["choices"] if c != q["answer"]]
    evidence = q.get("evidence_text") or ""
    own = content_words(answer)
    anchor = (content_words(evidence) if evidence else content_words(question)) - own
    order = keyword_order(question, chunks, content_words)
    engine = set(order[:ENGINE_PASSAGES])
    asked = content_words(question)
    positives: list[str] = []
    hard: list[str] = []  # sentences of the engine's passages without the answer
    other: list[str] = []  # the rest of the articles' sentences without the answer
    seen: set[str] = set()
    for i in order:
        for s in chunk_sentences(chunks[i]):
            key = " ".join(s.lower().split())
            if key in seen:
                continue
            seen.add(key)
            if answer_in_text(answer, s):
                if answers_alone(answer, wrong, s) and len(content_words(s) & anchor) >= MIN_SHARED:
                    positives.append(s)
            else:
                (hard if i in engine else other).append(s)
    out = []
    if positives and len(hard) + len(other) >= 3:
        hard.sort(key=lambda s: -len(asked & content_words(s)))
        other.sort(key=lambda s: (-len(asked & content_words(s)), rnd.random()))
        near = other[: NEGATIVES // 4]
        rest = other[NEGATIVES // 4 :]
        negatives = hard[: NEGATIVES // 2] + near
        negatives += rnd.sample(rest, min(len(rest), NEGATIVES - len(negatives)))
        negatives += hard[NEGATIVES // 2 : NEGATIVES // 2 + NEGATIVES - len(negatives)]
        rnd.shuffle(positives)
        out.append(_group(q, "sentence", positives[:MAX_POSITIVES], negatives[:NEGATIVES]))
    good = set(positives)
    passage_pos = [chunks[i] for i in order if any(s in good for s in chunk_sentences(chunks[i]))]
    passage_neg = [chunks[i] for i in order if not answer_in_text(answer, chunks[i])]
    if passage_pos and len(passage_neg) >= 3:
        out.append(
            _group(q, "passage", passage_pos[:PASSAGE_POSITIVES], passage_neg[:PASSAGE_NEGATIVES])
        )
    return out


def _group(q: dict, kind: str, positives: list[str], negatives: list[str]) -> dict:
    week = q["id"].split("_")[0]
    return {
        "id": q["id"],
        "week": week,
        "split": "val" if week.startswith(VAL_YEAR) else "train",
        "kind": kind,
        "question": q["question"],
        "positives": positives,
        "negatives": negatives,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="gzipped JSONL of groups")
    parser.add_argument("--limit", type=int, help="only the first N questions (a smoke run)")
    args = parser.parse_args()
    questions, corpus = questions_with_results(args.limit)
    chunker = Chunker(load_tokenizer(resolve_model(DEFAULT_MODEL).path), ChunkerConfig())
    chunked: dict[str, list[str]] = {}
    rnd = random.Random(SEED)
    counts: Counter[str] = Counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as out:
        for n, q in enumerate(questions):
            chunks: list[str] = []
            for article_id in q["result_ids"]:
                if article_id not in chunked and article_id in corpus:
                    chunked[article_id] = article_chunks(corpus[article_id], chunker)
                chunks.extend(chunked.get(article_id, []))
            made = groups_for(q, chunks, rnd)
            counts["questions"] += 1
            for g in made:
                counts[f"{g['split']}_{g['kind']}"] += 1
                counts[f"{g['kind']}_positives"] += len(g["positives"])
                counts[f"{g['kind']}_negatives"] += len(g["negatives"])
                out.write(json.dumps(g, ensure_ascii=False) + "\n")
            if n % 250 == 0:
                print(n, dict(counts), file=sys.stderr, flush=True)
    print(json.dumps(dict(counts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
