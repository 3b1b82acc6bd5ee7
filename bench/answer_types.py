"""Accuracy of the answer typing (assistant/language/answer_types.py) against hand labels.

The labels (bench/answer_type_labels.json) hold only question ids, types and the part each
belongs to — never question text, which stays in ../shared (the data sets may not be
committed). Parts: ``rules`` (rtqa-train 2023, read while writing the rules), ``dev``
(rtqa-news dev, held out from the first version of the rules only: its misses were read to
revise them) and ``held_out`` (rtqa-train 2025, labelled after the rules were frozen).

Usage: .venv/bin/python bench/answer_types.py [--part rules|dev|held_out|all] [--json] [--misses]
(--misses prints each wrong question with its text, for reading on this machine only.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"
SOURCES = (DATA / "rtqa-news" / "dev.jsonl", DATA / "rtqa-train" / "questions.jsonl.gz")
LABELS = Path(__file__).resolve().parent / "answer_type_labels.json"

from assistant.language.answer_type_words import KINDS  # noqa: E402
from assistant.language.answer_types import AnswerType, answer_type  # noqa: E402

PARTS = ("rules", "dev", "held_out")
Row = tuple[str, str, dict[str, str], AnswerType]  # id, question, label, prediction


def read_questions(wanted: set[str]) -> dict[str, str]:
    """The text of the wanted question ids, from the rtqa-news dev and rtqa-train files."""
    found: dict[str, str] = {}
    twice: set[str] = set()
    for path in SOURCES:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if row["id"] in wanted:
                    if row["id"] in found:
                        twice.add(row["id"])
                    found[row["id"]] = row["question"]
    if twice:  # rtqa-train repeats 11 ids with different questions: never label those
        raise SystemExit(f"labelled ids that name two questions: {', '.join(sorted(twice))}")
    return found


def rows_for(part: str) -> list[Row]:
    labels: dict[str, dict[str, str]] = json.loads(LABELS.read_text())["labels"]
    chosen = {k: v for k, v in labels.items() if part == "all" or v["part"] == part}
    texts = read_questions(set(chosen))
    missing = sorted(set(chosen) - set(texts))
    if missing:
        raise SystemExit(f"questions not found in ../shared: {', '.join(missing[:5])} …")
    return [(qid, texts[qid], label, answer_type(texts[qid])) for qid, label in chosen.items()]


def summary(rows: list[Row]) -> dict[str, Any]:
    right = [r for r in rows if r[3].type == r[2]["type"]]
    per_type = {}
    for kind in KINDS:
        gold = [r for r in rows if r[2]["type"] == kind]
        said = [r for r in rows if r[3].type == kind]
        hits = sum(r[3].type == kind for r in gold)
        per_type[kind] = {
            "labelled": len(gold),
            "recall": round(hits / len(gold), 3) if gold else None,
            "precision": round(hits / len(said), 3) if said else None,
        }
    subtyped = [r for r in rows if "subtype" in r[2] and r[3].type == r[2]["type"]]
    confusions = Counter(f"{r[2]['type']} → {r[3].type}" for r in rows if r not in right)
    return {
        "questions": len(rows),
        "accuracy": round(len(right) / len(rows), 3) if rows else None,
        "subtype_accuracy": _share(
            sum(r[3].subtype == r[2]["subtype"] for r in subtyped), subtyped
        ),
        "subtype_labelled": len(subtyped),
        "per_type": per_type,
        "confusions": dict(confusions.most_common()),
    }


def _share(count: int, rows: list[Row]) -> float | None:
    return round(count / len(rows), 3) if rows else None


def print_text(part: str, report: dict[str, Any]) -> None:
    print(f"part {part}: {report['questions']} questions, accuracy {report['accuracy']}")
    print(
        f"  subtype right where the type is right and a subtype is labelled: "
        f"{report['subtype_accuracy']} of {report['subtype_labelled']}"
    )
    print(f"  {'type':<13}{'labelled':>9}{'recall':>8}{'precision':>10}")
    for kind, row in report["per_type"].items():
        print(f"  {kind:<13}{row['labelled']:>9}{row['recall']!s:>8}{row['precision']!s:>10}")
    for pair, count in report["confusions"].items():
        print(f"  confused {pair}: {count}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--misses", action="store_true", help="print the wrong questions")
    args = parser.parse_args(argv)
    parts = [args.part] if args.part else [*PARTS, "all"]
    reports = {part: summary(rows_for(part)) for part in parts}
    if args.json:
        print(json.dumps(reports, indent=1, ensure_ascii=False))
    else:
        for part, report in reports.items():
            print_text(part, report)
    if args.misses:
        for qid, text, label, said in rows_for(args.part or "all"):
            if said.type != label["type"]:
                why = f"{said.rule}, head {said.head}"
                print(f"{qid} gold {label['type']} said {said.type} ({why}): {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
