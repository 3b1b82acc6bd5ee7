"""The SQLite catalog: the single source of truth (articles, chunks, vectors, FTS, meta).

This file holds ``Catalog``: the connection (private to ``index/catalog/``), its opening and
upgrade (``index/catalog/schema.py``), transactions, snapshots and meta. The reads and writes
are its repositories' (``catalog.articles``, ``catalog.versions``...). A schema change touches
``index/`` only.

Every write is one transaction that also bumps ``meta.generation``; a crash leaves either the
old or the new state of each article. Chunk ids are never reused (AUTOINCREMENT), so a stale
vector cache can never point at a different passage.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from index.catalog.activity import StoryActivityRows
from index.catalog.articles import ArticleRows
from index.catalog.db import Db, add_functions
from index.catalog.feeds import FeedRows
from index.catalog.integrity import IntegrityRows
from index.catalog.retention import RetentionRows
from index.catalog.schema import SCHEMA, SCHEMA_VERSION, upgrade
from index.catalog.stories import StoryRows
from index.catalog.transfer import TransferRows
from index.catalog.versions import VersionRows
from index.catalog.watchlists import WatchlistRows

__all__ = ["SCHEMA", "SCHEMA_VERSION", "Catalog", "CatalogError", "IndexWriteError", "Regroup"]

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 30_000  # how long an open waits for another process holding the catalog


class CatalogError(RuntimeError):
    """The catalog file cannot be used; the message names the file and the reason."""


class IndexWriteError(OSError):
    """A write to the index directory failed (disk full, read-only, I/O error).

    The message is one line naming the file, the reason and what state the index is left in.
    """


def storage_failure(exc: sqlite3.Error) -> bool:
    """SQLite errors that come from the file or the disk (not from a bug in a statement)."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL; SQLite answers "locked" at once, without its busy timeout, while another
    process creates the same new file, so the switch is tried again until that timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _probe(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    add_functions(conn)
    try:
        conn.execute("SELECT count(*) FROM meta").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


Regroup = Callable[[StoryRows, sqlite3.Connection], object]  # index.stories.grouper.regroup_all


class Catalog:
    """The one owner of the connection: it opens (and upgrades) the file, closes it, runs the
    transactions and read snapshots, and keeps ``meta``. Its reads and writes are in small
    repositories over that connection (``Db``), none of which inherits another:

    - ``articles`` (``ArticleRows``): articles and their searched passages, keyword search;
    - ``versions`` (``VersionRows``): older versions, their kept passages, as-of reads;
    - ``retention`` (``RetentionRows``): which older texts are kept, the cited versions;
    - ``stories`` (``StoryRows``): story rows (``index.stories`` decides the grouping);
    - ``feeds`` (``FeedRows``), ``integrity`` (``IntegrityRows``, ``newsrag check``) and
      ``transfer`` (``TransferRows``, what a reindex carries);
    - ``activity`` (``StoryActivityRows``): how active each story was in a period (briefings);
    - ``watchlists`` (``WatchlistRows``): followed queries and stories, items, deliveries (#33).

    ``regroup`` groups every stored article into stories (``index.stories.grouper``): the
    upgrade of a catalog made before stories needs it (``index.store.open_catalog`` gives it).
    """

    def __init__(
        self, path: Path, *, readonly: bool = False, regroup: Regroup | None = None
    ) -> None:
        self.path = path
        self.readonly = readonly
        self._regroup = regroup
        self._db = Db(self._connect())
        self.stories = StoryRows(self._db)
        self.articles = ArticleRows(self._db, self.stories)
        self.versions = VersionRows(self._db, self.articles, self.stories)
        self.retention = RetentionRows(self._db)
        self.feeds = FeedRows(self._db, self.transaction)
        self.integrity = IntegrityRows(self._db)
        self.transfer = TransferRows(self._db)
        self.activity = StoryActivityRows(self._db)
        self.watchlists = WatchlistRows(self._db, self.transaction)

    def _connect(self) -> sqlite3.Connection:
        try:
            if not self.readonly and self.path.exists() and not _writable(self.path):
                log.info("%s is read-only: opened for reading only", self.path)
                self.readonly = True
            conn = self._open_readonly() if self.readonly else self._open_writable()
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.DatabaseError as exc:
            if not self.path.exists() or not self.path.stat().st_size:
                raise CatalogError(f"cannot create {self.path}: {exc}") from exc
            if "locked" in str(exc):  # e.g. another process upgrading it (which can take long)
                waited = f"{BUSY_TIMEOUT_MS / 1000:g} s"
                raise CatalogError(
                    f"{self.path} is busy: another newsrag process is upgrading or writing it "
                    f"and held it past {waited}; try again when it is done ({exc})"
                ) from exc
            raise CatalogError(f"{self.path}: not a usable newsrag catalog ({exc})") from exc
        conn.row_factory = sqlite3.Row
        return conn

    def _open_writable(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row  # an upgrade's grouping reads rows by column name
        add_functions(conn)  # the upgrade's statements use them too
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # two first writers may make it
            _use_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            upgrade(conn, self._group_all)
        except BaseException:
            conn.close()
            raise
        return conn

    def _group_all(self, conn: sqlite3.Connection) -> object:
        """Every stored article grouped into stories, inside an upgrade's transaction."""
        if self._regroup is None:
            raise CatalogError(
                f"{self.path} was made before stories: its upgrade groups its articles, so it "
                "must be opened with a grouping (index.store.open_catalog)"
            )
        return self._regroup(StoryRows(Db(conn)), conn)

    def _open_readonly(self) -> sqlite3.Connection:
        """Read-only; on a read-only filesystem SQLite cannot make the WAL's shared-memory file,
        so a catalog without a pending WAL is opened as immutable (nobody can change it)."""
        uri = self.path.resolve().as_uri()
        try:
            return _probe(f"{uri}?mode=ro")
        except sqlite3.OperationalError:
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() and wal.stat().st_size:
                raise
            return _probe(f"{uri}?mode=ro&immutable=1")

    def close(self) -> None:
        self._db.conn.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state, even while another process writes (a
        read transaction, ended without writing anything)."""
        self._db.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self._db.conn.in_transaction:
                self._db.conn.execute("ROLLBACK")

    @contextmanager
    def transaction(self, content: bool = True) -> Iterator[sqlite3.Connection]:
        """One atomic write that also advances the generation (``content=False``: a write that
        changes no article or passage, e.g. a feed's state, leaves it and the caches alone).

        A failure from the file or the disk (full, read-only, I/O error) rolls back and raises
        ``IndexWriteError`` naming the catalog: the index keeps its last committed state.
        """
        conn = self._db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if content:
                    conn.execute(
                        "INSERT INTO meta(key, value) VALUES('generation', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                    )
                conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except sqlite3.Error as exc:
            if not storage_failure(exc):
                raise
            raise IndexWriteError(
                f"cannot write {self.path}: {exc}; nothing of this write was saved, the index "
                "keeps its last committed state"
            ) from exc

    def cite_without_waiting(
        self, pairs: Sequence[tuple[str, int]], stamp: str, wait_ms: int = 200
    ) -> bool:
        """``cite_versions`` in a transaction of its own that waits at most ``wait_ms`` for
        another writer (a search must not queue behind an ingest's batch); False when it
        could not write in time."""
        self._db.conn.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
        try:
            with self.transaction(content=False) as conn:
                self.retention.cite_versions(conn, pairs, stamp)
            return True
        except (sqlite3.OperationalError, IndexWriteError) as exc:
            if "database is locked" in str(exc) or "database is busy" in str(exc):
                return False
            raise
        finally:
            self._db.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (SQLite may already have, e.g. disk full)."""
        if not self._db.conn.in_transaction:
            return
        try:
            self._db.conn.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the original error matters more
            log.warning("%s: rollback failed: %s", self.path, exc)

    # -- meta ---------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self._db.conn.execute("SELECT * FROM meta")}

    def set_meta(self, conn: sqlite3.Connection, values: dict[str, object]) -> None:
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value="
            "excluded.value",
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()],
        )

    @property
    def generation(self) -> int:
        row = self._db.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0
