"""Time to the first token against time to the whole answer, for a writing engine (llm), on
the first ``--limit`` dev questions: how long a chat user waits before the answer starts to
appear, versus before it is complete and checked. In process, one question at a time.

Usage: NEWSRAG_LLM_PROVIDER=local .venv/bin/python bench/stream_latency.py \\
    ../shared/data/rtqa-news/dev.jsonl --home /root/newsrag-bench/auto [--limit 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import AskRequest, Assistant, SearchFilters  # noqa: E402
from ui.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path, help="JSONL with question and question_date")
    parser.add_argument("--home", type=Path, required=True, help="the index to ask")
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()
    assistant = Assistant(Settings.from_env(home=str(args.home)))
    rows = [json.loads(line) for line in args.questions.open(encoding="utf-8")][: args.limit]
    assistant.ask(AskRequest("warm up", engine="llm"))  # model and server loaded before the clock
    first, whole, streamed, fallbacks = [], [], 0, 0
    for row in rows:
        started = time.perf_counter()
        seen: list[float] = []
        filters = SearchFilters.build(as_of=row.get("question_date"))
        answer = assistant.ask(
            AskRequest(row["question"], filters=filters, engine="llm"),
            on_token=lambda _, seen=seen: seen.append(time.perf_counter()),  # type: ignore[misc]
        )
        whole.append(time.perf_counter() - started)
        if seen:
            streamed += 1
            first.append(seen[0] - started)
        fallbacks += (answer.reason or "").startswith("llm reply not used")
    print(
        json.dumps(
            {
                "questions": len(rows),
                "streamed": streamed,
                "fallbacks": fallbacks,
                "first_token_s_p50": round(statistics.median(first), 2) if first else None,
                "whole_answer_s_p50": round(statistics.median(whole), 2),
                "first_token_s_max": round(max(first), 2) if first else None,
                "whole_answer_s_max": round(max(whole), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
