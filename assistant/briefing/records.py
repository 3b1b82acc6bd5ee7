"""What a briefing holds: its period (and the one it is compared with) and its stories, each
with its key sentences cited like an answer's quotes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.briefing.periods import Period
from assistant.records import Citation


@dataclass(frozen=True)
class BriefItem:
    story_id: str
    title: str  # of the article its first key sentence is from
    first_day: str | None  # the story's first and latest days (up to the period's end)
    last_day: str | None
    articles: int  # its articles in the period
    outlets: tuple[str, ...]  # who published them (display names)
    continuing: bool  # the previous period's briefing showed it: only what is new is quoted
    earlier_articles: int  # its articles in the period before
    importance: float
    key_sentences: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "title": self.title,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "articles": self.articles,
            "earlier_articles": self.earlier_articles,
            "outlets": list(self.outlets),
            "continuing": self.continuing,
            "importance": round(self.importance, 4),
            "key_sentences": [c.to_dict() for c in self.key_sentences],
        }


@dataclass(frozen=True)
class Briefing:
    period: Period
    previous: Period
    topic: str | None
    items: tuple[BriefItem, ...]
    stories_in_period: int  # before the limit (and the topic)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.period.since,
            "until": self.period.until,
            "previous": {"since": self.previous.since, "until": self.previous.until},
            "topic": self.topic,
            "stories_in_period": self.stories_in_period,
            "stories": [item.to_dict() for item in self.items],
        }
