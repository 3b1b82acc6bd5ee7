"""The offline extractive engine: pick the sentences of the retrieved passages that answer the
question, and quote them with ``[n]`` markers. No generator and no QA model are needed.

A sentence's score is a linear mix of features (``FEATURES``): its embedding similarity to the
question (the packaged encoder), the share of the question's content words it contains (and of
the last clause's, where a quiz question puts what it asks), whether it holds the kind of thing
asked for (a number for "how many", a new name for "who"), how many names the question lacks,
how near the article's top it stands (news puts the facts first), its passage's retrieval rank
and recency, and how many of the read passages repeat its new names and numbers (an answer
tends to recur across the articles about a story). The weights were fitted on the dev
questions by logistic regression, checked by leave-one-week-out cross-validation
(``bench/fit_answer_weights.py``, docs/BENCHMARKS.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.answers import ABSTAIN_TEXT, Answer, as_quoted, cite
from assistant.keyword import STOPWORDS
from assistant.question_parts import question_parts
from assistant.reader import Reader
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
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+")

FEATURES = (
    "similarity",  # cosine of sentence and question vectors
    "keywords",  # share of the question's content words in the sentence
    "last_clause",  # ... of its last sentence's ("Where did the leak occur?")
    "kind",  # holds the kind of thing asked for (_has_kind)
    "new_names",  # names the question lacks, 5 or more count 1
    "lead",  # 1 / (1 + offset in the article / 500 characters)
    "rank",  # 1 / (1 + the passage's rank, 0-based)
    "recency",  # the passage's as-of recency prior (0 without an as-of date)
    "redundancy",  # mean share of the read passages holding each of its new names and numbers
)
EVIDENCE = FEATURES[:6]  # what abstention judges: the last three only order candidates


@dataclass(frozen=True)
class ExtractiveConfig:
    max_passages: int = 6
    max_sentences: int = 80  # sentences considered from the passages
    max_encoded: int = 16  # of which the best by the other features are embedded
    min_words: int = 4
    max_support: int = 3  # sentences quoted in an answer, each adding what the question asked
    support_evidence: float = 1.75  # ... each with at least this evidence (the best one: threshold)
    # weights of FEATURES, fitted on dev (bench/fit_answer_weights.py)
    w_similarity: float = 2.17
    w_keywords: float = 0.29
    w_last_clause: float = 1.39
    w_kind: float = 0.99
    w_new_names: float = 0.22
    w_lead: float = 0.93
    w_rank: float = 0.61
    w_recency: float = 0.96
    w_redundancy: float = 2.41
    # with a reader (assistant/reader.py): the best ``reader_candidates`` sentences by the
    # features are read, and its logit joins their score with the weights it ships with
    reader_candidates: int = 24
    threshold: float = 1.75  # abstain when the best sentence's evidence is below this
    min_similarity: float = 0.25  # ... or when its similarity to the question is below this
    agree_similarity: float = 0.80  # two sentences from two articles say the same thing
    same_topic_similarity: float = 0.60  # ... or the same topic, with other numbers: disagree

    def weights(self) -> np.ndarray:
        return np.array([getattr(self, f"w_{name}") for name in FEATURES])


@dataclass(frozen=True, eq=False)  # compared by identity: it holds a vector
class Candidate:
    hit: int  # index into the hits
    start: int  # offsets in the article
    end: int
    text: str
    score: float  # weights · features: orders the sentences
    evidence: float  # the same over EVIDENCE only: decides abstention
    similarity: float
    vector: np.ndarray
    features: tuple[float, ...] = ()


class ExtractiveEngine:
    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        config: ExtractiveConfig | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.embedder = embedder
        self.config = config or ExtractiveConfig()
        self.reader = reader
        self.ordering, self.w_reader = _ordering(self.config, reader)

    def answer(self, question: str, hits: list[SearchHit], article_text: dict[str, str]) -> Answer:
        candidates = self.score(question, hits)
        judged = self._judged(candidates)
        if judged is None or self._weak(judged):
            best = (
                f" (best sentence evidence {judged.evidence:.2f}, similarity "
                f"{judged.similarity:.2f})"
                if judged
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
        return self._compose(question, hits, self._support(candidates, question), article_text)

    def _judged(self, candidates: list[Candidate]) -> Candidate | None:
        """The sentence abstention judges: the fitted scorer's best (with a reader too, so
        abstention stays as calibrated whatever the reader prefers)."""
        if not candidates or self.reader is None:
            return candidates[0] if candidates else None
        weights = self.config.weights()
        return max(candidates, key=lambda c: float(np.asarray(c.features) @ weights))

    def _weak(self, best: Candidate) -> bool:
        return best.evidence < self.config.threshold or best.similarity < self.config.min_similarity

    def score(self, question: str, hits: list[SearchHit]) -> list[Candidate]:
        """Sentences of the top passages, best first: only the best by the features other than
        similarity are embedded (and, with a reader, read: its logit joins their score). A
        sentence sharing no content word with the question comes after every one that shares
        some. Evidence, which decides abstention, is the fitted features' alone."""
        spans = self._sentences(hits)
        if not spans:
            return []
        weights = self.ordering
        terms = _QuestionTerms.of(question)
        passages = _Passages([h.text for h in hits[: self.config.max_passages]])
        rows = [
            (
                np.array([0.0, *terms.features(text, start, hit, _recency(hits[hit]), passages)]),
                hit,
                start,
                end,
                text,
            )
            for hit, start, end, text in spans
        ]
        rows.sort(key=lambda row: -float(row[0] @ weights))
        reading = self.reader is not None
        rows = rows[: self.config.reader_candidates if reading else self.config.max_encoded]
        texts = [row[4] for row in rows]
        vectors = self.embedder.encode_sentences(texts)
        similarity = vectors @ self.embedder.encode_query(question)
        logits = self.reader.score(question, texts) if self.reader is not None else None
        evidence = np.array([name in EVIDENCE for name in FEATURES]) * self.config.weights()
        out = []
        for i, ((feats, hit, start, end, text), sim, vector) in enumerate(
            zip(rows, similarity, vectors, strict=True)
        ):
            feats[0] = float(sim)
            score, judged = float(feats @ weights), float(feats @ evidence)
            if logits is not None:
                score += self.w_reader * float(logits[i])
            features = tuple(float(f) for f in feats)
            out.append(
                Candidate(hit, start, end, text, score, judged, float(sim), vector, features)
            )
        out.sort(key=lambda c: (c.features[1] == 0.0, -c.score))
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

    def _support(self, candidates: list[Candidate], question: str) -> list[Candidate]:
        """The best sentence, then a sentence only for what it adds that the question asked
        (``_adds``); when a sentence from another article disagrees with the best one about a
        number, the two are shown alone, attributed."""
        best = candidates[0]
        for other in candidates[1 : 2 * self.config.max_support]:
            if other.hit == best.hit or other.score < 0.85 * best.score:
                continue
            similarity = float(other.vector @ best.vector)
            if similarity >= self.config.same_topic_similarity and _disagree(best, other):
                return [best, other]
        return self._adds(candidates, question)

    def _adds(self, candidates: list[Candidate], question: str) -> list[Candidate]:
        """The best sentence, then more (up to ``max_support`` in all) only for what they add
        that the question asked: each later part of a two-part question gets the best sentence
        holding its words; otherwise a sentence among the next best is quoted when it holds
        words of the question that the ones before it lack and has ``support_evidence``.
        Words are compared by their first four letters (``_gist``)."""
        asked = _gist(question)
        chosen = [candidates[0]]
        covered = _gist(candidates[0].text) & asked
        for part in question_parts(question)[1:]:
            wanted = _gist(part) - covered
            found = next((c for c in candidates[1:] if _gist(c.text) & wanted), None)
            if wanted and found is not None and found not in chosen:
                chosen.append(found)
                covered |= _gist(found.text) & asked
        for cand in candidates[1 : self.config.max_support]:
            new = (_gist(cand.text) & asked) - covered
            enough = cand.evidence >= self.config.support_evidence
            if len(chosen) < self.config.max_support and cand not in chosen and new and enough:
                chosen.append(cand)
                covered |= new
        return chosen

    def _compose(
        self,
        question: str,
        hits: list[SearchHit],
        chosen: list[Candidate],
        article_text: dict[str, str],
    ) -> Answer:
        """One quoted sentence per citation; a sentence from another article that says the same
        (``agree_similarity``) is cited next to it instead of repeated."""
        citations = []
        for n, cand in enumerate(chosen, start=1):
            hit = hits[cand.hit]
            citations.append(cite(n, hit, cand.start, cand.end, article_text[hit.article.id]))
        if len(chosen) == 2 and _disagree(chosen[0], chosen[1]) and chosen[0].hit != chosen[1].hit:
            text = " ".join(
                f"{as_quoted(_outlet(hits[c.hit]))} reports: “{as_quoted(c.text)}” [{n}]"
                for n, c in enumerate(chosen, start=1)
            )
            return Answer(question, text, citations, hits=hits, related=[])
        shown: list[tuple[Candidate, list[int]]] = []
        for n, cand in enumerate(chosen, start=1):
            same = next((s for s in shown if _says_same(s[0], cand, hits, self.config)), None)
            if same is None:
                shown.append((cand, [n]))
            else:
                same[1].append(n)
        text = " ".join(
            f"{as_quoted(c.text)} " + "".join(f"[{n}]" for n in numbers) for c, numbers in shown
        )
        return Answer(question, text, citations, hits=hits, related=[])


@dataclass(frozen=True)
class _QuestionTerms:
    words: set[str]
    last_clause: set[str]
    kind: str

    @classmethod
    def of(cls, question: str) -> _QuestionTerms:
        last = _CLAUSE_END.split(question.strip())[-1]
        return cls(_content_words(question), _content_words(last), _question_kind(question))

    def features(
        self, text: str, start: int, rank: int, recency: float, passages: _Passages
    ) -> list[float]:
        """FEATURES after ``similarity`` for one sentence at ``start`` in its article."""
        words = _content_words(text)
        names = [n for n in _NAME.findall(text)[1:] if _stem(n.lower()) not in self.words]
        new_names = len(names)
        return [
            len(self.words & words) / len(self.words) if self.words else 0.0,
            len(self.last_clause & words) / len(self.last_clause) if self.last_clause else 0.0,
            _has_kind(self.kind, text, self.words),
            min(new_names, 5) / 5,
            1 / (1 + start / 500),
            1 / (1 + rank),
            recency,
            passages.redundancy({*names, *(n for n in _numbers(text) if n not in self.words)}),
        ]


class _Passages:
    """The passages read for one question, and which share of them holds a word — memoised,
    since a story's names and numbers recur in many of its ~80 candidate sentences."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = [t.lower() for t in texts]
        self._shares: dict[str, float] = {}

    def share(self, token: str) -> float:
        key = token.lower()
        if key not in self._shares:
            held = sum(_holds_word(p, key) for p in self.texts)
            self._shares[key] = held / len(self.texts)
        return self._shares[key]

    def redundancy(self, tokens: set[str]) -> float:
        """Mean, over ``tokens``, of the share of the passages holding the token as a word."""
        if not tokens or not self.texts:
            return 0.0
        return sum(self.share(t) for t in tokens) / len(tokens)


def _holds_word(text: str, word: str) -> bool:
    """``word`` occurs in ``text`` with no word character (``\\w``) glued on either side — the
    regex ``(?<!\\w)word(?!\\w)`` without compiling one pattern per word."""
    at = text.find(word)
    while at != -1:
        end = at + len(word)
        glued_before = at > 0 and _word_char(text[at - 1])
        glued_after = end < len(text) and _word_char(text[end])
        if not glued_before and not glued_after:
            return True
        at = text.find(word, at + 1)
    return False


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _says_same(a: Candidate, b: Candidate, hits: list[SearchHit], cfg: ExtractiveConfig) -> bool:
    """Two articles' sentences that say the same thing, with the same numbers."""
    if hits[a.hit].article.id == hits[b.hit].article.id:
        return False
    same_numbers = _numbers(a.text) == _numbers(b.text)
    return same_numbers and float(a.vector @ b.vector) >= cfg.agree_similarity


def _ordering(config: ExtractiveConfig, reader: Reader | None) -> tuple[np.ndarray, float]:
    """The weights that order sentences, and the reader logit's: the config's alone without a
    reader; with one, the weights it ships with (``combiner.json``: every feature and
    "reader"), or the config's plus the logit at weight 1 when it ships none."""
    combiner = reader.combiner if reader is not None else None
    if combiner is None:
        return config.weights(), 1.0
    missing = [name for name in (*FEATURES, "reader") if name not in combiner]
    if missing:
        raise ValueError(f"the reader's combiner lacks weights for {missing}")
    return np.array([combiner[name] for name in FEATURES]), combiner["reader"]


def _recency(hit: SearchHit) -> float:
    """The passage's as-of recency prior from retrieval (0 without an as-of date)."""
    return float(hit.scores.get("time", 0.0))


def _content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def _gist(text: str) -> set[str]:
    """Content words cut to four letters: a coarse stem for "does it say more?" checks
    ("Italy" and "Italian", "launch" and "launched" are one word here)."""
    return {w[:4] for w in _content_words(text)}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _disagree(a: Candidate, b: Candidate) -> bool:
    """The two sentences count the same thing with different numbers ("188 drones" / "200
    drones"); a date or a count of something else is no disagreement."""
    first, second = _counts(a.text), _counts(b.text)
    return any(first[noun].isdisjoint(second[noun]) for noun in first.keys() & second.keys())


_COUNT = re.compile(r"(?<![\w.,])(\d[\d,.]*\d|\d)\s+(?:more\s+|new\s+|of\s+)?([a-z][a-z-]{2,})")


def _counts(text: str) -> dict[str, set[str]]:
    """Counted nouns and their numbers: "188 drones" → {"drone": {"188"}}."""
    out: dict[str, set[str]] = {}
    for number, noun in _COUNT.findall(text):
        if noun not in STOPWORDS:
            out.setdefault(_stem(noun), set()).add(number.replace(",", ""))
    return out


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
    if kind == "name":  # "who …": a full name the question lacks ("Mario Draghi")
        return 1.0 if _new_full_name(text, q_words) else 0.0
    if kind == "entity":  # "which show…", "what year…": a name or number the question lacks
        new_number = any(n not in q_words for n in _numbers(text))
        return 1.0 if _new_names(text, q_words) or new_number else 0.0
    return 0.0


def _new_names(text: str, q_words: set[str]) -> bool:
    return any(_stem(n.lower()) not in q_words for n in _NAME.findall(text)[1:])


_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+")


def _new_full_name(text: str, q_words: set[str]) -> bool:
    """Two or more capitalised words in a row (a leading "The" or "In" aside), one of them not
    in the question: how a person or an organisation is named in news copy."""
    for run in _CAPITALISED_RUN.findall(text):
        words = [w for w in run.split() if w.lower() not in STOPWORDS]
        if len(words) >= 2 and any(_stem(w.lower()) not in q_words for w in words):
            return True
    return False


def _asks(sentence: str) -> bool:
    """A question in the article (a quiz, a headline) restates the question; it never answers."""
    return sentence.rstrip("\"'”’)] ").endswith("?")


def _outlet(hit: SearchHit) -> str:
    source = hit.article.source or f"“{hit.article.title}”"
    return {"cnn.com": "CNN", "usatoday.com": "USA Today", "theweek.co.uk": "The Week"}.get(
        source, source
    )
