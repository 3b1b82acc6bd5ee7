"""Grouping articles into stories as they are written: ``StoryGrouper`` reads each article's
signals and its neighbours through the catalog's story rows (``catalog.stories``), decides
where it goes (``grouping``) and tells the rows what to write, inside the caller's write
transaction (the one that writes the article's passages: a killed ingest never leaves an
article outside every story).

``regroup_all`` rebuilds every story from the stored passages, oldest article first
(``newsrag reindex``, ``newsrag story --rebuild``, and the schema upgrade that brought stories,
which the index hands it to: ``index.store.open_catalog``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from index.catalog.stories import MemberRow, StoryRows
from index.stories.grouping import Grouped, Neighbourhood, founded_story_id, keeper, window
from index.stories.signals import LEAD_CHUNKS, StorySignals, signals


class StoryGrouper:
    """Decides which story each article joins; ``rows`` persist it."""

    def __init__(self, rows: StoryRows) -> None:
        self.rows = rows

    def group(self, conn: sqlite3.Connection, article_ids: Iterable[str]) -> None:
        """(Re)place these articles in stories, oldest first; an article without searched
        passages leaves its story."""
        ids = list(dict.fromkeys(article_ids))
        for article_id in ids:
            self.rows.ungroup(conn, article_id)
        found = self.rows.to_group(ids)
        hood = self._neighbourhood([article.day for article in found])
        for article in found:
            vectors = self.rows.lead_vectors(article.id, LEAD_CHUNKS)
            if len(vectors):
                new = signals(article.id, article.day, article.title, article.text, vectors)
                self._place(conn, new, hood)

    def regroup_all(self, conn: sqlite3.Connection) -> int:
        """Every story again from scratch, oldest article first; how many stories."""
        self.rows.delete_all(conn)
        hood = Neighbourhood()
        for article in self.rows.all_to_group():
            hood.forget_before(article.day)
            vectors = self.rows.lead_vectors(article.id, LEAD_CHUNKS)
            new = signals(article.id, article.day, article.title, article.text, vectors)
            self._place(conn, new, hood)
        return self.rows.count()

    def _neighbourhood(self, days: Sequence[str]) -> Neighbourhood:
        """The grouped articles within the window of any of ``days``, read once for a block."""
        spans: list[tuple[str, str]] = []
        for first, last in sorted(window(day) for day in set(days)):
            if spans and first <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], last))
            else:
                spans.append((first, last))
        hood = Neighbourhood()
        for first, last in spans:
            for member in self.rows.members_between(first, last):
                hood.add(grouped(member))
        return hood

    def _place(self, conn: sqlite3.Connection, new: StorySignals, hood: Neighbourhood) -> None:
        placement = hood.place(new)
        link = placement.link
        if link is None:
            story_id = self._found(conn, new.article_id)
        else:  # the stories it bridges are one: the oldest keeps its id
            stories = [link.story_id, *placement.merged]
            story_id = keeper(stories, self.rows.first_days(conn, stories))
            for other in stories:
                if other != story_id:
                    self.rows.merge(conn, other, story_id)
                    hood.merge(other, story_id)
        self.rows.insert_member(
            conn,
            MemberRow(
                new.article_id,
                story_id,
                new.day,
                new.centroid,
                new.entities,
                new.key,
                link.article_id if link else None,
                round(link.score, 4) if link else None,
            ),
        )
        self.rows.refresh(conn, story_id)
        # as later blocks will read it back (float16): grouping never depends on where a
        # block ended
        stored = np.asarray(new.centroid, dtype=np.float16).astype(np.float32)
        hood.add(Grouped(replace(new, centroid=stored), story_id))

    def _found(self, conn: sqlite3.Connection, founder: str) -> str:
        """A new story, started by ``founder``: its id is made from the founder's."""
        story_id = founded_story_id(founder, self.rows.ids_starting(founded_story_id(founder)))
        self.rows.create(conn, story_id, founder)
        return story_id


def grouped(member: MemberRow) -> Grouped:
    """A stored member as grouping compares it."""
    return Grouped(
        StorySignals(member.article_id, member.day, member.centroid, member.entities, None),
        member.story_id,
    )


def regroup_all(rows: StoryRows, conn: sqlite3.Connection) -> int:
    """``StoryGrouper.regroup_all``, as the catalog's schema upgrade is handed it."""
    return StoryGrouper(rows).regroup_all(conn)
