"""Cross-lingual retrieval A/B: MiniLM (English) against multilingual-e5-small on the hand-written
set in bench/multilingual/ (72+ invented articles in seven languages, one question each, asked
in English and in the article's language; English articles are asked in another language).

Each model gets a fresh index of the set (plus, with ``--distractors N``, the first N English
articles of rtqa-news, which make every search harder); each question is searched (hybrid, the
default mode, k=5) twice. Per language pair ("en→uk": an English question over a Ukrainian
article): Hits@5 (the article among the first five passages' articles) and answer recall@5 (the
marked answer inside one of those passages, quoted exactly).

Prints a table per model and, last, one JSON line. Not part of CI (tests/test_multilingual.py
holds the thresholds on the real model).
With ``--answers``, each question is asked instead (``newsrag ask``: retrieval and the
extractive engine): per pair, how many answers cite the article, quote the marked answer, abstain.
Usage: .venv/bin/python bench/multilingual.py [--model NAME ...] [--distractors 300] [--json]
       [--answers]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.facade import Assistant  # noqa: E402
from assistant.requests import AskRequest, SearchMode  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import AssistantSettings  # noqa: E402
from index import Library, NewsIndex, encoder_for  # noqa: E402

SET = REPO / "bench" / "multilingual"
RTQA = REPO.parent / "shared" / "data" / "rtqa-news" / "corpus.jsonl"
MODELS = ("all-MiniLM-L6-v2", "multilingual-e5-small")
K = 5


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def asks(question: dict[str, Any]) -> list[tuple[str, str]]:
    """(pair, question text): the English question and the one in another language."""
    article = question["article_language"]
    return [
        (f"en→{article}", question["question_en"]),
        (f"{question['native_language']}→{article}", question["question_native"]),
    ]


def score(
    index: NewsIndex,
    settings: AssistantSettings,
    questions: list[dict[str, Any]],
    mode: SearchMode = SearchMode.HYBRID,
) -> dict:
    retriever = Retriever(index, settings.retrieval)
    retriever.run("warm up", k=1)
    cells: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for q in questions:
        for pair, text in asks(q):
            hits = retriever.run(text, k=K, mode=mode).hits[:K]
            found = any(q["article_id"] in {h.article.id, *h.article.copies} for h in hits)
            quoted = any(q["answer"] in h.text for h in hits)
            cells[pair].append((found, quoted))
    return cells


def answers(settings: AssistantSettings, questions: list[dict[str, Any]]) -> dict:
    """Per pair: how many answers cite the article, quote the marked answer (in any quote),
    and abstain — the whole ask (retrieval, extractive engine), as `newsrag ask` runs it."""
    cells: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    with Assistant(settings) as assistant:
        for q in questions:
            for pair, text in asks(q):
                answer = assistant.ask(AskRequest(text))
                cited = any(c.article_id == q["article_id"] for c in answer.citations)
                quoted = any(q["answer"] in c.quote for c in answer.citations)
                cells[pair].append((cited, quoted, answer.abstained))
    return cells


def answer_summary(cells: dict[str, list[tuple[bool, bool, bool]]]) -> dict[str, dict]:
    groups = dict(sorted(cells.items()))
    groups["cross-lingual"] = [r for p, rows in cells.items() if p[:2] != p[-2:] for r in rows]
    groups["same-language"] = [r for p, rows in cells.items() if p[:2] == p[-2:] for r in rows]
    return {
        name: {
            "n": len(rows),
            "cites": sum(r[0] for r in rows),
            "quotes_answer": sum(r[1] for r in rows),
            "abstains": sum(r[2] for r in rows),
        }
        for name, rows in groups.items()
    }


def build(model: str, home: Path, distractors: int) -> AssistantSettings:
    settings = AssistantSettings.from_env(home=home, model=model)
    paths = [SET / "corpus.jsonl"]
    if distractors:
        extra = home.parent / f"distractors-{distractors}.jsonl"
        lines = RTQA.read_text(encoding="utf-8").splitlines()[:distractors]
        extra.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(extra)
    with Library(settings.index, encoder_for(settings.index)) as door:
        door.ingest(paths)
    return settings


def summary(cells: dict[str, list[tuple[bool, bool]]]) -> dict[str, dict[str, float]]:
    out = {}
    for pair, rows in sorted(cells.items()):
        out[pair] = {
            "n": len(rows),
            "hits@5": round(sum(f for f, _ in rows) / len(rows), 3),
            "answer_recall@5": round(sum(a for _, a in rows) / len(rows), 3),
        }
    every = [r for rows in cells.values() for r in rows]
    crossing = [r for pair, rows in cells.items() if pair[:2] != pair[-2:] for r in rows]
    for name, rows in (("all", every), ("cross-lingual", crossing)):
        out[name] = {
            "n": len(rows),
            "hits@5": round(sum(f for f, _ in rows) / len(rows), 3),
            "answer_recall@5": round(sum(a for _, a in rows) / len(rows), 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="models to compare (default: both)")
    parser.add_argument("--distractors", type=int, default=0, help="rtqa-news articles added")
    parser.add_argument("--mode", default="hybrid", choices=[m.value for m in SearchMode])
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    parser.add_argument(
        "--answers", action="store_true", help="ask each question (counts of answers) instead"
    )
    args = parser.parse_args()
    questions = read_jsonl(SET / "questions.jsonl")
    results = {}
    for model in args.model or MODELS:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            settings = build(model, Path(tmp) / "home", args.distractors)
            built = time.perf_counter() - started
            if args.answers:
                results[model] = answer_summary(answers(settings, questions))
                if not args.json:
                    print(f"\n{model}: answers (cites the article, quotes the answer, abstains)")
                    for pair, row in results[model].items():
                        print(f"{pair:<14}{row['n']:>4}{row['cites']:>5}", end="")
                        print(f"{row['quotes_answer']:>5}{row['abstains']:>5}")
                continue
            with NewsIndex.open(settings.index) as index:
                cells = score(index, settings, questions, SearchMode(args.mode))
            results[model] = {"ingest_s": round(built, 1), **summary(cells)}
        if not args.json:
            print(f"\n{model} (ingest {built:.0f} s, {args.distractors} distractors)")
            print(f"{'pair':<14}{'n':>4}{'Hits@5':>9}{'AR@5':>8}")
            for pair, row in results[model].items():
                if isinstance(row, dict):
                    print(
                        f"{pair:<14}{row['n']:>4}{row['hits@5']:>9.3f}{row['answer_recall@5']:>8.3f}"
                    )
    print(json.dumps({"distractors": args.distractors, "models": results}))


if __name__ == "__main__":
    main()
