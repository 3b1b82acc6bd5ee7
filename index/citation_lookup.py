"""Resolve a citation key to its exact passage, with article metadata and context around it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from index.citation_keys import CitationKey, citation_key
from index.records import ArticleMeta, ArticleVersion
from index.store import NewsIndex
from index.text.passage_diff import DiffPart, map_span, word_diff

DEFAULT_CONTEXT = 300


class UnknownArticle(LookupError):
    """The key names an article that is not (and never was) in the index."""


class DeletedArticleError(LookupError):
    """The key names an article that was deleted; the message says when."""


class StaleCitation(LookupError):
    """No version of the article holds the cited passage (a key never made by this index, or
    a version whose text the retention setting dropped)."""


@dataclass(frozen=True)
class UpdateNote:
    """A citation to an older version: which one, since when the article reads otherwise, where
    the passage stands now and what changed in it."""

    cited: ArticleVersion
    current: ArticleVersion
    current_citation: str | None  # the passage as it reads now (None: removed in the update)
    current_text: str | None
    diff: tuple[DiffPart, ...]
    changed_on: str = ""  # when the cited text stopped being the article's (the next version's
    # start: the source's update date, else when newsrag saw it)

    def when_updated(self) -> str:
        """The note's "updated on DAY", and how often since when later versions followed."""
        since = (self.current.valid_from or self.current.seen_at)[:10]
        first = self.changed_on[:10] or since
        more = self.current.version - self.cited.version - 1
        if more <= 0:
            return f"updated on {first}"
        times = "time" if more == 1 else "times"
        return f"updated on {first} and {more} more {times} since, last on {since}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed_on": self.changed_on,
            "cited_version": self.cited.version,
            "cited_valid_from": self.cited.valid_from,
            "cited_seen_at": self.cited.seen_at,
            "superseded_at": self.cited.superseded_at,
            "current_version": self.current.version,
            "current_valid_from": self.current.valid_from,
            "current_modified_at": self.current.modified_at,
            "current_citation": self.current_citation,
            "current_text": self.current_text,
            "diff": [part.to_dict() for part in self.diff],
        }


@dataclass(frozen=True)
class ResolvedCitation:
    key: str
    article: ArticleMeta
    start: int
    end: int
    text: str
    before: str
    after: str
    article_chars: int
    article_text: str = field(repr=False, default="")  # the cited version's text, for rendering
    updated: UpdateNote | None = None  # set when the key was made against an older version

    def to_dict(self) -> dict[str, Any]:
        """What ``newsrag cite --json`` and ``GET /api/citations/{key}`` return."""
        return {
            "citation": self.key,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "article": self.article.to_dict(),
            "article_chars": self.article_chars,
            "updated_since": self.updated.to_dict() if self.updated else None,
        }


def missing_article(index: NewsIndex, article_id: str) -> LookupError:
    """Why ``article_id`` is not in the index: deleted (saying when), or never was."""
    gone = index.catalog.versions.deleted(article_id)
    if gone is None:
        return UnknownArticle(f"no article {article_id!r} in the index")
    return DeletedArticleError(
        f"article {article_id!r} ({gone.title!r}) was deleted from the index on "
        f"{gone.deleted_at[:10]}; its passages can no longer be shown"
    )


def lookup_citation(index: NewsIndex, key: str, context: int = DEFAULT_CONTEXT) -> ResolvedCitation:
    """The cited passage in the version of the article that holds it. Raise MalformedCitation
    (bad key), UnknownArticle, DeletedArticleError or StaleCitation with the reason."""
    parsed = CitationKey.parse(key)
    catalog = index.catalog
    stored = catalog.articles.article(parsed.article_id)
    if stored is None or stored.text is None:
        raise missing_article(index, parsed.article_id)
    context = max(0, min(context, 5000))
    if parsed.matches(stored.text):
        resolved = _resolved(parsed, stored.meta, stored.text, context)
    else:
        resolved = _older(index, parsed, stored.meta, stored.text, context)
    index.note_cited(_named(resolved))
    return resolved


def _named(resolved: ResolvedCitation) -> list[tuple[str, int]]:
    """The versions a resolved key names: the one holding its passage, and the current one
    when the update note hands out the passage as it reads now."""
    article = resolved.article
    named = [(article.id, article.version)]
    note = resolved.updated
    if note is not None and note.current_citation is not None:
        named.append((article.id, note.current.version))
    return named


def _older(
    index: NewsIndex, parsed: CitationKey, current: ArticleMeta, text: str, context: int
) -> ResolvedCitation:
    """The newest kept version that holds the passage, with its update note."""
    removed = False
    for version, old_text in index.catalog.versions.version_texts(parsed.article_id):
        if old_text is None:
            removed = True
            continue
        if not parsed.matches(old_text):
            continue
        history = {v.version: v for v in index.catalog.versions.history(parsed.article_id)}
        cited = history[version]
        meta = replace(
            current,
            title=cited.title,
            published_at=cited.published_at,
            modified_at=cited.modified_at,
            version=version,
        )
        resolved = _resolved(parsed, meta, old_text, context)
        note = _note(parsed, cited, history[current.version], old_text, text)
        after = history.get(version + 1)
        changed = (after and (after.valid_from or after.seen_at)) or cited.superseded_at or ""
        return replace(resolved, updated=replace(note, changed_on=changed))
    gone = index.catalog.versions.deleted(parsed.article_id)
    if gone is not None:
        raise DeletedArticleError(
            f"article {parsed.article_id!r} was deleted from the index on "
            f"{gone.deleted_at[:10]} and added again since; this key was made against the "
            "deleted text, whose passages can no longer be shown"
        )
    why = (
        "; older versions' texts were dropped by the retention setting (NEWSRAG_KEEP_VERSIONS)"
        if removed
        else ""
    )
    raise StaleCitation(
        f"no version of article {parsed.article_id!r} holds characters "
        f"{parsed.start}-{parsed.end} with this hash: the key was not made by this index{why}"
    )


def _note(
    parsed: CitationKey, cited: ArticleVersion, current: ArticleVersion, old: str, new: str
) -> UpdateNote:
    span = map_span(old, new, parsed.start, parsed.end)
    passage = old[parsed.start : parsed.end]
    if span is None:
        return UpdateNote(cited, current, None, None, tuple(word_diff(passage, "")))
    now = new[span[0] : span[1]]
    key = citation_key(parsed.article_id, span[0], span[1], now)
    return UpdateNote(cited, current, key, now, tuple(word_diff(passage, now)))


def _resolved(parsed: CitationKey, meta: ArticleMeta, text: str, context: int) -> ResolvedCitation:
    return ResolvedCitation(
        key=str(parsed),
        article=meta,
        start=parsed.start,
        end=parsed.end,
        text=text[parsed.start : parsed.end],
        before=text[max(0, parsed.start - context) : parsed.start],
        after=text[parsed.end : parsed.end + context],
        article_chars=len(text),
        article_text=text,
    )
