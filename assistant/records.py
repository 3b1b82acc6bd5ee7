"""Answer records (docs/API.md): an answer's text with ``[n]`` markers and the citations under it.

``validate`` enforces the contract every engine must meet before an answer leaves the
assistant: every marker resolves, every quote is verbatim in its article at its offsets, and
every citation points at a passage retrieved for this question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from assistant.language.relative_dates import DateMention
from index import SearchHit
from index.citation_keys import citation_key
from index.records import ArticleMeta

MARKER = re.compile(r"\[(\d{1,3})\]")
ABSTAIN_TEXT = "The indexed articles don't say."
FALLBACK = "llm reply not used"  # how the reason of an llm answer replaced by the extractive begins


@dataclass(frozen=True)
class QuoteNote:
    """What a reader is told beside a quote, never inside it: the quote's words ``phrase``
    (verbatim) mean ``means``, inferred as ``why`` says. Shown as a note after the quote."""

    kind: str  # "date" or "speaker"
    phrase: str  # "on Monday", "He"
    means: str  # "25 Nov 2024", "Sergei Lavrov"
    why: str  # "date inferred from the article's publication date, 26 Nov 2024"


@dataclass(frozen=True)
class Citation:
    n: int
    citation: str  # the passage key "article_id:start-end:h"
    article_id: str
    title: str
    source: str | None
    published_at: str | None
    url: str | None
    start: int  # the passage in the article
    end: int
    quote: str  # the supporting sentence, verbatim
    quote_start: int  # the quote in the article
    quote_end: int
    outlet: str | None = None  # who published it first: "AP (via USA Today)", else the site
    claim_by: str | None = None  # whose claim the quote reports ("according to Meduza")
    dates: tuple[DateMention, ...] = ()  # what its relative dates mean ("on Monday")
    notes: tuple[QuoteNote, ...] = ()  # what is shown beside the quote (dates, a speaker)
    language: str | None = None  # the article's ISO 639-1 code: the quote is in it, untranslated

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ShortAnswer:
    """The answer in a few words, leading the answer's text: the article's own characters at
    ``start``-``end`` of the article cited by ``[citation]``, inside that citation's quote."""

    text: str
    type: str  # what the question asked for: person, organisation, place, number, amount, ...
    citation: int  # the n of the citation whose quote holds it
    start: int  # offsets in the cited article
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    reason: str | None = None
    hits: list[SearchHit] = field(default_factory=list)
    related: list[SearchHit] = field(default_factory=list)
    rewritten_query: str | None = None
    engine: str = "extractive"
    unsupported: list[str] = field(default_factory=list)  # sentences without a marker (llm)
    timings: dict[str, float] = field(default_factory=dict)
    short_answer: ShortAnswer | None = None

    @classmethod
    def abstain(
        cls,
        question: str,
        reason: str,
        hits: Sequence[SearchHit] = (),
        related: Sequence[SearchHit] = (),
        engine: str = "extractive",
    ) -> Answer:
        """The answer that says the indexed articles don't say, and why (``reason``, in plain
        words); ``related``: the closest passages, shown instead of an answer."""
        return cls(
            question,
            ABSTAIN_TEXT,
            abstained=True,
            reason=reason,
            hits=list(hits),
            related=list(related),
            engine=engine,
        )

    def to_dict(self) -> dict[str, Any]:
        """What ``newsrag ask --json`` and ``POST /api/ask`` return."""
        return {
            "question": self.question,
            "answer": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "reason": self.reason,
            "rewritten_query": self.rewritten_query,
            "engine": self.engine,
            "unsupported": list(self.unsupported),
            "related": [h.to_dict() for h in self.related],
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "short_answer": self.short_answer.to_dict() if self.short_answer else None,
        }


TokenSink = Callable[[str], None]  # receives an answer's text as the engine writes it


class AnswerCancelled(RuntimeError):
    """Raised by a ``TokenSink`` whose reader went away: the engine stops writing and the
    ask ends with this error (nobody is left to read an answer)."""


class AnswerEngine(Protocol):
    """Answers a question from retrieved passages. An engine that writes its answer piece by
    piece hands each piece to ``on_token`` as it comes (a draft: the returned answer, checked,
    is what counts); one that finds the answer whole never calls it."""

    name: str

    def answer(
        self,
        question: str,
        hits: list[SearchHit],
        article_text: dict[str, str],
        on_token: TokenSink | None = None,
    ) -> Answer: ...


def as_quoted(text: str) -> str:
    """Article text as shown inside an answer: a ``[n]`` look-alike in it becomes ``(n)``, so
    only the engine's own markers cite (an article cannot inject or break citations).
    ``Citation.quote`` keeps the verbatim text."""
    return MARKER.sub(r"(\1)", text)


class ContractViolation(AssertionError):
    """An engine produced an answer that breaks the citation contract."""


def cite(n: int, hit: SearchHit, quote_start: int, quote_end: int, article_text: str) -> Citation:
    return cite_span(
        n, hit.article, (hit.start, hit.end, hit.text), quote_start, quote_end, article_text
    )


def cite_span(
    n: int,
    meta: ArticleMeta,
    passage: tuple[int, int, str],
    quote_start: int,
    quote_end: int,
    article_text: str,
) -> Citation:
    """Citation ``n``: the key of ``passage`` (start, end, its text) in the article of
    ``meta``, quoting ``article_text[quote_start:quote_end]``."""
    start, end, text = passage
    return Citation(
        n=n,
        citation=citation_key(meta.id, start, end, text),
        article_id=meta.id,
        title=meta.title,
        source=meta.source,
        published_at=meta.published_at,
        url=meta.url,
        start=start,
        end=end,
        quote=article_text[quote_start:quote_end],
        quote_start=quote_start,
        quote_end=quote_end,
        language=meta.language,
    )


def validate(answer: Answer, article_text: Callable[[str], str | None]) -> None:
    """Raise ContractViolation when ``answer`` breaks the citation contract."""
    numbers = {c.n for c in answer.citations}
    used = {int(m) for m in MARKER.findall(answer.text)}
    if used - numbers:
        raise ContractViolation(f"markers {sorted(used - numbers)} resolve to no citation")
    if answer.abstained and answer.citations:
        raise ContractViolation("an abstention carries no citations")
    retrieved = {(h.article.id, h.start, h.end) for h in answer.hits}
    for c in answer.citations:
        if (c.article_id, c.start, c.end) not in retrieved:
            raise ContractViolation(f"[{c.n}] cites a passage not retrieved for this question")
        if not c.start <= c.quote_start < c.quote_end <= c.end:
            raise ContractViolation(f"[{c.n}] quote lies outside its passage")
        text = article_text(c.article_id)
        if text is None or text[c.quote_start : c.quote_end] != c.quote:
            raise ContractViolation(f"[{c.n}] quote is not verbatim in {c.article_id}")
    if answer.short_answer is not None:
        _validate_short(answer.short_answer, answer.citations, article_text)


def _validate_short(
    short: ShortAnswer, citations: Sequence[Citation], article_text: Callable[[str], str | None]
) -> None:
    """A short answer is verbatim in its citation's quote."""
    cited = next((c for c in citations if c.n == short.citation), None)
    if cited is None:
        raise ContractViolation(f"the short answer cites [{short.citation}], no citation")
    if not cited.quote_start <= short.start < short.end <= cited.quote_end:
        raise ContractViolation("the short answer lies outside its citation's quote")
    if (article_text(cited.article_id) or "")[short.start : short.end] != short.text:
        raise ContractViolation("the short answer is not verbatim in its article")


def by_article(citations: Sequence[Citation]) -> list[list[Citation]]:
    """The citations grouped by article, in the order each article is first cited: a sources
    list names each article once."""
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.article_id, []).append(c)
    return list(groups.values())


def one_per_article(hits: Sequence[SearchHit]) -> list[SearchHit]:
    """Each article once, at its best passage (hits come best first)."""
    seen: set[str] = set()
    out = []
    for h in hits:
        if h.article.id not in seen:
            seen.add(h.article.id)
            out.append(h)
    return out
