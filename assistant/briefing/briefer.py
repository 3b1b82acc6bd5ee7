"""Build a briefing: the period's stories (``catalog.activity``), ranked (``ranking``), the
first ``limit`` with their key sentences (``key_sentences``). A story the previous period's
briefing showed is marked continuing and quotes only what that briefing did not say. Nothing
published after the period's end is read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from assistant.briefing.key_sentences import key_sentences, repeats
from assistant.briefing.periods import Period, period_of
from assistant.briefing.ranking import RankWeights, importance, ranked
from assistant.briefing.records import Briefing, BriefItem
from assistant.requests import BriefRequest, SearchMode
from assistant.retrieval.retriever import Retriever
from index.catalog.activity import StoryActivity
from index.encoding.cosine_scale import on_reference_scale
from index.filters import SearchFilters
from index.records import StoryMember
from index.store import NewsIndex
from index.text.outlet_names import display_name

REPEAT = 0.4  # word overlap of two key sentences at which two stories tell one event
TOPIC_PASSAGES = 30  # passages retrieved to find the stories a topic is about
TOPIC_COSINE = 0.40  # ... that count when this near in meaning (MiniLM's scale, any encoder)
TOPIC_COSINE_WITH_WORDS = 0.25  # ... or this near and matched by keyword search too


class Briefer:
    def __init__(
        self, index: NewsIndex, retriever: Retriever, weights: RankWeights | None = None
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.weights = weights or RankWeights()
        self.repeat = REPEAT

    def brief(self, request: BriefRequest) -> Briefing:
        today = datetime.now(UTC).date().isoformat()
        latest = self.index.catalog.activity.latest_day(today) or today
        period = period_of(request.day, request.since, request.until, latest)
        topic = (request.topic or "").strip() or None
        allowed = self._about(topic, period) if topic else None
        current = self.ranked(period, allowed)
        before = {a.story_id for a in self.ranked(period.previous(), allowed)[: request.limit]}
        items: list[BriefItem] = []
        for activity in current:
            if len(items) == request.limit:
                break
            quoted = sum(len(i.key_sentences) for i in items)
            item = self._item(activity, period, activity.story_id in before, quoted)
            if item is not None and not self._told(item, items):
                items.append(item)
        return Briefing(period, period.previous(), topic, tuple(items), len(current))

    def _told(self, item: BriefItem, items: list[BriefItem]) -> bool:
        """A story whose key sentence says what a story above already said (a fragment of
        one event that grouping kept apart) is left out."""
        shown = [c.quote for i in items for c in i.key_sentences]
        return repeats([c.quote for c in item.key_sentences], shown, self.repeat)

    def ranked(self, period: Period, allowed: set[str] | None = None) -> list[StoryActivity]:
        """The period's stories, most important first (only ``allowed`` ones, when given)."""
        back = period.previous().since
        found = self.index.catalog.activity.between(period.since, period.until, back)
        if allowed is not None:
            found = [a for a in found if a.story_id in allowed]
        return ranked(found, self.weights)

    def _about(self, topic: str, period: Period) -> set[str]:
        """The stories of the passages the topic finds in the period, near enough in meaning
        (a word in common is not enough: "phone" in a bridge story)."""
        filters = SearchFilters(since=period.since, until=period.until)
        found = self.retriever.search(topic, TOPIC_PASSAGES, SearchMode.HYBRID, filters)
        model = self.index.model_name
        hits = []
        for hit in found:
            near = float(on_reference_scale(model, hit.scores.get("dense", -1.0)))
            floor = TOPIC_COSINE_WITH_WORDS if "keyword" in hit.scores else TOPIC_COSINE
            if near >= floor:
                hits.append(hit)
        story_of = self.index.catalog.stories.story_ids_of([h.article.id for h in hits])
        return set(story_of.values())

    def _item(
        self, activity: StoryActivity, period: Period, continuing: bool, quoted: int
    ) -> BriefItem | None:
        """The story as a briefing shows it; None when it has nothing to quote (or, continuing,
        nothing the previous briefing did not say)."""
        story = self.index.catalog.stories.story(activity.story_id, period.until)
        if story is None:
            return None
        now = _within(story.members, period)
        said_before = []
        if continuing:
            earlier = _within(story.members, period.previous())
            said_before = [lead.citation.quote for lead in key_sentences(earlier)]
        leads = key_sentences(now, said_before)
        if not leads:
            return None
        # keys handed out: the version retention (NEWSRAG_KEEP_VERSIONS) keeps their versions
        self.index.note_cited((lead.member.meta.id, lead.member.meta.version) for lead in leads)
        # numbered on from the stories above: [1] [2] for the first, [3] for the next...
        citations = tuple(replace(lead.citation, n=quoted + n) for n, lead in enumerate(leads, 1))
        outlets = dict.fromkeys(name for m in now if (name := display_name(m.meta.source)))
        return BriefItem(
            story_id=story.id,
            title=leads[0].member.meta.title or story.title,
            first_day=story.first_day,
            last_day=story.last_day,
            articles=activity.in_period,
            outlets=tuple(outlets),
            continuing=continuing,
            earlier_articles=activity.before,
            importance=importance(activity, self.weights),
            key_sentences=citations,
        )


def _within(members: tuple[StoryMember, ...], period: Period) -> list[StoryMember]:
    """The members published in the period (undated ones count on the day they were placed:
    they are in it only when no dated member is)."""
    dated = [m for m in members if m.day is not None and period.since <= m.day <= period.until]
    return dated or [m for m in members if m.day is None]
