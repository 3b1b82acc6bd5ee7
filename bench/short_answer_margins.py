"""How often a short answer would lead, and how often it is right, by its margin over the
runner-up (``assistant/engines/short_answer.py``'s ``margin``): each question is asked with margin 1
(any winner leads) and the winner's margin and text are recorded.

Usage:
    .venv/bin/python bench/short_answer_margins.py ../shared/data/rtqa-news/dev.jsonl \\
        --home /root/newsrag-bench/auto [--within-field result_ids] [--json]

Right means the rtqa rule either way round (the short answer holds the gold answer, or the gold
answer holds it), so "nine" for "9" counts as wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.engines import extractive  # noqa: E402
from assistant.engines.short_answer import Choice, ShortAnswerConfig  # noqa: E402
from assistant.eval.matching import answer_in_text  # noqa: E402
from assistant.eval.run import QuestionFilters, read_questions  # noqa: E402
from assistant.pipeline import Answering  # noqa: E402
from assistant.requests import AskRequest  # noqa: E402
from assistant.retrieval.retriever import Retriever  # noqa: E402
from assistant.settings import AssistantSettings  # noqa: E402
from index.store import NewsIndex  # noqa: E402

MARGINS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0)


def winners(path: str, home: str, within: str | None) -> list[tuple[float, bool]]:
    """(margin, right) of each question whose answer a short answer led."""
    settings = AssistantSettings.from_env(home=home)
    index = NewsIndex.open(settings.index)
    answering = Answering(index, Retriever(index, settings.retrieval), settings.answers)
    config = answering.extractive.config
    answering.extractive.config = dataclasses.replace(config, short=ShortAnswerConfig(margin=1.0))
    seen: list[Choice | None] = []
    choose = extractive.choose
    extractive.choose = lambda *args: seen.append(choose(*args)) or seen[-1]  # type: ignore[func-returns-value]
    restrict = QuestionFilters("question_date", within_field=within)
    out = []
    for q in read_questions(path):
        seen.clear()
        answer = answering.ask(AskRequest(q["question"], filters=restrict.of(q)))
        short = answer.short_answer
        if short is not None and seen and seen[-1] is not None:
            truth = str(q.get("answer") or "")
            right = answer_in_text(truth, short.text) or answer_in_text(short.text, truth)
            out.append((seen[-1].margin, right))
    index.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions")
    parser.add_argument("--home", required=True)
    parser.add_argument("--within-field")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    found = winners(args.questions, args.home, args.within_field)
    rows = []
    for margin in MARGINS:
        led = [right for m, right in found if m >= margin]
        rows.append(
            {"margin": margin, "led": len(led), "right": round(sum(led) / max(1, len(led)), 3)}
        )
    if args.json:
        print(json.dumps(rows))
    else:
        print(
            "\n".join(f"margin >= {r['margin']}: {r['led']} led, {r['right']} right" for r in rows)
        )


if __name__ == "__main__":
    main()
