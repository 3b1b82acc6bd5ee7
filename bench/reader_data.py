"""Training pairs for the reader, by distant supervision from ../shared/data/rtqa-train.

For every question with search-result articles, the articles are normalised as newsrag's
loaders do (so sentences are the ones the answer engine will see) and split into sentences:
- a **positive** holds the answer and no wrong choice (``answers_alone``, the rtqa rule);
  the quiz's ``evidence_text`` sentences that hold the answer are clean positives too;
- a **negative** holds neither the answer nor a wrong choice... or holds a wrong choice and not
  the answer (the hardest kind); sentences with the answer *and* a wrong choice are dropped;
- negatives are ranked by the content words they share with the question, so most are hard
  (on topic, not answering).
Each question becomes one group: up to ``MAX_POSITIVES`` positives and ``NEGATIVES`` negatives.
Questions are split into train and validation by week (every ``VAL_EVERY``-th week validates),
so no week feeds both. Output: JSONL groups ``{"id", "week", "split", "question", "positives",
"negatives"}`` (research-only data: written outside the repository, never committed).

With ``--from-candidates ROWS`` (the rows of ``bench/train_candidates.py``) the groups are the
answer engine's own candidates instead: the sentences of the passages it would read, the good
ones positive, the ones without the answer negative — training matches what the reader sees.

Usage: .venv/bin/python bench/reader_data.py --out /tmp/reader-groups.jsonl
       [--from-candidates /tmp/train-candidates.jsonl]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.eval.matching import answer_in_text, answers_alone  # noqa: E402
from index.loaders.boilerplate import drop_boilerplate  # noqa: E402
from index.loaders.normalize import normalize_text  # noqa: E402
from index.text.sentences import sentence_spans  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "rtqa-train"
MAX_POSITIVES = 3
NEGATIVES = 15
VAL_EVERY = 10  # every 10th quiz week is held out for validation
MIN_CHARS, MAX_CHARS = 25, 600
SEED = 13
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    """the a an of in on at to for from by with about as into and or but not is are was were be
    been this that these those it its which what who whom whose when where why how many much did
    does do has have had will would can could this week last year said says his her their they
    he she we you""".split()
)


def read_gz(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def questions_with_results(limit: int | None = None) -> tuple[list[dict], dict[str, dict]]:
    """The rtqa-train questions that list search results (the first ``limit``), and the
    corpus articles those results name, by id."""
    questions = [q for q in read_gz(DATA / "questions.jsonl.gz") if q.get("result_ids")]
    questions = questions[:limit] if limit else questions
    wanted = {i for q in questions for i in q["result_ids"]}
    corpus = {a["id"]: a for a in read_gz(DATA / "corpus.jsonl.gz") if a["id"] in wanted}
    return questions, corpus


def keyword_order(question: str, texts: list[str], words: Callable[[str], set[str]]) -> list[int]:
    """The indexes of ``texts``, most idf-weighted content ``words`` shared with the question
    first (ties in order)."""
    asked = words(question)
    found = [words(t) for t in texts]
    df = Counter(w for ws in found for w in ws & asked)
    n = len(texts)
    scored = [(sum(math.log(1 + n / df[w]) for w in ws & asked), i) for i, ws in enumerate(found)]
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [i for _, i in scored]


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def sentences(text: str) -> list[str]:
    clean = normalize_text(drop_boilerplate(normalize_text(text)))
    out = []
    for start, end in sentence_spans(clean):
        piece = clean[start:end]
        if MIN_CHARS <= len(piece) <= MAX_CHARS:
            out.append(piece)
    return out


def group(question: dict, corpus: dict[str, str], rnd: random.Random) -> dict | None:
    answer = question["answer"]
    wrong = [c for c in question["choices"] if c != answer]
    positives: list[str] = []
    negatives: list[str] = []
    for article_id in question.get("result_ids") or []:
        for sentence in sentences(corpus.get(article_id, "")):
            has_answer = answer_in_text(answer, sentence)
            if has_answer and answers_alone(answer, wrong, sentence):
                positives.append(sentence)
            elif not has_answer:
                negatives.append(sentence)
    for sentence in sentences(question.get("evidence_text") or ""):
        if answers_alone(answer, wrong, sentence):
            positives.insert(0, sentence)
    positives = list(dict.fromkeys(positives))
    negatives = list(dict.fromkeys(negatives))
    if not positives or len(negatives) < 3:
        return None
    asked = content_words(question["question"])
    negatives.sort(key=lambda s: (-len(asked & content_words(s)), rnd.random()))
    hard = negatives[: NEGATIVES * 2 // 3]
    easy = rnd.sample(
        negatives[len(hard) :], min(NEGATIVES - len(hard), len(negatives) - len(hard))
    )
    return _group(question["id"], question["question"], positives, hard + easy)


def _group(qid: str, question: str, positives: list[str], negatives: list[str]) -> dict:
    return {
        "id": qid,
        "week": qid.split("_")[0],
        "question": question,
        "positives": positives[:MAX_POSITIVES],
        "negatives": negatives,
    }


def candidate_group(row: dict) -> dict | None:
    """One group from the engine's candidates for a question (``bench/train_candidates.py``)."""
    positives = [text for _, good, text in row["sentences"] if good]
    negatives = [t for _, good, t in row["sentences"] if not answer_in_text(row["truth"], t)]
    if not positives or len(negatives) < 3:
        return None
    return _group(row["id"], row["question"], positives, negatives[: NEGATIVES * 2])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSONL of question groups")
    parser.add_argument("--from-candidates", type=Path, help="rows of bench/train_candidates.py")
    args = parser.parse_args()
    if args.from_candidates:
        return from_candidates(args.from_candidates, args.out)
    questions = list(read_gz(DATA / "questions.jsonl.gz"))
    wanted = {i for q in questions for i in q.get("result_ids") or []}
    corpus = {a["id"]: a["text"] for a in read_gz(DATA / "corpus.jsonl.gz") if a["id"] in wanted}
    weeks = sorted({q["id"].split("_")[0] for q in questions})
    held_out = set(weeks[VAL_EVERY - 1 :: VAL_EVERY])
    rnd = random.Random(SEED)
    counts = {"train": 0, "val": 0, "skipped": 0, "positives": 0, "negatives": 0}
    with args.out.open("w", encoding="utf-8") as out:
        for question in questions:
            made = group(question, corpus, rnd)
            if made is None:
                counts["skipped"] += 1
                continue
            made["split"] = "val" if made["week"] in held_out else "train"
            counts[made["split"]] += 1
            counts["positives"] += len(made["positives"])
            counts["negatives"] += len(made["negatives"])
            out.write(json.dumps(made, ensure_ascii=False) + "\n")
    print(json.dumps(counts))
    return 0


def from_candidates(rows_file: Path, out_file: Path) -> int:
    rows = [json.loads(line) for line in rows_file.open(encoding="utf-8")]
    weeks = sorted({r["id"].split("_")[0] for r in rows})
    held_out = set(weeks[VAL_EVERY - 1 :: VAL_EVERY])
    counts = {"train": 0, "val": 0, "skipped": 0}
    with out_file.open("w", encoding="utf-8") as out:
        for row in rows:
            made = candidate_group(row)
            if made is None:
                counts["skipped"] += 1
                continue
            made["split"] = "val" if made["week"] in held_out else "train"
            counts[made["split"]] += 1
            out.write(json.dumps(made, ensure_ascii=False) + "\n")
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
