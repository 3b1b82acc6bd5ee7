"""Matching watchlists against the articles written since each one's cursor (issue #33).

A query watchlist runs the hybrid search (dense + keyword, as ``newsrag search``) restricted to
the new articles, in batches whose passages all fit in the retriever's candidate pool (so no new
article is cut off by it), and keeps each article's best hit unless it is weak — search's
"nothing matches well" (``assistant.retrieval.match_strength``). The item quotes the hit's
sentence closest to the query in meaning, with the hit's citation key. A story watchlist keeps
the new articles grouped into its story, each with its key sentence (as the Timeline quotes it).

The run reads the head (the highest chunk id) first and writes each watchlist's items with its
cursor moved to that head in one transaction (``Library.record_watch_items``): whatever kills
it, the next run matches exactly what is left.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.language.sentence_features import content_words
from assistant.records import Citation, cite
from assistant.requests import SearchMode
from assistant.retrieval.match_strength import weak_hit
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.stories import key_citation
from index.filters import SearchFilters
from index.library import Library
from index.records import SearchHit, WatchItem, Watchlist
from index.store import NewsIndex
from index.text.sentences import sentence_spans

MIN_QUOTE_CHARS = 20  # a shorter sentence (a dateline, a label) is quoted only when alone


@dataclass
class MatchReport:
    """What one run did: new items per watchlist id, and the articles it read."""

    new_items: dict[int, list[int]] = field(default_factory=dict)
    articles: int = 0

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.new_items.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "new_items": {str(k): len(v) for k, v in self.new_items.items()},
            "articles": self.articles,
        }


class WatchMatcher:
    def __init__(self, index: NewsIndex, retriever: Retriever, library: Library) -> None:
        self.index = index
        self.retriever = retriever
        self.library = library

    def behind(self) -> bool:
        """Some watchlist has articles past its cursor (a cheap check)."""
        head = self.index.catalog.watchlists.head()
        return any(w.matched_through < head for w in self.library.watchlists())

    def run(self) -> MatchReport:
        """Match every watchlist against the articles past its cursor; write the items."""
        rows = self.index.catalog.watchlists
        head = rows.head()
        report = MatchReport()
        new_since: dict[int, list[tuple[str, int]]] = {}
        for watchlist in self.library.watchlists():
            after = watchlist.matched_through
            if after >= head:
                continue
            if after not in new_since:
                new_since[after] = rows.new_articles(after, head)
            articles = new_since[after]
            report.articles = max(report.articles, len(articles))
            items = self.items_for(watchlist, articles) if articles else []
            written = self.library.record_watch_items(watchlist.id, after, head, items)
            if written:
                report.new_items[watchlist.id] = written
        return report

    def items_for(
        self, watchlist: Watchlist, articles: Sequence[tuple[str, int]]
    ) -> list[WatchItem]:
        """The items ``watchlist`` would get from ``articles`` ((id, passages) each)."""
        if watchlist.story_id:
            return self._story_items(watchlist, [a for a, _ in articles])
        return self._query_items(watchlist, articles)

    def _query_items(
        self, watchlist: Watchlist, articles: Sequence[tuple[str, int]]
    ) -> list[WatchItem]:
        query = watchlist.query or ""
        vector = self.index.embedder.encode_query(query)
        items = []
        for batch in _batches(articles, self.retriever.settings.pool):
            filters = SearchFilters(articles=tuple(sorted(batch)))
            hits = self.retriever.search(query, 2 * len(batch), SearchMode.HYBRID, filters)
            best: dict[str, SearchHit] = {}
            for hit in hits:
                if hit.article.id in batch and not weak_hit(hit, self.index.model_name):
                    best.setdefault(hit.article.id, hit)
            words = content_words(query)
            items += [self._hit_item(watchlist.id, h, vector, words) for h in best.values()]
        return items

    def _hit_item(
        self, watchlist_id: int, hit: SearchHit, query: np.ndarray, words: set[str]
    ) -> WatchItem:
        start, end = self._closest_sentence(hit, query, words)
        text = self.index.catalog.articles.article_text(hit.article.id) or ""
        citation = cite(1, hit, start, end, text)
        return _item(watchlist_id, citation, hit.article.version, hit.score)

    def _closest_sentence(
        self, hit: SearchHit, query: np.ndarray, words: set[str]
    ) -> tuple[int, int]:
        """The span, in the article, of the hit's sentence nearest the query: the one holding
        most of its words, and among several (or none) the nearest in meaning — embedding only
        those (a passage's every sentence, for every item, was most of a run's cost)."""
        spans = sentence_spans(hit.text) or [(0, len(hit.text))]
        long = [s for s in spans if s[1] - s[0] >= MIN_QUOTE_CHARS] or spans
        held = [len(words & content_words(hit.text[s:e])) for s, e in long]
        long = [span for span, n in zip(long, held, strict=True) if n == max(held)]
        if len(long) > 1:
            vectors = self.index.embedder.encode_sentences([hit.text[s:e] for s, e in long])
            long = [long[int(np.argmax(vectors @ query))]]
        s, e = long[0]
        return hit.start + s, hit.start + e

    def _story_items(self, watchlist: Watchlist, article_ids: Sequence[str]) -> list[WatchItem]:
        stories = self.index.catalog.stories
        story_of = stories.story_ids_of(list(article_ids))
        joined = {a for a in article_ids if story_of.get(a) == watchlist.story_id}
        story = stories.story(watchlist.story_id or "") if joined else None
        if story is None:
            return []
        items = []
        for member in story.members:
            citation = key_citation(1, member) if member.meta.id in joined else None
            if citation is not None:
                items.append(_item(watchlist.id, citation, member.meta.version, None))
        return items


def _item(watchlist_id: int, c: Citation, version: int, score: float | None) -> WatchItem:
    return WatchItem(
        watchlist_id=watchlist_id,
        article_id=c.article_id,
        version=version,
        citation=c.citation,
        title=c.title,
        source=c.source,
        published_at=c.published_at,
        url=c.url,
        start=c.start,
        end=c.end,
        quote=c.quote,
        quote_start=c.quote_start,
        quote_end=c.quote_end,
        score=score,
    )


def _batches(articles: Sequence[tuple[str, int]], pool: int) -> Iterator[list[str]]:
    """Article ids in runs whose passages fit in ``pool`` (an article larger alone)."""
    batch: list[str] = []
    size = 0
    for article_id, passages in articles:
        if batch and size + passages > pool:
            yield batch
            batch, size = [], 0
        batch.append(article_id)
        size += passages
    if batch:
        yield batch
