"""The offline extractive engine: pick the sentences of the retrieved passages that answer the
question, and quote them with ``[n]`` markers. No generator and no QA model are needed.

A sentence's score mixes its embedding similarity to the question (the packaged encoder), the
share of the question's content words and names it contains, whether it holds the kind of thing
asked for (a number for "how many", a date for "when"), and its passage's retrieval rank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.answers import ABSTAIN_TEXT, Answer, as_quoted, cite
from assistant.keyword import STOPWORDS
from index import SearchHit
from index.embedding import Embedder
from index.sentences import sentence_spans

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d")
_DATE = re.compile(
    r"\b(\d{4}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|yesterday|today|tomorrow|week|month|year|spring|summer|"
    r"autumn|fall|winter|next|last)\w*",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w’'-]+")


@dataclass(frozen=True)
class ExtractiveConfig:
    max_passages: int = 6
    max_sentences: int = 80  # sentences considered from the passages
    max_encoded: int = 12  # of which the best by cheap lexical score are embedded (dev: 24 gave
    # the same accuracy at twice the encoding cost)
    min_words: int = 4
    w_similarity: float = 0.55
    w_keywords: float = 0.25
    w_names: float = 0.10
    w_rank: float = 0.10
    w_type: float = 0.15  # holds the kind asked for (dev: accuracy 0.37 -> 0.385 vs 0.08)
    threshold: float = 0.50  # abstain below this best-sentence score (docs/BENCHMARKS.md)
    min_similarity: float = 0.25  # ... or when no sentence is this close to the question
    agree_similarity: float = 0.80  # two sentences from two articles say the same thing
    same_topic_similarity: float = 0.60  # ... or the same topic, with other numbers: disagree


@dataclass(frozen=True)
class Candidate:
    hit: int  # index into the hits
    start: int  # offsets in the article
    end: int
    text: str
    score: float
    similarity: float
    vector: np.ndarray


class ExtractiveEngine:
    name = "extractive"

    def __init__(self, embedder: Embedder, config: ExtractiveConfig | None = None) -> None:
        self.embedder = embedder
        self.config = config or ExtractiveConfig()

    def answer(self, question: str, hits: list[SearchHit], article_text: dict[str, str]) -> Answer:
        candidates = self.score(question, hits)
        if not candidates or self._weak(candidates[0]):
            best = (
                f" (best sentence score {candidates[0].score:.2f}, similarity "
                f"{candidates[0].similarity:.2f})"
                if candidates
                else ""
            )
            return Answer(
                question,
                ABSTAIN_TEXT,
                abstained=True,
                hits=hits,
                related=hits[:5],
                reason=f"no passage answers the question well enough{best}",
            )
        chosen = self._support(candidates)
        return self._compose(question, hits, chosen, article_text)

    def _weak(self, best: Candidate) -> bool:
        return best.score < self.config.threshold or best.similarity < self.config.min_similarity

    def score(self, question: str, hits: list[SearchHit]) -> list[Candidate]:
        """Sentences of the top passages, best first (only the lexically best are embedded)."""
        spans = self._sentences(hits)
        if not spans:
            return []
        cfg = self.config
        q_words, q_names = _content_words(question), _names(question)
        kind = _question_kind(question)
        lexical = []
        for hit, start, end, text in spans:
            words = _content_words(text)
            keywords = len(q_words & words) / len(q_words) if q_words else 0.0
            names = len(q_names & words) / len(q_names) if q_names else 0.0
            cheap = (
                cfg.w_keywords * keywords
                + cfg.w_names * names
                + cfg.w_rank / (1 + hit)
                + cfg.w_type * _has_kind(kind, text, q_words)
            )
            lexical.append((cheap, hit, start, end, text))
        lexical.sort(key=lambda item: -item[0])
        lexical = lexical[: cfg.max_encoded]
        q_vector = self.embedder.encode_query(question)
        vectors = self.embedder.encode_sentences([item[4] for item in lexical])
        out = [
            Candidate(hit, start, end, text, cheap + cfg.w_similarity * float(sim), float(sim), v)
            for (cheap, hit, start, end, text), sim, v in zip(
                lexical, vectors @ q_vector, vectors, strict=True
            )
        ]
        out.sort(key=lambda c: -c.score)
        return out

    def _sentences(self, hits: list[SearchHit]) -> list[tuple[int, int, int, str]]:
        found: list[tuple[int, int, int, str]] = []
        seen: set[str] = set()
        for i, hit in enumerate(hits[: self.config.max_passages]):
            for s, e in sentence_spans(hit.text):
                text = hit.text[s:e]
                key = " ".join(text.lower().split())
                if len(text.split()) < self.config.min_words or key in seen or _asks(text):
                    continue
                seen.add(key)
                found.append((i, hit.start + s, hit.start + e, text))
        return found[: self.config.max_sentences]

    def _support(self, candidates: list[Candidate]) -> list[Candidate]:
        """The best sentence, plus the best one from another article when it agrees or clearly
        disagrees about a number (both are then shown, attributed)."""
        best = candidates[0]
        for other in candidates[1:6]:
            if other.hit == best.hit or other.score < 0.85 * best.score:
                continue
            similarity = float(other.vector @ best.vector)
            if similarity >= self.config.same_topic_similarity and _disagree(best, other):
                return [best, other]
            if similarity >= self.config.agree_similarity:
                return [best, other]
        return [best]

    def _compose(
        self,
        question: str,
        hits: list[SearchHit],
        chosen: list[Candidate],
        article_text: dict[str, str],
    ) -> Answer:
        citations = []
        for n, cand in enumerate(chosen, start=1):
            hit = hits[cand.hit]
            citations.append(cite(n, hit, cand.start, cand.end, article_text[hit.article.id]))
        if len(chosen) == 1:
            text = f"{as_quoted(chosen[0].text)} [1]"
        elif not _disagree(chosen[0], chosen[1]):
            text = f"{as_quoted(chosen[0].text)} [1][2]"
        else:
            text = " ".join(
                f"{as_quoted(_outlet(hits[c.hit]))} reports: “{as_quoted(c.text)}” [{n}]"
                for n, c in enumerate(chosen, start=1)
            )
        return Answer(question, text, citations, hits=hits, related=[])


def _content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _names(text: str) -> set[str]:
    tokens = _NAME.findall(text)[1:]  # the first word is capitalised anyway
    return {_stem(t.lower()) for t in tokens if t.lower() not in STOPWORDS}


def _disagree(a: Candidate, b: Candidate) -> bool:
    """Both sentences state numbers and share none of them."""
    first, second = _numbers(a.text), _numbers(b.text)
    return bool(first and second and first.isdisjoint(second))


def _numbers(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\d[\d,.]*\d|\d", text))


def _question_kind(question: str) -> str:
    q = question.lower()
    if re.search(r"\bhow (many|much)\b|\bwhat (percentage|number|amount)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|day|date|month)\b|\bwhich (year|day|month)\b", q):
        return "date"
    if re.search(r"\bwho\b|\bwhich (person|man|woman|company|country|city)\b", q):
        return "name"
    if re.search(r"\b(which|what)\b", q):
        return "entity"
    return "other"


def _has_kind(kind: str, text: str, q_words: set[str]) -> float:
    if kind == "number":
        return 1.0 if _NUMBER.search(text) else 0.0
    if kind == "date":
        return 1.0 if _DATE.search(text) else 0.0
    if kind == "name":
        return 1.0 if _new_names(text, q_words) else 0.0
    if kind == "entity":  # "which show…", "what year…": a name or number the question lacks
        new_number = any(n not in q_words for n in _numbers(text))
        return 1.0 if _new_names(text, q_words) or new_number else 0.0
    return 0.0


def _new_names(text: str, q_words: set[str]) -> bool:
    return any(_stem(n.lower()) not in q_words for n in _NAME.findall(text)[1:])


def _asks(sentence: str) -> bool:
    """A question in the article (a quiz, a headline) restates the question; it never answers."""
    return sentence.rstrip("\"'”’)] ").endswith("?")


def _outlet(hit: SearchHit) -> str:
    source = hit.article.source or f"“{hit.article.title}”"
    return {"cnn.com": "CNN", "usatoday.com": "USA Today", "theweek.co.uk": "The Week"}.get(
        source, source
    )
