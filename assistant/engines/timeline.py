"""Answers to "how did X develop?": a dated list of cited sentences about the question's topic,
oldest first.

A question about change over time ("how did …", "what changed since …", "timeline of …") is
answered from the articles of its retrieved passages: from each article its best-ranked passage
is read and the sentence closest to the question's topic ("the war in Ukraine") kept when it
passes the relevance gate (``assistant.engines.timeline_relevance``: the article names the topic,
the sentence is close to it); a sentence that is a caption, a credit, an editor's note or a
promotion (``index.text.sentence_roles``) is never one. The closest ``MAX_ENTRIES`` are listed, each
with the day it was published, its outlet (the wire service for a syndicated copy), whose claim
it reports and what its relative dates mean; none passing is an abstention. ``as_of`` bounds it
as every search: the retrieval has already left out what was published after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.engines.timeline_relevance import SENTENCE_FLOOR, development_topic, names_topic
from assistant.language.attribution import CUES
from assistant.language.quote_notes import claim_of, note_citation, short_day
from assistant.language.sentence_features import asks
from assistant.records import Answer, TokenSink, as_quoted, cite
from index import SearchHit
from index.encoding.cosine_scale import on_reference_scale
from index.store import NewsIndex
from index.stories.signals import dateline_end
from index.text.sentence_roles import is_news
from index.text.sentences import sentence_spans

DEVELOPMENT = re.compile(
    # not "how many/much …" (a count) nor "how do/does …" (how something works)
    r"\b(?:how\s+(?:did|has|have|had)\s+.+?\s+(?:develop|evolve|unfold|change|progress|"
    r"escalate|grow|play\s+out)|how\s+(?!many\b|much\b)\S.*?\s+(?:developed|evolved|unfolded|changed|"
    r"played\s+out)|what\s+(?:has\s+|have\s+)?changed\s+(?:since|after|between|in)|"
    r"(?:timeline|chronology|sequence\s+of\s+events)\s+(?:of|for|in)|"
    r"what\s+happened\s+(?:with|to|in|at)\s+.+?\s+(?:since|over|between|after))",
    re.IGNORECASE,
)
READ_PASSAGES = 40  # passages retrieved for a development question
MAX_ARTICLES = 24  # articles read (each at its best-ranked passage)
MAX_ENTRIES = 10  # dated sentences in the answer
BATCH = 12  # articles whose sentences are scored at once (most answers need one batch)
MIN_WORDS = 6
# "Full coverage: …", "Photos: …", "USA TODAY ON TELEGRAM: …": a label before the sentence, not
# news (but "Zelensky said: …" is a claim); "the monarchy:Why …": a headline link run into it
_LABELLED = re.compile(r"^\W*(?:[\w’'-]+\s+){0,2}[\w’'-]+:\s|^\W*[A-Z0-9 ]{3,40}:\s")
_BULLETS = "-–—•►▪* \t"
# "Here's what to know about …:", "We're taking a look at …": a signpost to what follows
_SIGNPOST = re.compile(
    r"^\W*(?:here['’]s|here\s+(?:is|are)|we['’]re\s+taking\s+a\s+look|let['’]s\s+take\s+a\s+look)"
    r"\b|:\W*$",
    re.IGNORECASE,
)
# "the monarchy:Why …", "'IT'S SHAMEFUL':Flooding …", "resigns:45 photos …" (not "3:30")
_LINKED_HEADLINE = re.compile(r"(?<![\d:])[A-Za-z?!'’\"”]:[A-Z0-9]")


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


class TimelineEngine:
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
        topic = development_topic(question)
        chosen = self._articles(hits, topic, article_text)
        entries: list[_Entry] = []
        near = self.index.embedder.encode_query(topic)  # once, for every batch
        for at in range(0, len(chosen), BATCH):  # best-ranked first, until the list is full
            entries = _closest(entries + self._entries(near, hits, chosen[at : at + BATCH]))
            if len(entries) >= MAX_ENTRIES:
                break
        if not entries:
            reason = f"no retrieved sentence is about {topic}"
            return Answer.abstain(question, reason, hits, engine=self.name)
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
            quote = as_quoted(entry.text)  # verbatim: its notes are shown beside it
            lines.append(f"- {day}, {outlet}{claim}: {_in_quotes(quote)} [{n}]")
            citations.append(citation)
        answer = Answer(question, "\n".join(lines), citations, hits=hits, engine=self.name)
        return answer

    def _articles(
        self, hits: list[SearchHit], topic: str, article_text: dict[str, str]
    ) -> list[int]:
        """Indexes of the hits to read: the best-ranked hit of each article that names the
        topic, ``MAX_ARTICLES`` at most; undated articles only when no article has a date."""
        first: dict[str, int] = {}
        dated = any(_day(h) for h in hits)  # a timeline places what has a date
        for i, hit in enumerate(hits):
            if _day(hit) or not dated:
                first.setdefault(hit.article.id, i)
        named = [
            i
            for a, i in first.items()
            if names_topic(topic, hits[i].article.title or "", article_text.get(a, hits[i].text))
        ]
        return named[:MAX_ARTICLES]

    def _entries(self, topic: np.ndarray, hits: list[SearchHit], chosen: list[int]) -> list[_Entry]:
        """Per article, its news sentence closest to the topic (its query vector), when close
        enough."""
        found = [
            _Entry(i, hits[i].start + s, hits[i].start + e, hits[i].text[s:e], 0.0)
            for i in chosen
            for s, e in _sentences(hits[i].text)
            if worth_a_line(hits[i].text[s:e])
        ]
        if not found:
            return []
        vectors = self.index.embedder.encode_sentences([f.text for f in found])
        scores = on_reference_scale(self.index.embedder.name, vectors @ topic)
        best: dict[int, _Entry] = {}
        for entry, score in zip(found, scores, strict=True):
            if score >= SENTENCE_FLOOR and (
                entry.hit not in best or score > best[entry.hit].similarity
            ):
                best[entry.hit] = _Entry(
                    entry.hit, entry.start, entry.end, entry.text, float(score)
                )
        return list(best.values())


def _closest(entries: list[_Entry]) -> list[_Entry]:
    """The entries of the ``MAX_ENTRIES`` best-ranked articles (the retrieval's order: with
    ``as_of``, the story as it stood then), a sentence repeated by another article (a copy, a
    live page's recap) once."""
    seen: set[str] = set()
    kept = []
    for entry in sorted(entries, key=lambda e: e.hit):
        folded = " ".join(entry.text.lower().split())
        if folded not in seen:
            seen.add(folded)
            kept.append(entry)
    return kept[:MAX_ENTRIES]


def _in_quotes(quote: str) -> str:
    """“quote”, unless the sentence is all one quotation already."""
    inner = quote[1:-1]
    whole = quote[:1] in '“"' and quote[-1:] in '”"' and not any(q in inner for q in '“”"')
    return quote if whole else f"“{quote}”"


def worth_a_line(sentence: str) -> bool:
    """A sentence worth a line: news (not a caption, credit, editor's note or promotion), long
    enough, not a question, not behind a label nor a signpost to what follows."""
    label = _LABELLED.match(sentence)
    labelled = label is not None and label.group().split()[-1][:-1].lower() not in CUES
    labelled = labelled or _LINKED_HEADLINE.search(sentence) is not None
    labelled = labelled or _SIGNPOST.search(sentence) is not None
    long_enough = len(sentence.split()) >= MIN_WORDS
    return long_enough and not asks(sentence) and not labelled and is_news(sentence)


def _sentences(text: str) -> list[tuple[int, int]]:
    """A passage's sentences, each quoted from after its wire dateline ("(AP) — ") and any
    bullet or dashes before it ("--The death of …"); a line break always ends one ("… state.
    \n\n► In Naples, …" is two)."""
    spans = [(s + dateline_end(text[s:e]), e) for s, e in _lines(text, sentence_spans(text))]
    return [(s + len(text[s:e]) - len(text[s:e].lstrip(_BULLETS)), e) for s, e in spans]


def _lines(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` cut at every line break inside them, each piece trimmed."""
    return [
        (start + line.start(), start + line.end())
        for start, end in spans
        for line in re.finditer(r"\S(?:[^\n]*\S)?", text[start:end])
    ]


def _day(hit: SearchHit) -> str:
    return (hit.article.published_at or "")[:10]
