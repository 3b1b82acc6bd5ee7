"""How many notes newsrag shows beside quotes, and how often each kind is right (issue #30).

Three steps, over the rtqa-news corpus (the whole-corpus index; reads ../shared):

1. ``collect``: every question of the files given (the dev questions and our own
   ``bench/note_questions.jsonl``) is asked as of its ``question_date`` with every note kind on
   (``assistant.language.quote_notes.DATE_KINDS``, ``SPEAKER_NOTES``), and each note of each
   citation is
   written with what a labeller needs: the quote, the article's date, the text before the quote.
2. ``sample``: a labelling sheet, at most ``--per-kind`` notes of each kind (all of a rarer
   kind), seeded; a labeller adds ``"correct": true|false`` to each line.
3. ``score``: notes per answer and, per kind, the labelled precision with its 95 % Wilson
   interval; a kind under 0.95, or with fewer than ``MIN_LABELLED`` labelled notes, is
   switched off in ``assistant/language/quote_notes.py``.

Usage:
  .venv/bin/python bench/quote_notes.py collect --home FULL_INDEX --out notes.jsonl \\
      ../shared/data/rtqa-news/dev.jsonl bench/note_questions.jsonl
  .venv/bin/python bench/quote_notes.py sample notes.jsonl --per-kind 30 --out sheet.jsonl
  .venv/bin/python bench/quote_notes.py score notes.jsonl bench/quote_note_labels.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import assistant.language.quote_notes as quote_notes  # noqa: E402
from assistant import AskRequest, Assistant, SearchFilters  # noqa: E402
from assistant.language.relative_dates import KINDS  # noqa: E402
from ui.settings import Settings  # noqa: E402

MIN_LABELLED = 20  # a kind with fewer labelled notes cannot show 0.95 precision: it stays off
BEFORE_CHARS = 400  # text before the quote shown to a labeller of a speaker note


def questions(paths: list[Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def collect(home: Path, paths: list[Path], out: Path) -> None:
    quote_notes.DATE_KINDS = frozenset(KINDS)  # every kind on: this measures them
    quote_notes.SPEAKER_NOTES = True
    assistant = Assistant(Settings.from_env(home=str(home)))
    answers = 0
    with out.open("w", encoding="utf-8") as sink:
        for q in questions(paths):
            filters = SearchFilters.build((), None, None, q.get("question_date"), False)
            answer = assistant.ask(AskRequest(q["question"], (), filters))
            answers += 1
            for c in answer.citations:
                for row in note_rows(assistant, q, c):
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            sink.write(json.dumps({"answer": q["id"], "abstained": answer.abstained}) + "\n")
    print(f"{answers} answers -> {out}")


def note_rows(assistant: Assistant, q: dict[str, Any], c: Any) -> Iterator[dict[str, Any]]:
    text = assistant.index.catalog.articles.article_text(c.article_id) or ""
    before = text[max(0, c.quote_start - BEFORE_CHARS) : c.quote_start]
    rules = [m.kind for m in c.dates]
    for i, note in enumerate(c.notes):
        kind = f"date:{rules[i]}" if note.kind == "date" else note.kind
        yield {
            "question": q["id"],
            "kind": kind,
            "phrase": note.phrase,
            "means": note.means,
            "quote": c.quote,
            "published_at": c.published_at,
            "before": before if note.kind == "speaker" else "",
            "citation": c.citation,
        }


def read_notes(path: Path) -> tuple[list[dict[str, Any]], int]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if "kind" in r], sum(1 for r in rows if "answer" in r)


def sample(notes_path: Path, per_kind: int, seed: int, out: Path) -> None:
    notes, _ = read_notes(notes_path)
    unique = {(n["citation"], n["phrase"], n["means"]): n for n in notes}.values()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for n in unique:
        by_kind.setdefault(n["kind"], []).append(n)
    rng = random.Random(seed)
    picked = [n for kind in sorted(by_kind) for n in _some(by_kind[kind], per_kind, rng)]
    out.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in picked), "utf-8")
    print(f"{len(picked)} notes to label -> {out}")


def _some(rows: list[dict[str, Any]], k: int, rng: random.Random) -> list[dict[str, Any]]:
    return rng.sample(rows, k) if len(rows) > k else rows


def wilson(right: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = right / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, mid - half), min(1.0, mid + half)


def score(notes_path: Path, labels_path: Path) -> None:
    notes, answers = read_notes(notes_path)
    counts = Counter(n["kind"] for n in notes)
    labels = [json.loads(x) for x in labels_path.read_text(encoding="utf-8").splitlines() if x]
    print(f"{answers} answers, {len(notes)} notes ({len(notes) / max(answers, 1):.2f} per answer)")
    print(f"{len(labels)} labelled\n")
    print("| kind | notes | labelled | right | precision | 95 % interval | shown |")
    print("|---|---:|---:|---:|---:|---|---|")
    for kind in sorted(counts | Counter(n["kind"] for n in labels)):
        judged = [n for n in labels if n["kind"] == kind]
        right = sum(1 for n in judged if n["correct"])
        low, high = wilson(right, len(judged))
        precision = right / len(judged) if judged else float("nan")
        shown = "yes" if len(judged) >= MIN_LABELLED and precision >= 0.95 else "no"
        print(
            f"| {kind} | {counts[kind]} | {len(judged)} | {right} | {precision:.3f} "
            f"| {low:.2f}–{high:.2f} | {shown} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    c = steps.add_parser("collect", help="ask the questions; write every note")
    c.add_argument("questions", nargs="+", type=Path)
    c.add_argument("--home", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    s = steps.add_parser("sample", help="a labelling sheet, at most --per-kind notes a kind")
    s.add_argument("notes", type=Path)
    s.add_argument("--per-kind", type=int, default=30)
    s.add_argument("--seed", type=int, default=30)
    s.add_argument("--out", type=Path, required=True)
    r = steps.add_parser("score", help="precision per kind from a labelled sheet")
    r.add_argument("notes", type=Path)
    r.add_argument("labels", type=Path)
    args = parser.parse_args()
    if args.step == "collect":
        collect(args.home, args.questions, args.out)
    elif args.step == "sample":
        sample(args.notes, args.per_kind, args.seed, args.out)
    else:
        score(args.notes, args.labels)


if __name__ == "__main__":
    main()
