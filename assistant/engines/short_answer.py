"""The answer first, in a few words: the name, number or date a question asks for, voted for
across the sentences the extractive engine scored.

Each candidate (``language.answer_spans``) of the best-scored sentences gets a vote from every
sentence holding it: the sentence's weight (its score relative to the best one's), times how
well its kind fits the type the question expects (``assistant.language.answer_types``), times its
nearness to the question's words in that sentence; the votes of one candidate add up, with a
bonus for each further article that states it. A candidate made of the question's own words
never counts. The winner leads the answer only when it beats the runner-up by ``margin``;
otherwise the engine quotes its sentence alone, as before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.language.answer_spans import Span, spans
from assistant.language.answer_types import answer_type
from assistant.language.sentence_features import content_words, stem

# the kinds of span that can answer each expected type, and how well
FITS: dict[str, dict[str, float]] = {
    "person": {"person": 1.0, "name": 0.7},
    "organisation": {"organisation": 1.0, "name": 0.8, "person": 0.4, "place": 0.3},
    "place": {"place": 1.0, "name": 0.5},
    "number": {"number": 1.0, "amount": 0.6},
    "amount": {"amount": 1.0, "number": 0.7},
    "date": {"date": 1.0},
    "event_title": {"event_title": 1.0, "name": 0.6, "organisation": 0.3, "person": 0.2},
}


@dataclass(frozen=True)
class ShortAnswerConfig:
    sentences: int = 12  # the best-scored sentences that vote
    temperature: float = 1.0  # a sentence's weight: exp((score - best score) / temperature)
    margin: float = 2.0  # the winner's votes over the runner-up's, at least (fitted on dev)
    near_words: float = 8.0  # tokens over which nearness to the question's words fades
    article_bonus: float = 0.25  # per further article stating the candidate (at most 2x)


@dataclass(frozen=True)
class Scored:
    """A sentence the engine scored: which one (its index), its text and score, its article."""

    index: int
    text: str
    score: float
    article_id: str


@dataclass
class _Tally:
    votes: float = 0.0
    best: tuple[int, Span] | None = None  # the best-scored sentence holding it, and the span
    articles: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Choice:
    """The winner: its span in sentence ``sentence`` (a ``Scored.index``), the type the
    question asked for, and its lead over the runner-up."""

    sentence: int
    span: Span
    expected: str
    margin: float


def choose(
    question: str, sentences: Sequence[Scored], config: ShortAnswerConfig | None = None
) -> Choice | None:
    """The short answer to ``question`` from ``sentences`` (best first), or None."""
    cfg = config or ShortAnswerConfig()
    asked_for = answer_type(question)
    expected = asked_for.type
    fits = FITS.get(expected)
    if not fits or not sentences:
        return None
    asked = _question_words(question)
    tallies: dict[str, _Tally] = {}
    voting = sentences[: cfg.sentences]
    top = max(s.score for s in voting)
    for scored in voting:
        weight = math.exp((scored.score - top) / cfg.temperature)
        marks = _question_words_at(scored.text, asked)
        for span in spans(scored.text):
            fit = fits.get(span.kind, 0.0)
            if fit == 0.0 or _from_question(span.text, asked):
                continue
            near = _nearness(scored.text, span, marks, cfg.near_words)
            fit *= _shaped(scored.text, span, asked_for.head, asked_for.subtype)
            tally = tallies.setdefault(_key(span.text), _Tally())
            tally.votes += weight * fit * near
            tally.articles.add(scored.article_id)
            if tally.best is None:
                tally.best = (scored.index, span)
    return _winner(_merge_surnames(tallies), expected, cfg)


def _winner(tallies: dict[str, _Tally], expected: str, cfg: ShortAnswerConfig) -> Choice | None:
    """The candidate with the most votes (times its articles' bonus), if it leads by
    ``cfg.margin``."""
    ranked = sorted(
        (
            (t.votes * min(2.0, 1 + cfg.article_bonus * (len(t.articles) - 1)), t)
            for t in tallies.values()
        ),
        key=lambda pair: -pair[0],
    )
    if not ranked or ranked[0][1].best is None:
        return None
    first = ranked[0][0]
    second = ranked[1][0] if len(ranked) > 1 else 0.0
    margin = first / second if second else math.inf
    if margin < cfg.margin:
        return None
    index, span = ranked[0][1].best
    return Choice(index, span, expected, margin)


_CURRENCY = re.compile(r"[$€£¥]")


def _shaped(sentence: str, span: Span, head: str | None, subtype: str | None) -> float:
    """2 for a number right before the thing counted ("188 drones" for "how many drones"),
    an amount of the asked sort (money, percent); else 1."""
    if span.kind == "number" and head:
        after = re.findall(r"\w+", sentence[span.end : span.end + 40].lower())[:3]
        return 2.0 if stem(head.lower()) in {stem(w) for w in after} else 1.0
    if span.kind == "amount" and subtype in ("money", "percent"):
        money = bool(_CURRENCY.search(span.text))
        return 2.0 if money == (subtype == "money") else 1.0
    if span.kind == "date":
        return _date_shape(span.text, subtype)
    return 1.0


_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_WEEKDAY = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day")


def _date_shape(text: str, subtype: str | None) -> float:
    """A year for "what year", a month for "which month"; a bare weekday answers only "which
    day" (elsewhere it is the article's own 'on Monday')."""
    if subtype == "year":
        return 1.0 if _YEAR.search(text) else 0.1
    if subtype == "month":
        return 0.3 if _YEAR.fullmatch(text) or _WEEKDAY.fullmatch(text) else 1.0
    if _WEEKDAY.fullmatch(text):
        return 1.0 if subtype == "day" else 0.2
    return 1.0


def _merge_surnames(tallies: dict[str, _Tally]) -> dict[str, _Tally]:
    """A one-word name that ends a longer one ("Zelensky", "Volodymyr Zelensky") votes for it."""
    merged = dict(tallies)
    for key in [k for k in tallies if " " not in k]:
        longer = [k for k in tallies if k.endswith(" " + key)]
        if len(longer) == 1:
            tally = merged.pop(key)
            merged[longer[0]].votes += tally.votes
            merged[longer[0]].articles |= tally.articles
    return merged


def _key(text: str) -> str:
    text = re.sub(r"^the\s+", "", text.lower().replace("’s", "").replace("'s", ""))
    return " ".join(text.replace(",", "").split())


def _question_words(question: str) -> set[str]:
    return {stem(w) for w in content_words(question)} | set(re.findall(r"\d+", question))


def _from_question(text: str, asked: set[str]) -> bool:
    """Half or more of the candidate's words are the question's own."""
    words = [stem(w) for w in re.findall(r"\w+", text.lower())]
    return bool(words) and sum(w in asked for w in words) * 2 >= len(words)


def _question_words_at(sentence: str, asked: set[str]) -> list[int]:
    """Where the question's words stand in ``sentence`` (read once per sentence)."""
    return [m.start() for m in re.finditer(r"\w+", sentence) if stem(m.group().lower()) in asked]


def _nearness(sentence: str, span: Span, where: list[int], fade: float) -> float:
    """1 beside a question word (at ``where``), fading to 0.6 over ``fade`` tokens (0.6 with
    none)."""
    if not where:
        return 0.6
    tokens = min(len(re.findall(r"\w+", _between(sentence, span, at))) for at in where)
    return 0.6 + 0.4 * math.exp(-tokens / fade)


def _between(sentence: str, span: Span, at: int) -> str:
    return sentence[span.end : at] if at >= span.end else sentence[at : span.start]
