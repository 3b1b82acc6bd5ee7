"""The catalog's feed tables: the feeds followed with their fetch state, and what was last seen
of each feed's entries (keyed by feed and entry: an entry listed by two feeds is followed in
each), as ``FeedRows`` (``catalog.feeds``) reads and writes them. Each write is a transaction
of its own (the catalog's, handed over at construction); feed writes change no article, so
they leave the generation and the caches alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import astuple
from datetime import datetime, timedelta

from index.catalog.db import Db
from index.records import EntryState, FeedSource

Transaction = Callable[..., AbstractContextManager[sqlite3.Connection]]  # Catalog.transaction


class FeedRows:
    def __init__(self, db: Db, transaction: Transaction) -> None:
        self._db = db
        self._transaction = transaction

    def followed(self) -> list[FeedSource]:
        """The feeds followed, in the order they were added (none in a catalog made before
        feeds existed and opened read-only)."""
        try:
            rows = self._db.conn.execute("SELECT * FROM feeds ORDER BY added_at, url").fetchall()
        except sqlite3.OperationalError:  # no feeds table yet
            return []
        return [FeedSource(**dict(r)) for r in rows]

    def entry_states(self, feed_url: str) -> dict[str, EntryState]:
        """Entry url → what was last seen of it in the feed ``feed_url``."""
        rows = self._db.conn.execute(
            "SELECT url, feed_url, updated, etag, last_modified, fetched_at, page_read "
            "FROM feed_entries WHERE feed_url=?",
            (feed_url,),
        )
        return {
            r["url"]: EntryState(**{**dict(r), "page_read": bool(r["page_read"])}) for r in rows
        }

    def add(self, feed: FeedSource, given: frozenset[str] = frozenset()) -> bool:
        """Follow ``feed``; False when it was followed already: then only the fields named in
        ``given`` ("source", "every_s") change, and its fetch state is kept."""
        with self._transaction(content=False) as conn:
            known = conn.execute("SELECT 1 FROM feeds WHERE url=?", (feed.url,)).fetchone()
            conn.execute(
                "INSERT INTO feeds(url, source, every_s, added_at) VALUES (?,?,?,?) "
                "ON CONFLICT(url) DO UPDATE SET "
                "source = CASE WHEN ? THEN excluded.source ELSE source END, "
                "every_s = CASE WHEN ? THEN excluded.every_s ELSE every_s END",
                (
                    feed.url,
                    feed.source,
                    feed.every_s,
                    feed.added_at,
                    "source" in given,
                    "every_s" in given,
                ),
            )
            if known is not None and "every_s" in given:
                _reschedule(conn, feed.url)
        return known is None

    def record_fetch(self, feed: FeedSource) -> None:
        """A feed's state after a fetch (status, error, validators, failures, next try)."""
        with self._transaction(content=False) as conn:
            conn.execute(
                "UPDATE feeds SET etag=?, last_modified=?, last_fetch_at=?, last_status=?, "
                "last_error=?, failures=?, next_try_at=? WHERE url=?",
                (
                    feed.etag,
                    feed.last_modified,
                    feed.last_fetch_at,
                    feed.last_status,
                    feed.last_error,
                    feed.failures,
                    feed.next_try_at,
                    feed.url,
                ),
            )

    def record_entries(self, states: Sequence[EntryState]) -> None:
        """What was last seen of feed entries (their date and page validators)."""
        if not states:
            return
        with self._transaction(content=False) as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO feed_entries(url, feed_url, updated, etag, "
                "last_modified, fetched_at, page_read) VALUES (?,?,?,?,?,?,?)",
                [astuple(state) for state in states],
            )

    def remove(self, url: str) -> bool:
        """Stop following ``url`` (its articles stay); False when it was not followed."""
        with self._transaction(content=False) as conn:
            conn.execute("DELETE FROM feed_entries WHERE feed_url=?", (url,))
            return conn.execute("DELETE FROM feeds WHERE url=?", (url,)).rowcount > 0


def _reschedule(conn: sqlite3.Connection, url: str) -> None:
    """A followed feed given a new interval is next due one new interval after its last fetch
    (it kept the old due time); a feed backing off after failures keeps its back-off."""
    row = conn.execute(
        "SELECT every_s, last_fetch_at, failures FROM feeds WHERE url=?", (url,)
    ).fetchone()
    if row is None or not row[1] or row[2]:
        return
    due = datetime.fromisoformat(row[1]) + timedelta(seconds=int(row[0]))
    conn.execute(
        "UPDATE feeds SET next_try_at=? WHERE url=?", (due.isoformat(timespec="seconds"), url)
    )
