"""The catalog's watchlist tables (#33), as ``WatchlistRows`` (``catalog.watchlists``) reads and
writes them: the watchlists, their items and each item's webhook delivery.

Nothing is lost and nothing is matched twice: a watchlist's cursor (``matched_through``: the
highest chunk id already matched; chunk ids are never reused and grow with every commit, one
writer at a time) moves only in the transaction that writes the items its run produced, and
items are unique per (watchlist, article, version). A run killed after an ingest's commit leaves
the cursor behind, so the next run matches what it missed; two runs at once write each item once.
A delivery is claimed (``sending``) in a commit of its own before the request goes out, so a
process killed while sending never sends that item again (it is ``interrupted``). Each write is
a transaction of its own (the catalog's, handed over at construction) that changes no article:
the generation and the caches stay.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import fields

from index.catalog.db import Db, now_iso
from index.records import WatchItem, Watchlist

Transaction = Callable[..., AbstractContextManager[sqlite3.Connection]]  # Catalog.transaction
ITEM_COLUMNS = tuple(f.name for f in fields(WatchItem) if f.name not in ("id", "delivery"))
FINAL = ("sent", "failed", "interrupted")  # delivery states never tried again


class WatchlistRows:
    def __init__(self, db: Db, transaction: Transaction) -> None:
        self._db = db
        self._transaction = transaction

    # -- reads ----------------------------------------------------------------------------------
    def head(self) -> int:
        """The highest chunk id written (0: none): what a new watchlist starts after."""
        row = self._db.conn.execute("SELECT COALESCE(MAX(id), 0) FROM chunks").fetchone()
        return int(row[0])

    def all(self) -> list[Watchlist]:
        """Every watchlist, oldest first, with its counts (none in a catalog of schema 7 opened
        read-only)."""
        try:
            rows = self._db.conn.execute("SELECT * FROM watchlists ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # no watchlist tables yet
            return []
        return [self._with_counts(r) for r in rows]

    def get(self, watchlist_id: int) -> Watchlist | None:
        try:
            row = self._db.conn.execute(
                "SELECT * FROM watchlists WHERE id=?", (watchlist_id,)
            ).fetchone()
        except sqlite3.OperationalError:
            return None
        return None if row is None else self._with_counts(row)

    def _with_counts(self, row: sqlite3.Row) -> Watchlist:
        conn, wid = self._db.conn, row["id"]
        items, unread = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(id > ?), 0) FROM watch_items WHERE watchlist_id=?",
            (row["read_through"], wid),
        ).fetchone()
        states = conn.execute(
            "SELECT d.state, COUNT(*) FROM watch_deliveries d JOIN watch_items i ON i.id = "
            "d.item_id WHERE i.watchlist_id=? GROUP BY d.state",
            (wid,),
        ).fetchall()
        error = conn.execute(
            "SELECT d.last_error FROM watch_deliveries d JOIN watch_items i ON i.id = d.item_id "
            "WHERE i.watchlist_id=? AND d.last_error IS NOT NULL ORDER BY d.updated_at DESC, "
            "d.item_id DESC LIMIT 1",
            (wid,),
        ).fetchone()
        return Watchlist(
            **dict(row),
            items=int(items),
            unread=int(unread),
            deliveries={state: int(n) for state, n in states},
            last_delivery_error=error[0] if error else None,
        )

    def new_articles(self, after: int, through: int) -> list[tuple[str, int]]:
        """(article id, passages) of the articles with a passage whose chunk id is in
        (``after``, ``through``]: those added or changed since the cursor, oldest first."""
        rows = self._db.conn.execute(
            "SELECT article_id, COUNT(*) AS n, MIN(id) AS first FROM chunks WHERE id > ? AND "
            "id <= ? GROUP BY article_id ORDER BY first",
            (after, through),
        )
        return [(r["article_id"], int(r["n"])) for r in rows]

    def items(
        self, watchlist_id: int, since: str | None = None, limit: int | None = None
    ) -> list[WatchItem]:
        """The watchlist's items, newest first; ``since``: matched at or after it (ISO)."""
        sql = (
            "SELECT i.*, d.state AS delivery FROM watch_items i LEFT JOIN watch_deliveries d "
            "ON d.item_id = i.id WHERE i.watchlist_id=? AND i.matched_at >= ? ORDER BY i.id DESC"
        )
        args: list[object] = [watchlist_id, since or ""]
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [WatchItem(**dict(r)) for r in self._db.conn.execute(sql, args)]

    def due_deliveries(self, now: str) -> list[tuple[WatchItem, str, str]]:
        """(item, webhook URL, secret) of each delivery to make now: pending ones, and those to
        retry whose time came; oldest first."""
        rows = self._db.conn.execute(
            "SELECT i.*, d.state AS delivery, w.webhook_url, w.webhook_secret FROM "
            "watch_deliveries d JOIN watch_items i ON i.id = d.item_id JOIN watchlists w ON "
            "w.id = i.watchlist_id WHERE w.webhook_url IS NOT NULL AND (d.state = 'pending' OR "
            "(d.state = 'retry' AND d.next_try_at <= ?)) ORDER BY i.id",
            (now,),
        ).fetchall()
        out = []
        for r in rows:
            row = dict(r)
            url, secret = row.pop("webhook_url"), row.pop("webhook_secret")
            out.append((WatchItem(**row), url, secret or ""))
        return out

    # -- writes ---------------------------------------------------------------------------------
    def add(self, watchlist: Watchlist) -> Watchlist:
        """Store a new watchlist, matching from the current head on (only newer articles)."""
        with self._transaction(content=False) as conn:
            cursor = conn.execute(
                "INSERT INTO watchlists(name, query, story_id, created_at, matched_through, "
                "webhook_url, webhook_secret) VALUES (?,?,?,?,?,?,?)",
                (
                    watchlist.name,
                    watchlist.query,
                    watchlist.story_id,
                    watchlist.created_at,
                    self.head(),
                    watchlist.webhook_url,
                    watchlist.webhook_secret,
                ),
            )
            new_id = int(cursor.lastrowid or 0)
        found = self.get(new_id)
        assert found is not None
        return found

    def remove(self, watchlist_id: int) -> bool:
        """Forget a watchlist, its items and their deliveries; False when there is none."""
        with self._transaction(content=False) as conn:
            conn.execute(
                "DELETE FROM watch_deliveries WHERE item_id IN (SELECT id FROM watch_items "
                "WHERE watchlist_id=?)",
                (watchlist_id,),
            )
            conn.execute("DELETE FROM watch_items WHERE watchlist_id=?", (watchlist_id,))
            gone = conn.execute("DELETE FROM watchlists WHERE id=?", (watchlist_id,)).rowcount
        return bool(gone)

    def record(
        self, watchlist_id: int, after: int, through: int, items: Sequence[WatchItem]
    ) -> list[int]:
        """Write a matching run's ``items`` (found over chunk ids ``after``-``through``) and move
        the cursor to ``through``, in one transaction; an item already there is not written
        again. The ids of the items written (each with a pending delivery when the watchlist
        has a webhook). Nothing is written when the watchlist is gone or already past."""
        with self._transaction(content=False) as conn:
            row = conn.execute(
                "SELECT matched_through, webhook_url FROM watchlists WHERE id=?", (watchlist_id,)
            ).fetchone()
            if row is None or row["matched_through"] >= through:
                return []
            stamp = now_iso()
            added = [self._insert(conn, item, stamp) for item in items]
            written = [i for i in added if i is not None]
            if row["webhook_url"]:
                conn.executemany(
                    "INSERT OR IGNORE INTO watch_deliveries(item_id, state, updated_at) "
                    "VALUES (?, 'pending', ?)",
                    [(i, stamp) for i in written],
                )
            conn.execute(
                "UPDATE watchlists SET matched_through=?, matched_at=CASE WHEN ? THEN ? ELSE "
                "matched_at END WHERE id=?",
                (through, bool(written), stamp, watchlist_id),
            )
        return written

    def _insert(self, conn: sqlite3.Connection, item: WatchItem, stamp: str) -> int | None:
        values = {name: getattr(item, name) for name in ITEM_COLUMNS}
        values["matched_at"] = stamp
        names = ", ".join(f'"{n}"' for n in values)
        cursor = conn.execute(
            f"INSERT OR IGNORE INTO watch_items({names}) VALUES ({','.join('?' * len(values))})",
            list(values.values()),
        )
        return int(cursor.lastrowid or 0) if cursor.rowcount else None

    def mark_read(self, watchlist_id: int, through: int | None = None) -> int:
        """Move the read cursor to item ``through`` (None: the latest item); the cursor."""
        with self._transaction(content=False) as conn:
            latest = conn.execute(
                "SELECT COALESCE(MAX(id), 0) FROM watch_items WHERE watchlist_id=?",
                (watchlist_id,),
            ).fetchone()[0]
            target = latest if through is None else min(int(through), int(latest))
            conn.execute(
                "UPDATE watchlists SET read_through=MAX(read_through, ?) WHERE id=?",
                (target, watchlist_id),
            )
            row = conn.execute(
                "SELECT read_through FROM watchlists WHERE id=?", (watchlist_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    def claim_delivery(self, item_id: int) -> int:
        """Mark a delivery ``sending`` (committed before the request goes out): its attempts,
        this one included; 0 when it is not due any more (another process claimed it, or it
        is settled)."""
        with self._transaction(content=False) as conn:
            claimed = conn.execute(
                "UPDATE watch_deliveries SET state='sending', attempts=attempts+1, updated_at=? "
                "WHERE item_id=? AND state IN ('pending', 'retry')",
                (now_iso(), item_id),
            ).rowcount
            if not claimed:
                return 0
            row = conn.execute(
                "SELECT attempts FROM watch_deliveries WHERE item_id=?", (item_id,)
            ).fetchone()
        return int(row[0])

    def settle_delivery(
        self, item_id: int, state: str, error: str | None = None, next_try_at: str | None = None
    ) -> None:
        """Record how a claimed delivery went: ``sent``, ``retry`` at ``next_try_at`` or
        ``failed`` (given up), with the error."""
        with self._transaction(content=False) as conn:
            conn.execute(
                "UPDATE watch_deliveries SET state=?, last_error=?, next_try_at=?, updated_at=? "
                "WHERE item_id=?",
                (state, error, next_try_at, now_iso(), item_id),
            )

    def interrupt_stale(self, before: str) -> int:
        """Deliveries left ``sending`` since before ``before`` (their process was killed while
        sending) become ``interrupted``: never sent again, so never sent twice. How many."""
        with self._transaction(content=False) as conn:
            return conn.execute(
                "UPDATE watch_deliveries SET state='interrupted', last_error='interrupted while "
                "sending: not sent again (at most once)', updated_at=? WHERE state='sending' AND "
                "updated_at < ?",
                (now_iso(), before),
            ).rowcount

    def carry(self, source: WatchlistRows, conn: sqlite3.Connection) -> None:
        """Copy ``source``'s watchlists, items and deliveries into this catalog (a reindex),
        each cursor at this catalog's head: the articles are the same, their chunk ids new."""
        head = self.head()
        for table in ("watchlists", "watch_items", "watch_deliveries"):
            rows = [dict(r) for r in source._db.conn.execute(f"SELECT * FROM {table}")]
            if table == "watchlists":
                rows = [{**r, "matched_through": head} for r in rows]
            for row in rows:
                names = ", ".join(f'"{n}"' for n in row)
                conn.execute(
                    f"INSERT INTO {table}({names}) VALUES ({','.join('?' * len(row))})",
                    list(row.values()),
                )
