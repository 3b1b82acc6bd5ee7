"""The catalog's feed tables: the feeds followed with their fetch state, and what was last seen
of each feed's entries (keyed by feed and entry: an entry listed by two feeds is followed in
each, with where its revalidation schedule starts and what its last check found), as
``FeedRows`` (``catalog.feeds``) reads and writes them. Each write is a transaction
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
            f"SELECT {_ENTRY} FROM feed_entries WHERE feed_url=?", (feed_url,)
        )
        return {r["url"]: _entry(r) for r in rows}

    def recent_entries(self, feed_url: str, since: str) -> list[EntryState]:
        """The entries of ``feed_url`` whose page was read and whose revalidation schedule
        started at ``since`` or later (an ISO UTC time), oldest first."""
        try:
            rows = self._db.conn.execute(
                f"SELECT {_ENTRY} FROM feed_entries WHERE feed_url=? AND page_read=1 "
                "AND COALESCE(published_at, fetched_at) >= ? "
                "ORDER BY COALESCE(published_at, fetched_at), url",
                (feed_url, since),
            ).fetchall()
        except sqlite3.OperationalError:  # a catalog of schema 6 opened read-only
            return []
        return [_entry(r) for r in rows]

    def add(self, feed: FeedSource, given: frozenset[str] = frozenset()) -> bool:
        """Follow ``feed``; False when it was followed already: then only the fields named in
        ``given`` ("source", "every_s", "revalidate") change, and its fetch state is kept (a
        new interval counts from its last fetch at once)."""
        with self._transaction(content=False) as conn:
            known = conn.execute("SELECT 1 FROM feeds WHERE url=?", (feed.url,)).fetchone()
            conn.execute(
                "INSERT INTO feeds(url, source, every_s, added_at, revalidate) VALUES (?,?,?,?,?) "
                "ON CONFLICT(url) DO UPDATE SET "
                "source = CASE WHEN ? THEN excluded.source ELSE source END, "
                "every_s = CASE WHEN ? THEN excluded.every_s ELSE every_s END, "
                "revalidate = CASE WHEN ? THEN excluded.revalidate ELSE revalidate END",
                (
                    feed.url,
                    feed.source,
                    feed.every_s,
                    feed.added_at,
                    feed.revalidate,
                    "source" in given,
                    "every_s" in given,
                    "revalidate" in given,
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
        """What was last seen of feed entries (their date, page validators, schedule start and
        last check)."""
        if not states:
            return
        with self._transaction(content=False) as conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO feed_entries({_ENTRY}) VALUES (?,?,?,?,?,?,?,?,?)",
                [astuple(state) for state in states],
            )

    def record_revalidation(self, url: str, at: str, found: str) -> None:
        """What the last revalidation of ``url``'s entries found, and when."""
        with self._transaction(content=False) as conn:
            conn.execute(
                "UPDATE feeds SET revalidated_at=?, revalidation=? WHERE url=?", (at, found, url)
            )

    def remove(self, url: str) -> bool:
        """Stop following ``url`` (its articles stay); False when it was not followed."""
        with self._transaction(content=False) as conn:
            conn.execute("DELETE FROM feed_entries WHERE feed_url=?", (url,))
            return conn.execute("DELETE FROM feeds WHERE url=?", (url,)).rowcount > 0


_ENTRY = (  # feed_entries' columns in EntryState's order
    "url, feed_url, updated, etag, last_modified, fetched_at, page_read, published_at, last_check"
)


def _entry(row: sqlite3.Row) -> EntryState:
    return EntryState(**{**dict(row), "page_read": bool(row["page_read"])})


def _reschedule(conn: sqlite3.Connection, url: str) -> None:
    """A followed feed given a new interval is next due one new interval after its last fetch
    (it kept the old due time); a feed backing off after failures keeps its back-off, and one
    a pass left unfinished (``deferred``) stays due at once."""
    row = conn.execute(
        "SELECT every_s, last_fetch_at, failures, last_status FROM feeds WHERE url=?", (url,)
    ).fetchone()
    if row is None or not row[1] or row[2] or row[3] == "deferred":
        return
    due = datetime.fromisoformat(row[1]) + timedelta(seconds=int(row[0]))
    conn.execute(
        "UPDATE feeds SET next_try_at=? WHERE url=?", (due.isoformat(timespec="seconds"), url)
    )
