"""How active each story was in a period (``StoryActivityRows``, ``catalog.activity``): what a
briefing ranks stories by. Days are the ones grouping places articles on (publication day, else
ingest day), and nothing after the period's end is read (the as-of rule)."""

from __future__ import annotations

from dataclasses import dataclass

from index.catalog.db import Db

_MEMBERS = "story_articles s JOIN articles a ON a.id = s.article_id"


@dataclass(frozen=True)
class StoryActivity:
    """A story's articles in a period, and in the days before it."""

    story_id: str
    in_period: int  # articles placed in [since, until]
    before: int  # ... in [looked_back, since)
    outlets: int  # distinct sources of the period's articles (an unsourced article: itself)
    first_day: str  # its first day since ``looked_back``, and its last up to ``until``
    last_day: str


class StoryActivityRows:
    def __init__(self, db: Db) -> None:
        self._db = db

    def between(self, since: str, until: str, looked_back: str) -> list[StoryActivity]:
        """Every story with an article placed in [``since``, ``until``] (days, inclusive), with
        its counts there and in [``looked_back``, ``since``)."""
        rows = self._db.conn.execute(
            "SELECT s.story_id, sum(s.day >= :since) AS in_period, "
            "sum(s.day < :since) AS before, "
            "count(DISTINCT CASE WHEN s.day >= :since THEN coalesce(a.source, a.id) END) "
            "AS outlets, min(s.day) AS first_day, max(s.day) AS last_day "
            f"FROM {_MEMBERS} WHERE s.day BETWEEN :back AND :until "
            "GROUP BY s.story_id HAVING in_period > 0",
            {"since": since[:10], "until": until[:10], "back": looked_back[:10]},
        )
        return [
            StoryActivity(r[0], int(r[1]), int(r[2]), int(r[3]), str(r[4]), str(r[5])) for r in rows
        ]

    def latest_day(self, until: str | None = None) -> str | None:
        """The last day an article is placed on (up to ``until``); None for an empty index."""
        row = self._db.conn.execute(
            "SELECT max(day) FROM story_articles WHERE day <= ?", ((until or "9999")[:10],)
        ).fetchone()
        return str(row[0]) if row and row[0] else None
