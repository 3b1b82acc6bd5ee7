"""The features the extractive engine scores a candidate sentence by (``FEATURES``), and the
word tools they share: content words and coarse stems, the kind of thing a question asks for,
names and numbers, and which share of the read passages repeats a word."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index import SearchHit
from index.catalog.keyword import STOPWORDS
from index.text.languages import cjk_bigrams

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
    "kind",  # holds the kind of thing asked for (has_kind)
    "new_names",  # names the question lacks, 5 or more count 1
    "lead",  # 1 / (1 + offset in the article / 500 characters)
    "rank",  # 1 / (1 + the passage's rank, 0-based)
    "recency",  # the passage's as-of recency prior (0 without an as-of date)
    "redundancy",  # mean share of the read passages holding each of its new names and numbers
)
EVIDENCE = FEATURES[:6]  # what abstention judges: the last three only order candidates


@dataclass(frozen=True)
class QuestionTerms:
    words: set[str]
    last_clause: set[str]
    kind: str

    @classmethod
    def of(cls, question: str) -> QuestionTerms:
        last = _CLAUSE_END.split(question.strip())[-1]
        return cls(content_words(question), content_words(last), question_kind(question))

    def features(
        self, text: str, start: int, rank: int, recency: float, passages: Passages
    ) -> list[float]:
        """FEATURES after ``similarity`` for one sentence at ``start`` in its article."""
        words = content_words(text)
        names = [n for n in _NAME.findall(text)[1:] if stem(n.lower()) not in self.words]
        new_names = len(names)
        return [
            len(self.words & words) / len(self.words) if self.words else 0.0,
            len(self.last_clause & words) / len(self.last_clause) if self.last_clause else 0.0,
            has_kind(self.kind, text, self.words),
            min(new_names, 5) / 5,
            1 / (1 + start / 500),
            1 / (1 + rank),
            recency,
            passages.redundancy({*names, *(n for n in numbers(text) if n not in self.words)}),
        ]


class Passages:
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


def recency(hit: SearchHit) -> float:
    """The passage's as-of recency prior from retrieval (0 without an as-of date)."""
    return float(hit.scores.get("time", 0.0))


def content_words(text: str) -> set[str]:
    """Its words less stopwords, coarsely stemmed; runs of an unspaced script (Chinese,
    Japanese, Thai) count as their character pairs, as the keyword index holds them."""
    words = _WORD.findall(cjk_bigrams(text).lower())
    return {stem(w) for w in words if w not in STOPWORDS and len(w) > 1}


def gist(text: str) -> set[str]:
    """Content words cut to four letters: a coarse stem for "does it say more?" checks
    ("Italy" and "Italian", "launch" and "launched" are one word here)."""
    return {w[:4] for w in content_words(text)}


def stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def numbers(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\d[\d,.]*\d|\d", text))


def question_kind(question: str) -> str:
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


def has_kind(kind: str, text: str, q_words: set[str]) -> float:
    if kind == "number":
        return 1.0 if _NUMBER.search(text) else 0.0
    if kind == "date":
        return 1.0 if _DATE.search(text) else 0.0
    if kind == "name":  # "who …": a full name the question lacks ("Mario Draghi")
        return 1.0 if _new_full_name(text, q_words) else 0.0
    if kind == "entity":  # "which show…", "what year…": a name or number the question lacks
        new_number = any(n not in q_words for n in numbers(text))
        return 1.0 if _new_names(text, q_words) or new_number else 0.0
    return 0.0


def _new_names(text: str, q_words: set[str]) -> bool:
    return any(stem(n.lower()) not in q_words for n in _NAME.findall(text)[1:])


_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+")


def _new_full_name(text: str, q_words: set[str]) -> bool:
    """Two or more capitalised words in a row (a leading "The" or "In" aside), one of them not
    in the question: how a person or an organisation is named in news copy."""
    for run in _CAPITALISED_RUN.findall(text):
        words = [w for w in run.split() if w.lower() not in STOPWORDS]
        if len(words) >= 2 and any(stem(w.lower()) not in q_words for w in words):
            return True
    return False


def asks(sentence: str) -> bool:
    """A question in the article (a quiz, a headline) restates the question; it never answers."""
    return sentence.rstrip("\"'”’)] 」』").endswith(("?", "？"))


def word_count(text: str) -> int:
    """Its words, a run of an unspaced script counting as its character pairs."""
    return len(cjk_bigrams(text).split())


_COUNT = re.compile(r"(?<![\w.,])(\d[\d,.]*\d|\d)\s+(?:more\s+|new\s+|of\s+)?([a-z][a-z-]{2,})")


def counts(text: str) -> dict[str, set[str]]:
    """Counted nouns and their numbers: "188 drones" → {"drone": {"188"}}."""
    out: dict[str, set[str]] = {}
    for number, noun in _COUNT.findall(text):
        if noun not in STOPWORDS:
            out.setdefault(stem(noun), set()).add(number.replace(",", ""))
    return out


def counts_differ(a: str, b: str) -> bool:
    """The two sentences count the same thing with different numbers ("188 drones" / "200
    drones"); a date or a count of something else is no disagreement."""
    first, second = counts(a), counts(b)
    return any(first[noun].isdisjoint(second[noun]) for noun in first.keys() & second.keys())
