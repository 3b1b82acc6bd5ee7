"""How relevant the entries of "how did X develop?" answers are, on development questions about
stories of the rtqa-news dev weeks (issue #30, point 6).

Questions: ``bench/timeline_questions.jsonl``, written for this bench (not taken from the
dev questions file), each asked as of the quiz day of its dev week (``as_of``, strict, as the
answer pipeline bounds a development); ``absent`` ones are about stories the corpus does not
hold and should be abstained on. Labels: ``bench/timeline_labels.jsonl``, one line per entry
ever shown for a question — the article and the quoted sentence, and whether that sentence is
part of the story the question asks about (the question's ``story`` field says which). An
entry is relevant when a reader following that story would want it in its timeline: an event,
step or fact of that story; a sentence from an article about the story that says nothing of it
(a caption, a promotion, another topic of a round-up) is not.

Every entry the engine shows must be labelled: unlabelled ones are listed (``--todo FILE``
writes them as label lines with ``"relevant": null`` to fill in) and the figures are refused.

    .venv/bin/python bench/timeline_relevance.py [--home /root/newsrag-bench/auto] [--todo F]

The index is opened read-only. "Before" figures: the same script and files run from a copy of
an older tree (``git archive REV | tar -x -C DIR``; copy ``bench/timeline_*`` into it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
HERE = Path(__file__).resolve().parent

from assistant.pipeline import Answering  # noqa: E402
from assistant.requests import AskRequest  # noqa: E402
from index.filters import SearchFilters  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from index.store import NewsIndex  # noqa: E402

Key = tuple[str, str, str]  # question id, article id, quoted sentence


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def entries(answering: Answering, q: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    """The answer's entries (article, day, sentence) and the seconds it took."""
    filters = SearchFilters(as_of=q["as_of"])
    started = time.perf_counter()
    answer = answering.ask(AskRequest(q["question"], filters=filters))
    took = time.perf_counter() - started
    if answer.abstained:
        return [], took
    rows = [
        {"article": c.article_id, "day": (c.published_at or "")[:10], "sentence": c.quote}
        for c in answer.citations
    ]
    return rows, took


def run(home: Path, questions: list[dict[str, Any]]) -> dict[str, Any]:
    index = NewsIndex.open(IndexSettings.from_env(home=home, read_only=True))
    answering = Answering(index)
    answering.ask(AskRequest("How did it develop?"))  # load the model before timing
    out = {}
    for q in questions:
        rows, took = entries(answering, q)
        out[q["id"]] = {"entries": rows, "seconds": took}
    index.close()
    return out


def summary(
    questions: list[dict[str, Any]], found: dict[str, Any], labels: dict[Key, bool]
) -> dict[str, Any]:
    present = [q for q in questions if not q.get("absent")]
    absent = [q for q in questions if q.get("absent")]
    shown = [len(found[q["id"]]["entries"]) for q in present]
    relevant = [
        sum(labels[(q["id"], e["article"], e["sentence"])] for e in found[q["id"]]["entries"])
        for q in present
    ]
    answered = [n for n in shown if n]
    seconds = [found[q["id"]]["seconds"] for q in questions]
    return {
        "questions": len(present),
        "abstained": sum(1 for n in shown if not n),
        "entries": sum(shown),
        "relevant": sum(relevant),
        "precision": sum(relevant) / sum(shown) if sum(shown) else 0.0,
        "entries_per_answer": statistics.mean(answered) if answered else 0.0,
        "relevant_per_question": statistics.mean(relevant),
        "with_3_relevant": sum(1 for r in relevant if r >= 3),
        "all_irrelevant": sum(1 for n, r in zip(shown, relevant, strict=True) if n and not r),
        "absent": len(absent),
        "absent_abstained": sum(1 for q in absent if not found[q["id"]]["entries"]),
        "median_seconds": statistics.median(seconds),
    }


def unlabelled(
    questions: list[dict[str, Any]], found: dict[str, Any], labels: dict[Key, bool]
) -> list[dict[str, Any]]:
    return [
        {"q": q["id"], **e, "relevant": None}
        for q in questions
        for e in found[q["id"]]["entries"]
        if (q["id"], e["article"], e["sentence"]) not in labels
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/root/newsrag-bench/auto"))
    parser.add_argument("--questions", type=Path, default=HERE / "timeline_questions.jsonl")
    parser.add_argument("--labels", type=Path, default=HERE / "timeline_labels.jsonl")
    parser.add_argument("--todo", type=Path, help="write the unlabelled entries here")
    parser.add_argument("--show", action="store_true", help="print every entry and its label")
    args = parser.parse_args()
    questions = read_jsonl(args.questions)
    labels = {
        (r["q"], r["article"], r["sentence"]): bool(r["relevant"])
        for r in (read_jsonl(args.labels) if args.labels.exists() else [])
        if r["relevant"] is not None
    }
    found = run(args.home, questions)
    if args.show:
        for q in questions:
            print(f"\n{q['id']} {q['question']} (as of {q['as_of']})")
            for e in found[q["id"]]["entries"]:
                mark = labels.get((q["id"], e["article"], e["sentence"]))
                print(
                    f"  [{ {True: '+', False: '-', None: '?'}[mark] }] {e['day']} "
                    f"{e['sentence'][:160]!r}"
                )
    todo = unlabelled(questions, found, labels)
    if todo:
        if args.todo:
            with args.todo.open("w", encoding="utf-8") as handle:
                for row in todo:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{len(todo)} entries are not labelled", file=sys.stderr)
        return 1
    print(json.dumps(summary(questions, found, labels), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
