"""Answers to "how did X develop?": a dated list of cited sentences from a story's articles,
oldest first.

A question about change over time ("how did …", "what changed since …", "timeline of …") is
answered from the story that the retrieved passages point to most (each article's best rank
counts 1/rank for its story); when that story holds a single retrieved article (a topic that
runs longer than a story, as inflation over a year), the other retrieved articles join it.
From each article its best-ranked passage is read and the sentence
closest to the question quoted, with the day it was published, its outlet (the wire service
for a syndicated copy), whose claim it reports and what its relative dates mean. ``as_of``
bounds it as every search: the retrieval has already left out what was published after it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from assistant.attribution import CUES
from assistant.quote_notes import annotated_quote, claim_of, note_citation, short_day
from assistant.records import ABSTAIN_TEXT, Answer, TokenSink, as_quoted, cite
from assistant.sentence_features import asks
from index import SearchHit
from index.sentences import sentence_spans
from index.store import NewsIndex
from index.story_signals import dateline_end

DEVELOPMENT = re.compile(
    # not "how many/much …" (a count) nor "how do/does …" (how something works)
    r"\b(?:how\s+(?:did|has|have|had)\s+.+?\s+(?:develop|evolve|unfold|change|progress|"
    r"escalate|grow|play\s+out)|how\s+(?!many\b|much\b)\S.*?\s+(?:developed|evolved|unfolded|changed|"
    r"played\s+out)|what\s+(?:has\s+|have\s+)?changed\s+(?:since|after|between|in)|"
    r"(?:timeline|chronology|sequence\s+of\s+events)\s+(?:of|for|in)|"
    r"what\s+happened\s+(?:with|to|in|at)\s+.+?\s+(?:since|over|between|after))",
    re.IGNORECASE,
)
READ_PASSAGES = 24  # passages retrieved for a development question
MAX_ENTRIES = 8  # dated sentences in the answer
MIN_WORDS = 6
# "Full coverage: …", "Photos: …", "USA TODAY ON TELEGRAM: …": a label before the sentence, not
# news (but "Zelensky said: …" is a claim); "the monarchy:Why …": a headline link run into it
_LABELLED = re.compile(r"^\W*(?:[\w’'-]+\s+){0,2}[\w’'-]+:\s|^\W*[A-Z0-9 ]{3,40}:\s")
_BULLETS = "-–—•►▪* \t"
_LINKED_HEADLINE = re.compile(r"[a-z?!]:[A-Z]")


def is_development(question: str) -> bool:
    """True for a question about how something changed over time."""
    return DEVELOPMENT.search(question) is not None


@dataclass(frozen=True)
class _Entry:
    hit: int
    start: int
    end: int
    text: str
    similarity: float


class DevelopmentEngine:
    name = "timeline"

    def __init__(self, index: NewsIndex) -> None:
        self.index = index

    def answer(
        self,
        question: str,
        hits: list[SearchHit],
        article_text: dict[str, str],
        on_token: TokenSink | None = None,  # unused: the list is found whole
    ) -> Answer:
        chosen = self._story_hits(hits)
        entries = self._entries(question, hits, chosen)
        if not entries:
            reason = "no retrieved sentence tells how it developed"
            return Answer(question, ABSTAIN_TEXT, abstained=True, hits=hits, reason=reason)
        entries.sort(key=lambda e: (_day(hits[e.hit]), hits[e.hit].article.id))
        lines, citations = ["How it developed, oldest first:"], []
        for n, entry in enumerate(entries, start=1):
            hit = hits[entry.hit]
            text = article_text[hit.article.id]
            citation = note_citation(cite(n, hit, entry.start, entry.end, text), text, hit.article)
            # outlet and speaker come from article text too: never a marker
            claim = as_quoted(f" ({claim_of(citation.claim_by)})") if citation.claim_by else ""
            outlet = as_quoted(citation.outlet or "")
            day = short_day(_day(hit)) or "undated"
            quote = annotated_quote(as_quoted(entry.text), citation.dates, citation.claim_by)
            lines.append(f"- {day}, {outlet}{claim}: {_in_quotes(quote)} [{n}]")
            citations.append(citation)
        answer = Answer(question, "\n".join(lines), citations, hits=hits, engine=self.name)
        return answer

    def _story_hits(self, hits: list[SearchHit]) -> list[int]:
        """Indexes of the hits to read: the best-ranked hit of each article of the story the
        hits point to most (all articles' when it holds only one of them); undated articles only
        when no article has a date."""
        first: dict[str, int] = {}
        dated = any(_day(h) for h in hits)  # a timeline places what has a date
        for i, hit in enumerate(hits):
            if _day(hit) or not dated:
                first.setdefault(hit.article.id, i)
        stories = self.index.catalog.story_ids_of(list(first))
        weight: dict[str, float] = defaultdict(float)
        for article_id, i in first.items():
            weight[stories.get(article_id, article_id)] += 1.0 / (i + 1)
        best = max(weight, key=lambda s: weight[s])
        members = [i for a, i in first.items() if stories.get(a, a) == best]
        return members if len(members) > 1 else list(first.values())

    def _entries(self, question: str, hits: list[SearchHit], chosen: list[int]) -> list[_Entry]:
        """Per article, its sentence closest to the question; the best ``MAX_ENTRIES``."""
        found = [
            _Entry(i, hits[i].start + s, hits[i].start + e, hits[i].text[s:e], 0.0)
            for i in chosen[:MAX_ENTRIES]
            for s, e in _sentences(hits[i].text)
            if worth_a_line(hits[i].text[s:e])
        ]
        if not found:
            return []
        embedder = self.index.embedder
        vectors = embedder.encode_sentences([f.text for f in found])
        scores = vectors @ embedder.encode_query(question)
        best: dict[int, _Entry] = {}
        for entry, score in zip(found, scores, strict=True):
            if entry.hit not in best or score > best[entry.hit].similarity:
                best[entry.hit] = _Entry(
                    entry.hit, entry.start, entry.end, entry.text, float(score)
                )
        return list(best.values())


def _in_quotes(quote: str) -> str:
    """“quote”, unless the sentence is all one quotation already."""
    inner = quote[1:-1]
    whole = quote[:1] in '“"' and quote[-1:] in '”"' and not any(q in inner for q in '“”"')
    return quote if whole else f"“{quote}”"


def worth_a_line(sentence: str) -> bool:
    """A sentence worth a line: long enough, not a question, not behind a label."""
    label = _LABELLED.match(sentence)
    labelled = label is not None and label.group().split()[-1][:-1].lower() not in CUES
    labelled = labelled or _LINKED_HEADLINE.search(sentence) is not None
    return len(sentence.split()) >= MIN_WORDS and not asks(sentence) and not labelled


def _sentences(text: str) -> list[tuple[int, int]]:
    """A passage's sentences, each quoted from after its wire dateline ("(AP) — ") and any
    bullet or dashes before it ("--The death of …")."""
    spans = [(s + dateline_end(text[s:e]), e) for s, e in sentence_spans(text)]
    return [(s + len(text[s:e]) - len(text[s:e].lstrip(_BULLETS)), e) for s, e in spans]


def _day(hit: SearchHit) -> str:
    return (hit.article.published_at or "")[:10]
