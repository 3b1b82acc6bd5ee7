"""``newsrag eval``: retrieval quality on a question file in the rtqa-news dev.jsonl format.

Retrieval sees only ``question`` (and ``question_date`` as the as-of date when asked; with
``within_field``, e.g. ``result_ids``, only the articles that field lists — the reading-alone
measure: each question's own search results); the ``choices`` serve only the noise check,
``evidence`` is never read. With ``answers``, each answerable question's fate (``eval.fates``)
says where its answer was lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.eval.answers import CorpusMatcher, score_answer, summarise_answers
from assistant.eval.fates import FATES, fate, fate_shares
from assistant.eval.matching import answer_in_text
from assistant.eval.stats import mean, percentile
from assistant.requests import SearchMode
from assistant.retrieval.retriever import Retriever
from assistant.settings import AssistantSettings
from index import SearchHit
from index.filters import SearchFilters
from index.store import NewsIndex

KS = (1, 5, 10)


@dataclass(frozen=True)
class QuestionFilters:
    """How a question's own fields restrict its search."""

    as_of_field: str | None = None  # its as-of date
    strict: bool = False  # with as_of_field: nothing newer
    within_field: str | None = None  # the only article ids it may read (a missing field: none)

    def of(self, q: dict[str, Any]) -> SearchFilters:
        as_of = q.get(self.as_of_field) if self.as_of_field else None
        within = list(q.get(self.within_field) or []) if self.within_field else None
        return SearchFilters.build(as_of=as_of, strict=self.strict, articles=within)


def parse_modes(text: str) -> list[SearchMode]:
    if text.strip() == "all":
        return list(SearchMode)
    try:
        return [SearchMode(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError:
        choices = ", ".join(m.value for m in SearchMode)
        raise ValueError(f"--mode {text!r}: use {choices}, a comma list, or all") from None


def read_questions(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    questions = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not str(row.get("question", "")).strip():
                raise ValueError(f"{path}:{number}: no 'question' field")
            questions.append(row)
    return questions[:limit] if limit else questions


def evaluate(
    settings: AssistantSettings,
    path: str | Path,
    modes: list[SearchMode],
    as_of_field: str | None = None,
    strict: bool = False,
    limit: int | None = None,
    out: str | None = None,
    answers: bool = False,
    engine: str | None = None,
    within_field: str | None = None,
) -> dict[str, Any]:
    questions = read_questions(path, limit)
    restrict = QuestionFilters(as_of_field, strict, within_field)
    index = NewsIndex.open(settings.index)
    retriever = Retriever(index, settings.retrieval)
    retriever.search(questions[0]["question"] if questions else "warm up", k=1)  # load the model
    metrics: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    try:
        for mode in modes:
            scored = list(_score_mode(retriever, questions, mode, restrict))
            metrics[mode.value] = summarise(scored)
            if answers:
                answered = _answer_mode(index, settings, questions, mode, restrict, engine)
                metrics[mode.value].update(summarise_answers(answered))
                for row, extra in zip(scored, answered, strict=True):
                    row.update(extra)
                    row["fate"] = fate(row)
                metrics[mode.value]["fates"] = fate_shares(scored)
            rows += scored
    finally:
        index.close()
    if out:
        Path(out).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return {"questions": len(questions), "metrics": metrics}


def _score_mode(
    retriever: Retriever,
    questions: list[dict[str, Any]],
    mode: SearchMode,
    restrict: QuestionFilters,
) -> Iterator[dict[str, Any]]:
    for q in questions:
        result = retriever.run(q["question"], k=max(KS), mode=mode, filters=restrict.of(q))
        yield score_question(q, result.hits, mode.value, result.timings.get("total_ms", 0.0))


def _answer_mode(
    index: NewsIndex,
    settings: AssistantSettings,
    questions: list[dict[str, Any]],
    mode: SearchMode,
    restrict: QuestionFilters,
    engine: str | None = None,
) -> list[dict[str, Any]]:
    from assistant.pipeline import Answering
    from assistant.requests import AskRequest

    answering = Answering(index, Retriever(index, settings.retrieval), settings.answers)
    matcher = CorpusMatcher(index)
    rows = []
    for q in questions:
        request = AskRequest(q["question"], filters=restrict.of(q), engine=engine, mode=mode)
        answer = answering.ask(request)
        gold = set(q.get("gold_ids") or [])
        gold |= {c for g in gold for c in index.catalog.articles.copies_of([g]).get(g, ())}
        rows.append(score_answer(q, answer, matcher.contains(str(q.get("answer") or "")), gold))
    return rows


def score_question(
    q: dict[str, Any], hits: list[SearchHit], mode: str, latency_ms: float
) -> dict[str, Any]:
    gold = set(q.get("gold_ids") or [])
    first = next((h.rank for h in hits if gold & {h.article.id, *h.article.copies}), None)
    answer = str(q.get("answer") or "")
    wrong = [c for c in q.get("choices") or [] if c != answer]
    texts = {k: " \n ".join(h.text for h in hits[:k]) for k in (5, 10)}
    return {
        "id": q.get("id"),
        "mode": mode,
        "has_gold": bool(gold),
        "first_gold_rank": first,
        "answer_recall@5": bool(answer) and answer_in_text(answer, texts[5]),
        "answer_recall@10": bool(answer) and answer_in_text(answer, texts[10]),
        "wrong_choice_recall@10": (
            sum(answer_in_text(c, texts[10]) for c in wrong) / len(wrong) if wrong else None
        ),
        "latency_ms": round(latency_ms, 2),
        "hits": [h.citation for h in hits],
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    gold = [r for r in rows if r["has_gold"]]
    ranks = [r["first_gold_rank"] for r in gold]
    latencies = sorted(r["latency_ms"] for r in rows)
    wrong = [r["wrong_choice_recall@10"] for r in rows if r["wrong_choice_recall@10"] is not None]
    out: dict[str, Any] = {"n": len(rows), "n_article": len(gold)}
    for k in KS:
        out[f"hits@{k}"] = mean([r is not None and r <= k for r in ranks])
    out["mrr@10"] = mean([1 / r if r is not None and r <= 10 else 0.0 for r in ranks])
    for k in (5, 10):
        out[f"answer_recall@{k}"] = mean([r[f"answer_recall@{k}"] for r in rows])
    out["wrong_choice_recall@10"] = mean(wrong)
    out["latency_p50_ms"] = round(percentile(latencies, 50), 2)
    out["latency_p95_ms"] = round(percentile(latencies, 95), 2)
    return out


def format_report(report: dict[str, Any]) -> str:
    lines = [f"{report['questions']} questions"]
    keys = [
        "n_article",
        "hits@1",
        "hits@5",
        "hits@10",
        "mrr@10",
        "answer_recall@5",
        "answer_recall@10",
        "wrong_choice_recall@10",
        "latency_p50_ms",
        "latency_p95_ms",
    ]
    width = max(len(k) for k in keys) + 2
    lines.append(f"{'mode':<10}" + "".join(f"{k:>{width}}" for k in keys))
    for mode, values in report["metrics"].items():
        lines.append(f"{mode:<10}" + "".join(f"{values.get(k, ''):>{width}}" for k in keys))
    for mode, values in report["metrics"].items():
        if "fates" in values:
            lines.append(_answers_line(mode, values))
    return "\n".join(lines)


def _answers_line(mode: str, values: dict[str, Any]) -> str:
    """Answer quality and where the answerable questions' answers were lost."""
    shares = ", ".join(f"{f.replace('_', '-')} {values['fates'][f]:.1%}" for f in FATES)
    return (
        f"{mode} answers: accuracy {values['answer_accuracy']:.3f} of "
        f"{values['n_answerable']} answerable, citation precision "
        f"{values['citation_precision']:.3f}, ask p50 {values['ask_latency_p50_ms']:.0f} ms; "
        f"fates: {shares}"
    )


__all__ = ["evaluate", "format_report", "parse_modes", "read_questions"]
