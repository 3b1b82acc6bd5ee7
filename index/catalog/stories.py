"""The catalog's story rows (``StoryRows``, ``catalog.stories``): each searched article's story
with the signals it was grouped by, and one row per story (title, first and last day, size).

Rows only: which story an article joins is decided in ``index.stories`` (``StoryGrouper``),
which reads its candidates here and says what to write. The writes take the connection of the
caller's transaction, the one that writes the article's passages, so a killed ingest never
leaves an article outside every story. An article belongs to a story while it owns searched
passages: a copy is read through its primary, an older version through its article.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.catalog.db import HAS_VECTOR, Db, copies_of, row_to_meta
from index.records import Story, StoryMember

_DAY = "substr(coalesce(a.published_at, a.ingested_at), 1, 10)"  # where grouping places it
# the day a reader is shown: an undated article has none (never its ingest day) and comes last
_SHOWN_DAY = "CASE WHEN a.published_at IS NULL THEN NULL ELSE s.day END"
_MEMBERS = "story_articles s JOIN articles a ON a.id = s.article_id"
_OLDEST_FIRST = "ORDER BY a.published_at IS NULL, s.day, a.published_at, a.id"


@dataclass(frozen=True)
class ToGroup:
    """An article as the grouping reads it: the day it is placed on, its title and text."""

    id: str
    title: str
    text: str
    day: str


@dataclass(frozen=True)
class MemberRow:
    """A ``story_articles`` row: an article in a story, with what it was grouped by."""

    article_id: str
    story_id: str
    day: str
    centroid: np.ndarray  # float32 (stored as float16)
    entities: tuple[str, ...]
    key: tuple[int, int] | None = None  # its key sentence's span (not read back for grouping)
    linked_to: str | None = None  # the article it joined the story through
    score: float | None = None


class StoryRows:
    def __init__(self, db: Db) -> None:
        self._db = db

    # -- what the grouping reads ----------------------------------------------------------------
    def to_group(self, article_ids: Sequence[str]) -> list[ToGroup]:
        """These articles (those still in the catalog), by day then id."""
        marks = ",".join("?" * len(article_ids))
        return self._to_group(f"a.id IN ({marks})", list(article_ids))

    def all_to_group(self) -> list[ToGroup]:
        """Every article that owns searched passages, by day then id."""
        return self._to_group("EXISTS (SELECT 1 FROM chunks c WHERE c.article_id = a.id)", [])

    def _to_group(self, where: str, params: list[str]) -> list[ToGroup]:
        rows = self._db.conn.execute(
            f"SELECT a.id, a.title, a.text, {_DAY} AS day FROM articles a WHERE {where} "
            "ORDER BY day, a.id",
            params,
        )
        return [ToGroup(r["id"], r["title"], r["text"], r["day"]) for r in rows]

    def members_between(self, first: str, last: str) -> list[MemberRow]:
        """The grouped articles of the days ``first`` to ``last``, by day then id."""
        rows = self._db.conn.execute(
            "SELECT article_id, story_id, day, centroid, entities FROM story_articles "
            "WHERE day BETWEEN ? AND ? ORDER BY day, article_id",
            (first, last),
        )
        return [
            MemberRow(
                r["article_id"],
                r["story_id"],
                r["day"],
                np.frombuffer(r["centroid"], dtype=np.float16).astype(np.float32),
                tuple(json.loads(r["entities"])),
            )
            for r in rows
        ]

    def lead_vectors(self, article_id: str, limit: int) -> np.ndarray:
        """The vectors of the article's first ``limit`` passages (none: a 0 × 0 array)."""
        blobs = [
            r[0]
            for r in self._db.conn.execute(
                f"SELECT embedding FROM chunks WHERE article_id=? AND {HAS_VECTOR} "
                "ORDER BY ordinal LIMIT ?",
                (article_id, limit),
            )
        ]
        if not blobs:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([np.frombuffer(b, dtype=np.float16) for b in blobs]).astype(np.float32)

    def ids_starting(self, prefix: str) -> set[str]:
        """The ids of the stories whose id starts with ``prefix``."""
        rows = self._db.conn.execute("SELECT id FROM stories WHERE id LIKE ?", (prefix + "%",))
        return {r[0] for r in rows}

    # -- writes (inside ``Catalog.transaction``) ------------------------------------------------
    def create(self, conn: sqlite3.Connection, story_id: str, founder: str) -> None:
        """A story row, named after its founder, still without members."""
        conn.execute(
            "INSERT INTO stories(id, title, founder, first_day, last_day, articles) "
            "VALUES (?, (SELECT title FROM articles WHERE id=?), ?, '', '', 0)",
            (story_id, founder, founder),
        )

    def insert_member(self, conn: sqlite3.Connection, member: MemberRow) -> None:
        """An article's place in a story (its centroid stored as float16); ``refresh`` its
        story after."""
        conn.execute(
            "INSERT INTO story_articles(article_id, story_id, day, centroid, entities, key_start, "
            "key_end, linked_to, score) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                member.article_id,
                member.story_id,
                member.day,
                np.asarray(member.centroid, dtype=np.float16).tobytes(),
                json.dumps(list(member.entities)),
                *(member.key or (None, None)),
                member.linked_to,
                member.score,
            ),
        )

    def refresh(self, conn: sqlite3.Connection, story_id: str) -> None:
        """A story's size and days from its members; a story left without any is removed."""
        first, last, count = conn.execute(
            "SELECT min(day), max(day), count(*) FROM story_articles WHERE story_id=?",
            (story_id,),
        ).fetchone()
        if not count:
            conn.execute("DELETE FROM stories WHERE id=?", (story_id,))
            return
        founder, title = _oldest(conn, story_id, _bound(None)) or ("", "")
        conn.execute(  # the oldest member names it: the article that started it may be gone
            "UPDATE stories SET first_day=?, last_day=?, articles=?, founder=?, title=? WHERE id=?",
            (first, last, count, founder, title, story_id),
        )

    def first_days(self, conn: sqlite3.Connection, story_ids: Sequence[str]) -> dict[str, str]:
        """Story id → the day of its oldest member (as grouping places it)."""
        marks = ",".join("?" * len(story_ids))
        rows = conn.execute(
            f"SELECT id, first_day FROM stories WHERE id IN ({marks})", list(story_ids)
        )
        return {r[0]: r[1] for r in rows}

    def merge(self, conn: sqlite3.Connection, story_id: str, into: str) -> None:
        """Every member of ``story_id`` moves to ``into`` (grouping found them one story); the
        emptied story is removed."""
        conn.execute("UPDATE story_articles SET story_id=? WHERE story_id=?", (into, story_id))
        self.refresh(conn, into)
        self.refresh(conn, story_id)

    def ungroup(self, conn: sqlite3.Connection, article_id: str) -> None:
        """The article leaves its story (if it is in one)."""
        row = conn.execute(
            "SELECT story_id FROM story_articles WHERE article_id=?", (article_id,)
        ).fetchone()
        if row is None:
            return
        conn.execute("DELETE FROM story_articles WHERE article_id=?", (article_id,))
        self.refresh(conn, row[0])

    def hand_over(self, conn: sqlite3.Connection, article_id: str, heir: str) -> None:
        """A copy inherits its primary's passages (``promote_first_copy``), and with them its
        place in the story."""
        conn.execute(
            "UPDATE story_articles SET article_id=? WHERE article_id=?", (heir, article_id)
        )

    def delete_all(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM story_articles")
        conn.execute("DELETE FROM stories")

    # -- reads ----------------------------------------------------------------------------------
    def story_ids_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article id → its story's id (articles outside every story are left out)."""
        marks = ",".join("?" * len(article_ids))
        rows = self._db.conn.execute(
            f"SELECT article_id, story_id FROM story_articles WHERE article_id IN ({marks})",
            list(article_ids),
        )
        return {r[0]: r[1] for r in rows}

    def summaries(self, story_ids: Sequence[str], until: str | None = None) -> list[Story]:
        """These stories, without their members, in the order asked, as they stood on ``until``
        (its articles published by then; a story with none then is left out)."""
        day = _bound(until)
        marks = ",".join("?" * len(story_ids))
        rows = self._db.conn.execute(
            f"SELECT s.story_id AS id, min({_SHOWN_DAY}) AS first_day, "
            f"max({_SHOWN_DAY}) AS last_day, count(*) AS articles FROM {_MEMBERS} "
            f"WHERE s.story_id IN ({marks}) AND s.day <= ? GROUP BY s.story_id",
            [*story_ids, day],
        ).fetchall()
        found = {r["id"]: r for r in rows}
        return [
            _story(found[s], self._title(s, day), self._sources(s, day))
            for s in story_ids
            if s in found
        ]

    def story(self, story_id: str, until: str | None = None) -> Story | None:
        """A story with its members oldest first, as it stood on ``until``; None when it has no
        article published by then."""
        day = _bound(until)
        members = self._db.conn.execute(
            f"SELECT a.*, {_SHOWN_DAY} AS day, s.key_start, s.key_end, s.linked_to, s.score "
            f"FROM {_MEMBERS} WHERE s.story_id=? AND s.day <= ? {_OLDEST_FIRST}",
            (story_id, day),
        ).fetchall()
        if not members:
            return None
        copies = copies_of(self._db.conn, [m["id"] for m in members])
        days = [m["day"] for m in members if m["day"] is not None]
        head = {
            "id": story_id,
            "first_day": min(days, default=None),
            "last_day": max(days, default=None),
            "articles": len(members),
        }
        return _story(
            head,
            members[0]["title"],
            self._sources(story_id, day),
            [_member(m, copies) for m in members],
        )

    def recent_story_ids(self, limit: int, until: str | None = None) -> list[str]:
        """Stories with the latest articles (published up to ``until``), newest first; a story
        of undated articles only comes last."""
        rows = self._db.conn.execute(
            f"SELECT s.story_id, max({_SHOWN_DAY}) AS last FROM {_MEMBERS} WHERE s.day <= ? "
            "GROUP BY s.story_id ORDER BY last IS NULL, last DESC, s.story_id LIMIT ?",
            (_bound(until), limit),
        )
        return [r[0] for r in rows]

    def count(self) -> int:
        return int(self._db.conn.execute("SELECT count(*) FROM stories").fetchone()[0])

    def _sources(self, story_id: str, day: str) -> list[str]:
        rows = self._db.conn.execute(
            f"SELECT DISTINCT a.source FROM {_MEMBERS} "
            "WHERE s.story_id=? AND s.day <= ? AND a.source IS NOT NULL ORDER BY a.source",
            (story_id, day),
        )
        return [r[0] for r in rows]

    def _title(self, story_id: str, day: str) -> str:
        """The title of the story's oldest article (by then): the article that started it may
        have been deleted since, or may be later than ``until``."""
        oldest = _oldest(self._db.conn, story_id, day)
        return oldest[1] if oldest else ""


def _oldest(conn: sqlite3.Connection, story_id: str, day: str) -> tuple[str, str] | None:
    """The id and title of the story's oldest article published by ``day`` (an undated one
    only when none is dated)."""
    row = conn.execute(
        f"SELECT a.id, a.title FROM {_MEMBERS} WHERE s.story_id=? AND s.day <= ? "
        f"{_OLDEST_FIRST} LIMIT 1",
        (story_id, day),
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def _bound(until: str | None) -> str:
    return (until or "9999")[:10]


def _story(
    head: Mapping[str, Any],
    title: str,
    sources: list[str],
    members: list[StoryMember] | None = None,
) -> Story:
    return Story(
        id=head["id"],
        title=title,
        first_day=head["first_day"],
        last_day=head["last_day"],
        articles=head["articles"],
        sources=tuple(sources),
        members=tuple(members or ()),
    )


def _member(row: sqlite3.Row, copies: dict[str, tuple[str, ...]]) -> StoryMember:
    key = (row["key_start"], row["key_end"]) if row["key_start"] is not None else None
    return StoryMember(
        meta=row_to_meta(row, copies.get(row["id"], ())),
        day=row["day"],
        key=key,
        text=row["text"],
        linked_to=row["linked_to"],
        score=row["score"],
    )
