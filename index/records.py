"""Records that cross module lines: Article, Chunk, SearchHit, LoadProblem.

Every character offset in this project refers to ``Article.text`` (Python str indices,
i.e. Unicode code points), so ``article.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from index.citation_keys import citation_key
from index.text.hashing import sha256_hex


@dataclass(frozen=True)
class Article:
    """One news article, normalised. ``text`` is what every offset refers to."""

    id: str
    text: str
    title: str
    url: str | None = None
    source: str | None = None
    authors: tuple[str, ...] = ()
    published_at: str | None = None  # ISO date "YYYY-MM-DD" (or full ISO datetime)
    section: str | None = None
    title_is_fallback: bool = False  # title was derived from the first sentence
    origin: str = ""  # where it came from: "path" or "path:line"
    modified_at: str | None = None  # when the source says it last updated it (not published_at)
    language: str | None = None  # ISO 639-1, given by the source or detected; None: unknown

    @property
    def text_hash(self) -> str:
        """Identity of the body: equal for exact duplicates under other ids."""
        return sha256_hex(self.text)

    @property
    def content_hash(self) -> str:
        """Identity of everything that is embedded (title prefix + body)."""
        return sha256_hex(self.title + "\x00" + self.text)


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``article.text[start:end] == text``."""

    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    n_tokens: int = 0  # tokens of the embedded input (title prefix included, specials included)
    id: int | None = None  # integer id, also the FAISS id; assigned by the store


@dataclass(frozen=True)
class ArticleMeta:
    """Article metadata without the body, as attached to search hits."""

    id: str
    title: str
    url: str | None
    source: str | None
    authors: tuple[str, ...]
    published_at: str | None
    section: str | None
    title_is_fallback: bool = False
    copies: tuple[str, ...] = ()  # ids recorded as exact copies of this article
    modified_at: str | None = None  # the source's own "updated" date of this version
    version: int = 1  # the version these fields (and a hit's passage) belong to
    versions: int = 1  # the article's versions so far: version < versions is an older one
    language: str | None = None  # ISO 639-1 (index.text.languages); None: not told

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.id,
            "title": self.title,
            "title_is_fallback": self.title_is_fallback,
            "source": self.source,
            "published_at": self.published_at,
            "modified_at": self.modified_at,
            "version": self.version,
            "versions": self.versions,
            "url": self.url,
            "authors": list(self.authors),
            "section": self.section,
            "copies": list(self.copies),
            "language": self.language,
        }


@dataclass(frozen=True)
class StoredArticle:
    """An article as the catalog holds it: metadata, the primary it copies (if it is a copy),
    its size in characters and passages, and its text when one article was asked for."""

    meta: ArticleMeta
    copy_of: str | None
    chars: int
    chunks: int
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A library row (``GET /api/articles``, ``newsrag articles --json``); with the text
        and all metadata when one article was read (``GET /api/articles/{id}``)."""
        m = self.meta
        if self.text is not None:
            return {
                **m.to_dict(),
                "copy_of": self.copy_of,
                "chars": self.chars,
                "chunks": self.chunks,
                "text": self.text,
            }
        return {
            "article_id": m.id,
            "title": m.title,
            "source": m.source,
            "published_at": m.published_at,
            "url": m.url,
            "authors": list(m.authors),
            "section": m.section,
            "copy_of": self.copy_of,
            "chars": self.chars,
            "chunks": self.chunks,
            "modified_at": m.modified_at,
            "version": m.version,
            "language": m.language,
        }


@dataclass(frozen=True)
class FeedSource:
    """A feed or sitemap followed, and where its fetching stands (kept in the catalog, so a
    restart resumes where it stopped)."""

    url: str
    source: str | None  # the outlet its articles are filed under (None: from each page)
    every_s: int  # how often it is due
    added_at: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetch_at: str | None = None
    last_status: str | None = None  # ok, not_modified, or why it failed (a FetchError kind)
    last_error: str | None = None
    failures: int = 0  # in a row: the back-off grows with them
    next_try_at: str | None = None
    revalidate: str | None = None  # when its entries' pages are read again after publication
    # ("1h,6h,1d", "off"); None: NEWSRAG_FETCH_REVALIDATE (index.feeds.schedule)
    revalidated_at: str | None = None  # the last pass that re-validated some of its pages
    revalidation: str | None = None  # what it found: "3 checked: 1 changed, 2 unchanged, ..."

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EntryState:
    """What was last seen of one feed entry: its date in the feed and its page's validators
    (a changed date means a changed article: its page is fetched again, conditionally)."""

    url: str
    feed_url: str
    updated: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str
    page_read: bool = False  # False: the page could not be read; it is tried again next pass
    published_at: str | None = None  # where its revalidation schedule starts (UTC): when it
    # was published, else first seen (None in rows from before schema 7: its fetched_at)
    last_check: str | None = None  # its last revalidation: unchanged, changed, failed: why


@dataclass
class SearchHit:
    """A retrieved passage with its article and scores."""

    rank: int
    chunk_id: int
    article: ArticleMeta
    start: int
    end: int
    text: str
    score: float
    scores: dict[str, float] = field(default_factory=dict)  # dense, keyword, fused, rerank

    @property
    def citation(self) -> str:
        return citation_key(self.article.id, self.start, self.end, self.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "scores": {k: round(v, 6) for k, v in self.scores.items()},
            "citation": self.citation,
            "chunk_id": self.chunk_id,
            **self.article.to_dict(),
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


class IngestStatus(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    COPY = "copy"  # exact duplicate of another article, recorded as its copy
    SKIPPED = "skipped"  # nothing to index (e.g. empty text)
    FAILED = "failed"


@dataclass(frozen=True)
class LoadProblem:
    """A piece of input that could not be turned into an Article.

    ``where`` names the file and, when it applies, the line (``path:line``);
    ``field`` names the offending field when one is to blame.
    """

    where: str
    message: str
    field: str | None = None
    status: IngestStatus = IngestStatus.FAILED

    def __str__(self) -> str:
        at = f" (field {self.field!r})" if self.field else ""
        return f"{self.where}: {self.message}{at}"


@dataclass(frozen=True)
class ArticleVersion:
    """One version of an article's text: the current one or one kept after a correction.

    ``valid_from`` is when it became the article's text (the source's update date when it gave
    one, else when newsrag saw it; None for the first version: since publication);
    ``superseded_at`` when the next version replaced it (None: current). ``removed``: its text
    and passages were dropped by the retention setting (only its dates and hash remain)."""

    article_id: str
    version: int
    title: str
    published_at: str | None
    modified_at: str | None
    valid_from: str | None
    seen_at: str
    superseded_at: str | None
    chars: int
    text_hash: str
    removed: bool = False

    @property
    def current(self) -> bool:
        return self.superseded_at is None

    def to_dict(self) -> dict[str, Any]:
        """One row of ``GET /api/articles/{id}/versions`` and ``newsrag versions --json``."""
        return {
            "version": self.version,
            "current": self.current,
            "title": self.title,
            "published_at": self.published_at,
            "modified_at": self.modified_at,
            "valid_from": self.valid_from,
            "seen_at": self.seen_at,
            "superseded_at": self.superseded_at,
            "chars": self.chars,
            "text_hash": self.text_hash,
            "removed": self.removed,
        }


@dataclass(frozen=True)
class DeletedArticle:
    """What is left of a deleted article: enough to say so to a citation that names it."""

    id: str
    title: str
    versions: int
    deleted_at: str


@dataclass(frozen=True)
class StoryMember:
    """An article of a story: its metadata, its day, its key sentence's span and which earlier
    article it joined the story through (None: it started the story)."""

    meta: ArticleMeta
    day: str | None  # its publication day; None: undated (never shown as its ingest day)
    key: tuple[int, int] | None
    text: str = field(repr=False, default="")
    linked_to: str | None = None
    score: float | None = None  # its similarity to ``linked_to``


@dataclass(frozen=True)
class Story:
    """Articles about one unfolding event, grouped at ingest (``index.stories.grouping``);
    ``members`` oldest first, empty in a list of stories."""

    id: str
    title: str  # the title of the article that started it
    first_day: str | None  # its first and last publication days; None: no article is dated
    last_day: str | None
    articles: int
    sources: tuple[str, ...] = ()
    members: tuple[StoryMember, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.id,
            "title": self.title,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "articles": self.articles,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Watchlist:
    """A query or a story a user follows (issue #33): new articles that match it become its
    items. ``matched_through`` is its cursor: the highest passage (chunk) id already matched,
    advanced in the same transaction as the items it produced; ``read_through`` the highest
    item id read. The webhook's secret is kept for signing, never shown."""

    id: int
    name: str
    query: str | None  # a query watchlist, or
    story_id: str | None  # a story watchlist
    created_at: str
    matched_through: int = 0
    read_through: int = 0
    matched_at: str | None = None  # its last matching run that found something new
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    items: int = 0
    unread: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)  # state -> items (webhook)
    last_delivery_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Its fields, without the secret; the webhook as its origin only (a webhook URL's
        path is often a secret too)."""
        out = asdict(self)
        del out["webhook_secret"]
        out["kind"] = "story" if self.story_id else "query"
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            out["webhook_url"] = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"
        return out


@dataclass(frozen=True)
class WatchItem:
    """A new article a watchlist matched: its version, the passage's citation key (as search
    hits carry it) and the sentence quoted from it, at ``quote_start``-``quote_end`` of the
    article's text. ``delivery`` is its webhook state (None: no webhook)."""

    watchlist_id: int
    article_id: str
    version: int
    citation: str
    title: str
    source: str | None
    published_at: str | None
    url: str | None
    start: int  # the passage in the article
    end: int
    quote: str
    quote_start: int
    quote_end: int
    score: float | None = None  # the hit's fused score (None: matched by story)
    id: int = 0
    matched_at: str = ""
    delivery: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
