"""The catalog's schema, and the in-place upgrades of catalogs written by older versions.

Schema 1 → 2: articles gain ``version``, ``modified_at`` and ``valid_from`` (every article is
version 1). Schema 2 → 3: ``feed_entries`` is keyed by (feed, entry) (an entry listed by two
feeds is followed in each), and older versions' kept passages move from their own full-text
table into ``chunks_fts`` (scored with the corpus's statistics; searches leave them out).
Schema 3 → 4: stories (``index.catalog.stories``); every stored article is grouped, by the
grouping the caller hands the upgrade (``index.stories.grouper.regroup_all``, through
``Catalog``): the catalog persists stories, it does not decide them.
Schema 4 → 5: ``cited_versions``, the versions a citation key was handed out for or resolved
to (version retention never drops them); a catalog of schema 4 kept no such record, so every
version it holds — the current ones and the older ones whose text is kept — counts as cited.
Schema 5 → 6: articles gain ``language`` (ISO 639-1), detected for those already stored
(``index.text.languages``), and the keyword index holds unspaced scripts (Chinese, Japanese,
Thai...) as character pairs (``fts_text``): rows holding such text are rewritten.
Schema 6 → 7: revalidation of recent entries' pages (#33): ``feeds`` gains ``revalidate`` (the
feed's own schedule; NULL: the setting's), ``revalidated_at`` and ``revalidation`` (what its last
revalidation found); ``feed_entries`` gains ``published_at`` (where an entry's schedule starts;
NULL in the rows it finds: their ``fetched_at`` stands in) and ``last_check``. Nothing is read
again for it: entries fetched within the schedule's reach are simply checked when due.
Schema 7 → 8: watchlists (#33): ``watchlists`` (a query or a story followed, with its matching
cursor and read cursor), ``watch_items`` (what new articles it matched, one per article version)
and ``watch_deliveries`` (each item's webhook state); new tables only, nothing read again.
Each upgrade is a numbered step (``MIGRATIONS``) run when the stored schema is older than its
number, and recorded in ``schema_steps`` (its number, what it did, when); each step checks the
shape it changes, so a step met twice does nothing. An upgrade runs under the write lock and
re-reads what it needs there: two processes opening one old catalog at once upgrade it once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger(__name__)

SCHEMA_VERSION = 9  # 2: article versions; 3: entries per feed, one full-text table (#18);
# 4: stories (#20); 5: cited versions, kept by the version retention (#28); 6: languages (#32);
# 7: entries' pages re-validated after publication (#33); 8: watchlists (#33); 9: passages
# without a vector yet (an empty embedding, NEWSRAG_EMBED=leads; #34)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schema_steps (
    version INTEGER PRIMARY KEY,
    did TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT,
    title TEXT NOT NULL,
    title_is_fallback INTEGER NOT NULL DEFAULT 0,
    source TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    published_at TEXT,
    section TEXT,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    copy_of TEXT REFERENCES articles(id),
    origin TEXT,
    ingested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT,
    valid_from TEXT,
    language TEXT
);
CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash);
CREATE INDEX IF NOT EXISTS articles_copy_of ON articles(copy_of);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles(published_at);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id),
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL,
    embed_hash TEXT NOT NULL,
    embedding BLOB NOT NULL,
    UNIQUE (article_id, ordinal)
);
CREATE INDEX IF NOT EXISTS chunks_embed_hash ON chunks(embed_hash);
-- passages whose vector ``newsrag embed`` has still to compute (their embedding is empty)
CREATE INDEX IF NOT EXISTS chunks_awaiting_vectors ON chunks(id) WHERE length(embedding) = 0;
-- full text of the searched chunks and of older versions' kept passages (rowid = their id;
-- one table, so both are scored with the same corpus statistics)
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS article_versions (
    article_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    source TEXT,
    published_at TEXT,
    modified_at TEXT,
    text TEXT,
    text_hash TEXT NOT NULL,
    chars INTEGER NOT NULL,
    origin TEXT,
    valid_from TEXT,
    seen_at TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
);
CREATE TABLE IF NOT EXISTS version_chunks (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL,
    embed_hash TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS version_chunks_version ON version_chunks(article_id, version);
-- the versions a citation key was handed out for (a search hit, an answer's citation, a
-- timeline's key sentence) or resolved to: NEWSRAG_KEEP_VERSIONS never drops their text
CREATE TABLE IF NOT EXISTS cited_versions (
    article_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    cited_at TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deleted_articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    versions INTEGER NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feed_entries (
    url TEXT NOT NULL,
    feed_url TEXT NOT NULL,
    updated TEXT,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT NOT NULL,
    page_read INTEGER NOT NULL DEFAULT 0,
    published_at TEXT,
    last_check TEXT,
    PRIMARY KEY (feed_url, url)
);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    source TEXT,
    every_s INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_fetch_at TEXT,
    last_status TEXT,
    last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT,
    revalidate TEXT,
    revalidated_at TEXT,
    revalidation TEXT
);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    founder TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    articles INTEGER NOT NULL
);
-- one row per article that owns searched passages: its story and what it was grouped by
CREATE TABLE IF NOT EXISTS story_articles (
    article_id TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    day TEXT NOT NULL,
    centroid BLOB NOT NULL,
    entities TEXT NOT NULL DEFAULT '[]',
    key_start INTEGER,
    key_end INTEGER,
    linked_to TEXT,
    score REAL
);
CREATE INDEX IF NOT EXISTS story_articles_story ON story_articles(story_id, day);
CREATE INDEX IF NOT EXISTS story_articles_day ON story_articles(day);
-- watchlists (#33): a query or a story followed; matched_through is the highest chunk id already
-- matched, advanced in the transaction that writes the items it produced
CREATE TABLE IF NOT EXISTS watchlists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    query TEXT,
    story_id TEXT,
    created_at TEXT NOT NULL,
    matched_through INTEGER NOT NULL DEFAULT 0,
    read_through INTEGER NOT NULL DEFAULT 0,
    matched_at TEXT,
    webhook_url TEXT,
    webhook_secret TEXT
);
CREATE TABLE IF NOT EXISTS watch_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    watchlist_id INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    citation TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT,
    published_at TEXT,
    url TEXT,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    quote TEXT NOT NULL,
    quote_start INTEGER NOT NULL,
    quote_end INTEGER NOT NULL,
    score REAL,
    matched_at TEXT NOT NULL,
    UNIQUE (watchlist_id, article_id, version)
);
-- one row per item of a watchlist with a webhook: pending, sending, retry, sent, failed
-- (given up) or interrupted (killed while sending: never sent again, at most once)
CREATE TABLE IF NOT EXISTS watch_deliveries (
    item_id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at TEXT,
    last_error TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS watch_deliveries_state ON watch_deliveries(state, next_try_at);
"""

ADDED_COLUMNS = {  # schema 1 -> 2: columns a catalog made before versions lacks
    "version": "INTEGER NOT NULL DEFAULT 1",
    "modified_at": "TEXT",
    "valid_from": "TEXT",
}
ENTRY_COLUMNS = "url, feed_url, updated, etag, last_modified, fetched_at, page_read"
REVALIDATION_COLUMNS = {  # schema 6 -> 7: (table, column) -> its type
    ("feeds", "revalidate"): "TEXT",
    ("feeds", "revalidated_at"): "TEXT",
    ("feeds", "revalidation"): "TEXT",
    ("feed_entries", "published_at"): "TEXT",
    ("feed_entries", "last_check"): "TEXT",
}


GroupAll = Callable[[sqlite3.Connection], object]  # every stored article into stories


def upgrade(conn: sqlite3.Connection, group_all: GroupAll) -> None:
    """Bring an older catalog to ``SCHEMA_VERSION`` in place (nothing when it is current);
    ``group_all`` groups the stored articles into stories, inside the upgrade's transaction."""
    if _stored_version(conn) < SCHEMA_VERSION:
        _upgrade_under_lock(conn, group_all)
    conn.execute("CREATE INDEX IF NOT EXISTS articles_version ON articles(version)")
    conn.execute("CREATE INDEX IF NOT EXISTS articles_language ON articles(language)")


def _upgrade_under_lock(conn: sqlite3.Connection, group_all: GroupAll) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        stored = _stored_version(conn)  # again, under the lock: another process may have done it
        for version, did, step in MIGRATIONS:
            if version > stored:
                step(conn, group_all)
                _record(conn, version, did)
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    log.info("catalog upgraded to schema %d", SCHEMA_VERSION)


def _record(conn: sqlite3.Connection, version: int, did: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    conn.execute(
        "INSERT OR REPLACE INTO schema_steps(version, did, applied_at) VALUES (?, ?, ?)",
        (version, did, stamp),
    )
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
    log.info("catalog schema step %d: %s", version, did)


def _stored_version(conn: sqlite3.Connection) -> int:
    """The schema the catalog was written with (a catalog without articles yet: the current)."""
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else SCHEMA_VERSION


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (name,)).fetchone()
    return row is not None


def _entry_key(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("PRAGMA table_info(feed_entries)").fetchall()
    return [row[1] for row in sorted(rows, key=lambda row: row[5]) if row[5]]


def _add_version_columns(conn: sqlite3.Connection, _: GroupAll) -> None:
    have = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    for name, kind in ADDED_COLUMNS.items():
        if name not in have:
            conn.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")


def _feeds_and_full_text(conn: sqlite3.Connection, _: GroupAll) -> None:
    _key_entries_by_feed(conn)
    _merge_version_fts(conn)


def _group_stories(conn: sqlite3.Connection, group_all: GroupAll) -> None:
    log.info("grouping the stored articles into stories")
    group_all(conn)


def _key_entries_by_feed(conn: sqlite3.Connection) -> None:
    if _entry_key(conn) == ["feed_url", "url"]:
        return
    conn.execute("ALTER TABLE feed_entries RENAME TO feed_entries_by_url")
    script = SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS feed_entries") :]
    conn.execute(script[: script.index(";")])
    conn.execute(
        f"INSERT INTO feed_entries({ENTRY_COLUMNS}) SELECT {ENTRY_COLUMNS} FROM feed_entries_by_url"
    )
    conn.execute("DROP TABLE feed_entries_by_url")


def _merge_version_fts(conn: sqlite3.Connection) -> None:
    if not _has_table(conn, "version_chunks_fts"):
        return
    conn.execute(
        "INSERT INTO chunks_fts(rowid, title, text) SELECT rowid, title, text FROM "
        "version_chunks_fts"
    )
    conn.execute("DROP TABLE version_chunks_fts")


def _cite_every_version(conn: sqlite3.Connection, _: GroupAll) -> None:
    """A catalog from before the record of cited versions: any of its versions may have had a
    key handed out, so each one still holding its text counts as cited (none is ever pruned)."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    conn.execute(
        "INSERT OR IGNORE INTO cited_versions(article_id, version, cited_at) "
        "SELECT id, version, ? FROM articles",
        (stamp,),
    )
    conn.execute(
        "INSERT OR IGNORE INTO cited_versions(article_id, version, cited_at) "
        "SELECT article_id, version, ? FROM article_versions WHERE text IS NOT NULL",
        (stamp,),
    )


def _languages(conn: sqlite3.Connection, _: GroupAll) -> None:
    """Each stored article's language, and the keyword rows of unspaced scripts as pairs."""
    from index.text.languages import detect_language

    if "language" not in {row[1] for row in conn.execute("PRAGMA table_info(articles)")}:
        conn.execute("ALTER TABLE articles ADD COLUMN language TEXT")
    rows = conn.execute("SELECT id, title, text FROM articles WHERE language IS NULL").fetchall()
    conn.executemany(
        "UPDATE articles SET language=? WHERE id=?",
        [(detect_language(f"{title}\n{text}"), aid) for aid, title, text in rows],
    )
    conn.execute(
        "UPDATE chunks_fts SET title=fts_text(title), text=fts_text(text) "
        "WHERE text <> fts_text(text) OR title <> fts_text(title)"
    )


def _revalidation(conn: sqlite3.Connection, _: GroupAll) -> None:
    """The columns revalidation keeps, added where they are missing."""
    for (table, name), kind in REVALIDATION_COLUMNS.items():
        if name not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _watchlists(conn: sqlite3.Connection, _: GroupAll) -> None:
    """The watchlist tables, made where they are missing (a writable open made them already)."""
    script = SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS watchlists") :]
    for statement in filter(str.strip, script.split(";")):
        conn.execute(statement)


def _awaiting_vectors(conn: sqlite3.Connection, _: GroupAll) -> None:
    """The index of passages without a vector (none yet in a catalog of schema 8)."""
    conn.execute(
        "CREATE INDEX IF NOT EXISTS chunks_awaiting_vectors ON chunks(id) "
        "WHERE length(embedding) = 0"
    )


Step = Callable[[sqlite3.Connection, GroupAll], None]  # a step may need the stories grouped
MIGRATIONS: tuple[tuple[int, str, Step], ...] = (  # (the schema it brings, what it does, how)
    (2, "article versions: version, modified_at, valid_from", _add_version_columns),
    (3, "feed entries keyed by feed; one full-text table", _feeds_and_full_text),
    (4, "stories: every stored article grouped", _group_stories),
    (5, "cited versions: every kept version counts as cited", _cite_every_version),
    (6, "languages: detected per article; unspaced scripts indexed as pairs", _languages),
    (7, "revalidation: feeds' schedules and results, entries' schedule starts", _revalidation),
    (8, "watchlists: followed queries and stories, items, webhook deliveries", _watchlists),
    (9, "late vectors: passages may wait for theirs (an empty embedding)", _awaiting_vectors),
)
assert MIGRATIONS[-1][0] == SCHEMA_VERSION, "the last step brings SCHEMA_VERSION"
