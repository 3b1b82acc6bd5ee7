"""Pydantic models of every JSON request and response of the HTTP API (shown at ``/docs``).

The field names follow ``ui.payloads``, so ``newsrag ... --json`` and the API print the same
objects; the models only describe and validate them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant import ASK_K, DEFAULT_ASK_K, ENGINE_NAMES

# documented, not enforced here: a malformed date is the filters' 400 bad_filter, as in the CLI
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE: dict[str, Any] = {"pattern": DATE_PATTERN}

EngineName = Literal[ENGINE_NAMES]  # type: ignore[valid-type]  # the registry's names


class ErrorOut(BaseModel):
    error: str = Field(description="machine-readable name, e.g. bad_query, stale_citation")
    detail: Any = Field(description="human-readable reason (a list of problems for 422)")


class FeedsHealth(BaseModel):
    watching: bool = Field(description="serve --watch: feeds are fetched when due")
    followed: int
    failing: int = Field(description="feeds whose last fetch failed")
    passes: int = 0
    last_pass: str | None = None
    last_error: str | None = None


class VectorsHealth(BaseModel):
    awaiting: int = Field(description="passages still without a vector (found by their words)")
    filling: bool = Field(description="serve is giving them theirs while idle")
    filled: int = Field(0, description="passages this server gave a vector")
    last_error: str | None = None


class HealthOut(BaseModel):
    status: Literal["ok"]
    ready: bool = Field(description="false until the index holds at least one article")
    model: str
    articles: int
    chunks: int
    generation: int
    read_only: bool = Field(description="a replica (serve --read-only): it never writes")
    feeds: FeedsHealth
    vectors: VectorsHealth


class StatsOut(BaseModel):
    articles: int
    chunks: int
    awaiting_vectors: int = 0  # passages still without a vector (``newsrag embed``)
    copies: int
    model: str
    dim: int
    generation: int
    chunker: dict[str, Any] = {}
    sources: dict[str, int] = {}
    home: str
    bytes_on_disk: int


class ArticleMetaOut(BaseModel):
    article_id: str
    title: str
    title_is_fallback: bool = False
    source: str | None
    published_at: str | None
    url: str | None
    authors: list[str] = []
    section: str | None = None
    copies: list[str] = []
    modified_at: str | None = Field(None, description="the source's own last-updated date")
    version: int = Field(1, description="the version these fields and the passage belong to")
    versions: int = Field(1, description="versions so far: version < versions is an older one")
    language: str | None = Field(
        None, description="ISO 639-1 code, given by the source or detected at ingest"
    )


class HitOut(ArticleMetaOut):
    rank: int
    score: float
    scores: dict[str, float]
    citation: str = Field(description="stable passage key article_id:start-end:hash")
    chunk_id: int
    start: int
    end: int
    text: str


class SearchHitOut(HitOut):
    snippet: str = Field(description="plain text around the best match (never HTML)")
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) character offsets into snippet of the matched query terms"
    )


class SearchOut(BaseModel):
    query: str
    mode: str
    hits: list[SearchHitOut]


class DateMentionOut(BaseModel):
    start: int = Field(description="offsets in the quote")
    end: int
    phrase: str = Field(description="as written: 'on Monday', 'yesterday', 'last week'")
    date: str = Field(description="ISO day, week 'YYYY-MM-DD/YYYY-MM-DD', month or year")
    label: str = Field(description="what a reader is shown, e.g. '25 Nov 2024'")
    kind: str = Field("day", description="the rule: day, weekday, period, ago or month_day")


class QuoteNoteOut(BaseModel):
    kind: str = Field(description="'date' or 'speaker'")
    phrase: str = Field(description="the quote's own words the note explains: 'on Monday', 'He'")
    means: str = Field(description="what they mean: '25 Nov 2024', 'Sergei Lavrov'")
    why: str = Field(description="how it was inferred, shown as the note's tooltip")


class CitationOut(BaseModel):
    n: int
    citation: str
    article_id: str
    title: str
    source: str | None
    published_at: str | None
    url: str | None
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    outlet: str | None = Field(
        None,
        description="who published it first: a wire service 'AP (via USA Today)', else the site",
    )
    claim_by: str | None = Field(None, description="whose claim the quote reports, as written")
    dates: list[DateMentionOut] = Field(
        [], description="relative dates in the quote and the dates they mean (display only)"
    )
    notes: list[QuoteNoteOut] = Field(
        [], description="what is shown beside the quote, never inside it (dates, a speaker)"
    )
    language: str | None = Field(
        None, description="the article's language (ISO 639-1); the quote is in it, untranslated"
    )


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] = []
    languages: list[str] = Field(
        [], description="ISO 639-1 codes of the articles' languages (en, uk, zh...); any if empty"
    )
    since: str | None = Field(
        None, description="published on or after, YYYY-MM-DD", json_schema_extra=DATE
    )
    until: str | None = Field(
        None, description="published on or before, YYYY-MM-DD", json_schema_extra=DATE
    )
    strict: bool = Field(False, description="with as_of: never anything published after it")


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=10_000)
    history: list[Turn] = Field(default=[], max_length=50)
    filters: FiltersIn | None = None
    as_of: str | None = Field(
        None,
        description="favour articles published shortly before, YYYY-MM-DD",
        json_schema_extra=DATE,
    )
    k: int = Field(DEFAULT_ASK_K, ge=ASK_K[0], le=ASK_K[1], description="passages to read")
    engine: EngineName | None = None
    stream: bool = Field(False, description="answer as server-sent events")


class ShortAnswerOut(BaseModel):
    text: str = Field(description="the answer in a few words, verbatim from the cited article")
    type: str = Field(
        description="what the question asked for: person, organisation, place, number, "
        "amount, date, event_title"
    )
    citation: int = Field(description="the n of the citation whose quote holds it")
    start: int = Field(description="its offsets in the cited article")
    end: int


class AnswerOut(BaseModel):
    question: str
    answer: str = Field(description="the answer text with [n] markers")
    citations: list[CitationOut]
    abstained: bool
    reason: str | None
    rewritten_query: str | None
    engine: str
    unsupported: list[str]
    related: list[HitOut]
    timings: dict[str, float]
    short_answer: ShortAnswerOut | None = Field(
        None,
        description="the answer in a few words, leading `answer` (added by issue #29): null "
        "when none has a clear lead, for an abstention and for the llm engine",
    )


class DiffPartOut(BaseModel):
    op: Literal["equal", "delete", "insert"] = Field(
        description="delete: only in the cited version; insert: only in the current one"
    )
    text: str


class UpdateNoteOut(BaseModel):
    changed_on: str = Field(
        description="when the cited text stopped being the article's: the next version's start"
    )
    cited_version: int
    cited_valid_from: str | None = Field(description="null: since publication")
    cited_seen_at: str
    superseded_at: str | None
    current_version: int
    current_valid_from: str | None
    current_modified_at: str | None
    current_citation: str | None = Field(
        description="the passage as it reads now; null when the update removed it"
    )
    current_text: str | None
    diff: list[DiffPartOut] = Field(description="the cited passage → its current words")


class ResolvedCitationOut(BaseModel):
    citation: str
    text: str = Field(description="the cited passage, exactly as in the article")
    start: int
    end: int
    before: str
    after: str
    article: ArticleMetaOut
    article_chars: int
    updated_since: UpdateNoteOut | None = Field(
        None, description="set when the key was made against an older version of the article"
    )


class ArticleRowOut(BaseModel):
    article_id: str
    title: str
    source: str | None
    published_at: str | None
    url: str | None
    authors: list[str] = []
    section: str | None = None
    copy_of: str | None = None
    chars: int | None = None
    chunks: int | None = None
    modified_at: str | None = None
    version: int = 1
    language: str | None = Field(None, description="ISO 639-1 code, given or detected")


class ArticleListOut(BaseModel):
    total: int = Field(description="articles matching the filters")
    limit: int
    offset: int
    articles: list[ArticleRowOut]


class ArticleOut(ArticleRowOut):
    title_is_fallback: bool = False
    copies: list[str] = []
    versions: int = 1
    text: str


class ArticleVersionOut(BaseModel):
    version: int
    current: bool
    title: str
    published_at: str | None
    modified_at: str | None = Field(description="the source's own last-updated date, if given")
    valid_from: str | None = Field(
        description="when it became the article's text (null: since publication)"
    )
    seen_at: str = Field(description="when newsrag first stored this version")
    superseded_at: str | None
    chars: int
    text_hash: str
    removed: bool = Field(description="text and passages dropped by NEWSRAG_KEEP_VERSIONS")


class VersionsOut(BaseModel):
    article_id: str
    versions: list[ArticleVersionOut] = Field(description="oldest first, the current one last")


class ArticleIn(BaseModel):
    """One article; the loaders' aliases (headline, body, link, outlet, date...) also work."""

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(None, description="kept as the article id; else the url's hash")
    title: str | None = None
    text: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: str | None = None
    authors: list[str] | str | None = None
    section: str | None = None


class IngestedArticle(BaseModel):
    article_id: str
    title: str


class IngestOut(BaseModel):
    added: int
    updated: int
    unchanged: int
    copies: int
    skipped: int
    failed: int
    chunks: int
    embedded: int
    seconds: float
    problems: list[str]
    warnings: list[str] = Field(
        [],
        description="done, but worth a word: an id given twice with other content in this "
        "request (the later replaced the earlier); a vector cache that could not be saved "
        "(the catalog has the write; the cache is rebuilt from it)",
    )
    articles: list[IngestedArticle] = Field(description="the articles read from the input")


class DeleteOut(BaseModel):
    deleted: list[str]
    warnings: list[str] = []


class StoryOut(BaseModel):
    story_id: str
    title: str = Field(description="the title of the article that started the story")
    first_day: str | None = Field(description="its first publication day; null: none is dated")
    last_day: str | None = Field(description="its latest publication day; null: none is dated")
    articles: int
    sources: list[str]


class MatchedOut(BaseModel):
    article_id: str
    title: str
    citation: str = Field(description="the passage that matched the query")


class StoryMatchOut(StoryOut):
    rank: int = Field(description="rank of the story's best passage among the query's")
    matched: list[MatchedOut]


class StoriesOut(BaseModel):
    query: str | None
    stories: list[StoryMatchOut | StoryOut]


class TimelineEntryOut(BaseModel):
    day: str | None = Field(description="its publication day; null: undated (listed last)")
    article_id: str
    title: str
    source: str | None
    outlet: str | None
    published_at: str | None
    url: str | None
    copies: list[str]
    key_sentence: CitationOut | None = Field(
        description="the article's lead sentence, with a citation key /cite resolves"
    )
    linked_to: str | None = Field(description="the earlier article it joined the story through")


class TimelineOut(StoryOut):
    entries: list[TimelineEntryOut] = Field(description="oldest first")
