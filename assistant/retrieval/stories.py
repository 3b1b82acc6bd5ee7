"""Stories for people: which stories a query is about, and a story's timeline — its articles
oldest first, each with its day, its outlet and its key sentence quoted with a citation key that
``/cite`` and ``GET /api/citations/{key}`` resolve like any answer's. Stories themselves are
grouped at ingest (``index.stories.grouping``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.language.quote_notes import note_citation
from assistant.records import Citation, cite_span, one_per_article
from assistant.requests import DEFAULT_STORIES_K, SearchMode, StoryRequest
from assistant.retrieval.retriever import Retriever
from index.filters import SearchFilters
from index.records import SearchHit, Story, StoryMember
from index.store import NewsIndex
from index.stories.signals import key_sentence
from index.text.outlet_names import display_name
from index.text.sentence_roles import is_news

STORY_PASSAGES = 40  # passages retrieved to find the stories a query is about


@dataclass(frozen=True)
class TimelineEntry:
    """One article of a story: its day and its key sentence, noted like an answer's quote."""

    day: str | None  # None: undated
    member: StoryMember
    citation: Citation | None  # None: the article has no sentence long enough to quote

    def to_dict(self) -> dict[str, Any]:
        meta, c = self.member.meta, self.citation
        return {
            "day": self.day,
            "article_id": meta.id,
            "title": meta.title,
            "source": meta.source,
            "outlet": c.outlet if c else display_name(meta.source) or None,
            "published_at": meta.published_at,
            "url": meta.url,
            "copies": list(meta.copies),
            "key_sentence": c.to_dict() if c else None,
            "linked_to": self.member.linked_to,
        }


@dataclass(frozen=True)
class Timeline:
    story: Story
    entries: tuple[TimelineEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.story.to_dict(), "entries": [e.to_dict() for e in self.entries]}


@dataclass(frozen=True)
class StoryMatch:
    """A story a query is about: the rank of its best passage and the articles that matched."""

    story: Story
    rank: int
    matched: tuple[SearchHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.story.to_dict(),
            "rank": self.rank,
            "matched": [
                {"article_id": h.article.id, "title": h.article.title, "citation": h.citation}
                for h in self.matched
            ],
        }


class Stories:
    def __init__(self, index: NewsIndex, retriever: Retriever) -> None:
        self.index = index
        self.retriever = retriever

    def for_request(self, request: StoryRequest) -> list[StoryMatch] | list[Story]:
        """What ``request`` asks for: the stories its query is about (``find``), or without a
        query the latest (``recent``)."""
        query = (request.query or "").strip()
        if query:
            return self.find(query, request.filters, request.k)
        return self.recent(request.filters.as_of, request.k)

    def find(
        self, query: str, filters: SearchFilters, k: int = DEFAULT_STORIES_K
    ) -> list[StoryMatch]:
        """The stories the query's passages come from, best first."""
        hits = self.retriever.search(query, STORY_PASSAGES, SearchMode.HYBRID, filters)
        story_of = self.index.catalog.stories.story_ids_of([h.article.id for h in hits])
        ranked: dict[str, list[SearchHit]] = {}
        for hit in hits:
            story_id = story_of.get(hit.article.id)
            if story_id is not None:
                ranked.setdefault(story_id, []).append(hit)
        stories = self.index.catalog.stories.summaries(list(ranked)[:k], filters.as_of)
        return [
            StoryMatch(s, ranked[s.id][0].rank, tuple(one_per_article(ranked[s.id])))
            for s in stories
        ]

    def recent(self, until: str | None = None, k: int = DEFAULT_STORIES_K) -> list[Story]:
        """The stories with the latest articles (up to ``until``), newest first."""
        stories = self.index.catalog.stories
        return stories.summaries(stories.recent_story_ids(k, until), until)

    def timeline(self, story_id: str, until: str | None = None) -> Timeline | None:
        """The story's articles oldest first, as it stood on ``until`` (its header too: days,
        size, outlets and title count only what was published by then)."""
        story = self.index.catalog.stories.story(story_id, until)
        if story is None:  # no such story, or none of its articles published by ``until``
            return None
        entries = tuple(
            TimelineEntry(m.day, m, key_citation(n, m))
            for n, m in enumerate(story.members, start=1)
        )
        # keys handed out: the version retention (NEWSRAG_KEEP_VERSIONS) keeps their versions
        self.index.note_cited(
            (e.member.meta.id, e.member.meta.version) for e in entries if e.citation
        )
        return Timeline(story, entries)


def key_citation(n: int, member: StoryMember) -> Citation | None:
    """Citation ``n`` quoting the member's key sentence (``_key``), noted like an answer's."""
    key = _key(member)
    if key is None:
        return None
    start, end = key
    meta, text = member.meta, member.text
    plain = cite_span(n, meta, (start, end, text[start:end]), start, end, text)
    return note_citation(plain, text, meta)


def _key(member: StoryMember) -> tuple[int, int] | None:
    """The member's key sentence: the one stored at ingest, unless it is a caption, a credit,
    an editor's note or a promotion (stored before ingest knew them): then the article's first
    news sentence."""
    if member.key is None or is_news(member.text[member.key[0] : member.key[1]]):
        return member.key
    return key_sentence(member.text, member.meta.title or "")
