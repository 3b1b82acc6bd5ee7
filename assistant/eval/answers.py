"""Answer metrics for ``newsrag eval --answers`` (the rtqa-news scoring rules).

- answer accuracy, over answerable questions (the answer occurs somewhere in the indexed
  corpus): correct when the normalised answer occurs in ``Answer.text`` and no wrong choice does
  (the system never sees the choices);
- citation precision, pooled over the citations of answers that did not abstain: the cited
  passage contains the answer or comes from a gold article or one of its copies;
- abstention rate and ask latency percentiles.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.eval.matching import answer_in_text, answers_alone, normalise, normalise_answer
from assistant.eval.stats import mean, percentile
from assistant.records import FALLBACK, Answer
from index.store import NewsIndex


class CorpusMatcher:
    """Answers the question "does this answer occur anywhere in the index?" quickly."""

    def __init__(self, index: NewsIndex) -> None:
        self.text = "\n\n".join(normalise(t) for t in index.catalog.articles.primary_texts())

    def contains(self, answer: str) -> bool:
        needle = normalise_answer(answer)
        if not needle:
            return False
        return re.search(r"(?<![^\W_])" + re.escape(needle) + r"(?![^\W_])", self.text) is not None


def score_answer(
    q: dict[str, Any], answer: Answer, answerable: bool, copies_of_gold: set[str]
) -> dict[str, Any]:
    truth = str(q.get("answer") or "")
    wrong = [c for c in q.get("choices") or [] if c != truth]
    correct = not answer.abstained and answers_alone(truth, wrong, answer.text)
    good = 0
    if not answer.abstained:
        for c in answer.citations:
            passage = next(
                (
                    h.text
                    for h in answer.hits
                    if (h.article.id, h.start, h.end) == (c.article_id, c.start, c.end)
                ),
                "",
            )
            if answer_in_text(truth, passage) or c.article_id in copies_of_gold:
                good += 1
    return {
        "answerable": answerable,
        "correct": correct,
        "quoted": not answer.abstained and answer_in_text(truth, answer.text),
        "abstained": answer.abstained,
        "citations": 0 if answer.abstained else len(answer.citations),
        "good_citations": good,
        "ask_ms": round(answer.timings.get("total_ms", 0.0), 2),
        "fallback": (answer.reason or "").startswith(FALLBACK),
        "answer": answer.text,
    }


def summarise_answers(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    cited = sum(r["citations"] for r in rows)
    latencies = sorted(r["ask_ms"] for r in rows)
    return {
        "n_answerable": len(answerable),
        "answer_accuracy": mean([r["correct"] for r in answerable]),
        "citation_precision": round(sum(r["good_citations"] for r in rows) / cited, 4)
        if cited
        else 0.0,
        "abstention_rate": mean([r["abstained"] for r in rows]),
        "fallback_rate": mean([r.get("fallback", False) for r in rows]),
        "abstention_rate_answerable": mean([r["abstained"] for r in answerable]),
        "ask_latency_p50_ms": round(percentile(latencies, 50), 2),
        "ask_latency_p95_ms": round(percentile(latencies, 95), 2),
    }
