"""The catalog's stories: each searched article's story, the signals it was grouped by, and one
row per story (title, first and last day, size). Written in the transaction that writes the
article's passages, so a killed ingest never leaves an article outside every story.

An article belongs to a story while it owns searched passages: a copy is read through its
primary, an older version through its article. ``group_all`` rebuilds every story from the
stored passages (schema upgrade, ``newsrag reindex``, ``newsrag stories --rebuild``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from index.catalog.reads import CatalogReads, row_to_meta
from index.records import Story, StoryMember
from index.stories.grouping import Grouped, Neighbourhood, founded_story_id, window
from index.stories.signals import LEAD_CHUNKS, StorySignals, signals

_DAY = "substr(coalesce(a.published_at, a.ingested_at), 1, 10)"  # where grouping places it
# the day a reader is shown: an undated article has none (never its ingest day) and comes last
_SHOWN_DAY = "CASE WHEN a.published_at IS NULL THEN NULL ELSE s.day END"
_MEMBERS = "story_articles s JOIN articles a ON a.id = s.article_id"
_OLDEST_FIRST = "ORDER BY a.published_at IS NULL, s.day, a.published_at, a.id"


def group_articles(conn: sqlite3.Connection, article_ids: Iterable[str]) -> None:
    """(Re)place these articles in stories, oldest first; an article without searched
    passages leaves its story."""
    ids = list(dict.fromkeys(article_ids))
    for article_id in ids:
        ungroup(conn, article_id)
    marks = ",".join("?" * len(ids))
    rows = _rows(
        conn,
        f"SELECT a.id, a.title, a.text, {_DAY} AS day FROM articles a WHERE a.id IN ({marks}) "
        "ORDER BY day, a.id",
        ids,
    )
    hood = _neighbourhood(conn, [row["day"] for row in rows])
    for row in rows:
        vectors = _lead_vectors(conn, row["id"])
        if len(vectors):
            _place(conn, signals(row["id"], row["day"], row["title"], row["text"], vectors), hood)


def group_all(conn: sqlite3.Connection) -> int:
    """Every story again from scratch, oldest article first; how many stories."""
    conn.execute("DELETE FROM story_articles")
    conn.execute("DELETE FROM stories")
    rows = _rows(
        conn,
        f"SELECT a.id, a.title, a.text, {_DAY} AS day FROM articles a "
        "WHERE EXISTS (SELECT 1 FROM chunks c WHERE c.article_id = a.id) ORDER BY day, a.id",
    )
    hood = Neighbourhood()
    for row in rows:
        hood.forget_before(row["day"])
        vectors = _lead_vectors(conn, row["id"])
        _place(conn, signals(row["id"], row["day"], row["title"], row["text"], vectors), hood)
    return int(conn.execute("SELECT count(*) FROM stories").fetchone()[0])


def _neighbourhood(conn: sqlite3.Connection, days: Sequence[str]) -> Neighbourhood:
    """The grouped articles within the window of any of ``days``, read once for a block."""
    spans: list[tuple[str, str]] = []
    for first, last in sorted(window(day) for day in set(days)):
        if spans and first <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], last))
        else:
            spans.append((first, last))
    hood = Neighbourhood()
    for first, last in spans:
        for row in _rows(
            conn,
            "SELECT article_id, story_id, day, centroid, entities FROM story_articles "
            "WHERE day BETWEEN ? AND ? ORDER BY day, article_id",
            (first, last),
        ):
            hood.add(grouped(row))
    return hood


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
    """Rows by column name, whatever the connection's row factory (an upgrade runs before the
    catalog sets it)."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params).fetchall()


def ungroup(conn: sqlite3.Connection, article_id: str) -> None:
    row = conn.execute(
        "SELECT story_id FROM story_articles WHERE article_id=?", (article_id,)
    ).fetchone()
    if row is None:
        return
    conn.execute("DELETE FROM story_articles WHERE article_id=?", (article_id,))
    _refresh(conn, row[0])


def hand_over(conn: sqlite3.Connection, article_id: str, heir: str) -> None:
    """A copy inherits its primary's passages (``promote_first_copy``), and with them its
    place in the story."""
    conn.execute("UPDATE story_articles SET article_id=? WHERE article_id=?", (heir, article_id))


def _lead_vectors(conn: sqlite3.Connection, article_id: str) -> np.ndarray:
    blobs = [
        r[0]
        for r in conn.execute(
            "SELECT embedding FROM chunks WHERE article_id=? ORDER BY ordinal LIMIT ?",
            (article_id, LEAD_CHUNKS),
        )
    ]
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([np.frombuffer(b, dtype=np.float16) for b in blobs]).astype(np.float32)


def _place(conn: sqlite3.Connection, new: StorySignals, hood: Neighbourhood) -> None:
    link = hood.best_link(new)
    story_id = link.story_id if link else _found(conn, new.article_id)
    key = new.key or (None, None)
    stored = np.asarray(new.centroid, dtype=np.float16)
    conn.execute(
        "INSERT INTO story_articles(article_id, story_id, day, centroid, entities, key_start, "
        "key_end, linked_to, score) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            new.article_id,
            story_id,
            new.day,
            stored.tobytes(),
            json.dumps(list(new.entities)),
            *key,
            link.article_id if link else None,
            round(link.score, 4) if link else None,
        ),
    )
    _refresh(conn, story_id)
    # as later blocks will read it back: grouping never depends on where a block ended
    hood.add(Grouped(replace(new, centroid=stored.astype(np.float32)), story_id))


def grouped(row: sqlite3.Row) -> Grouped:
    """A ``story_articles`` row as grouping compares it."""
    signals = StorySignals(
        row["article_id"],
        row["day"],
        np.frombuffer(row["centroid"], dtype=np.float16).astype(np.float32),
        tuple(json.loads(row["entities"])),
        None,
    )
    return Grouped(signals, row["story_id"])


def _found(conn: sqlite3.Connection, founder: str) -> str:
    taken = {
        r[0] for r in conn.execute("SELECT id FROM stories WHERE id LIKE ?", (_like(founder),))
    }
    story_id = founded_story_id(founder, taken)
    title = conn.execute("SELECT title FROM articles WHERE id=?", (founder,)).fetchone()[0]
    conn.execute(
        "INSERT INTO stories(id, title, founder, first_day, last_day, articles) "
        "VALUES (?, ?, ?, '', '', 0)",
        (story_id, title, founder),
    )
    return story_id


def _like(founder: str) -> str:
    return founded_story_id(founder) + "%"


def _refresh(conn: sqlite3.Connection, story_id: str) -> None:
    """A story's size and days from its members; a story left without any is removed."""
    first, last, count = conn.execute(
        "SELECT min(day), max(day), count(*) FROM story_articles WHERE story_id=?", (story_id,)
    ).fetchone()
    if not count:
        conn.execute("DELETE FROM stories WHERE id=?", (story_id,))
        return
    founder, title = _oldest(conn, story_id, _bound(None)) or ("", "")
    conn.execute(  # the oldest member names it: the article that started it may be gone
        "UPDATE stories SET first_day=?, last_day=?, articles=?, founder=?, title=? WHERE id=?",
        (first, last, count, founder, title, story_id),
    )


class CatalogStories(CatalogReads):
    def story_ids_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article id → its story's id (articles outside every story are left out)."""
        marks = ",".join("?" * len(article_ids))
        rows = self._conn.execute(
            f"SELECT article_id, story_id FROM story_articles WHERE article_id IN ({marks})",
            list(article_ids),
        )
        return {r[0]: r[1] for r in rows}

    def stories(self, story_ids: Sequence[str], until: str | None = None) -> list[Story]:
        """These stories, without their members, in the order asked, as they stood on ``until``
        (its articles published by then; a story with none then is left out)."""
        day = _bound(until)
        marks = ",".join("?" * len(story_ids))
        rows = self._conn.execute(
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
        members = self._conn.execute(
            f"SELECT a.*, {_SHOWN_DAY} AS day, s.key_start, s.key_end, s.linked_to, s.score "
            f"FROM {_MEMBERS} WHERE s.story_id=? AND s.day <= ? {_OLDEST_FIRST}",
            (story_id, day),
        ).fetchall()
        if not members:
            return None
        copies = self.copies_of([m["id"] for m in members])
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
        rows = self._conn.execute(
            f"SELECT s.story_id, max({_SHOWN_DAY}) AS last FROM {_MEMBERS} WHERE s.day <= ? "
            "GROUP BY s.story_id ORDER BY last IS NULL, last DESC, s.story_id LIMIT ?",
            (_bound(until), limit),
        )
        return [r[0] for r in rows]

    def story_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM stories").fetchone()[0])

    def _sources(self, story_id: str, day: str) -> list[str]:
        rows = self._conn.execute(
            f"SELECT DISTINCT a.source FROM {_MEMBERS} "
            "WHERE s.story_id=? AND s.day <= ? AND a.source IS NOT NULL ORDER BY a.source",
            (story_id, day),
        )
        return [r[0] for r in rows]

    def _title(self, story_id: str, day: str) -> str:
        """The title of the story's oldest article (by then): the article that started it may
        have been deleted since, or may be later than ``until``."""
        oldest = _oldest(self._conn, story_id, day)
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
