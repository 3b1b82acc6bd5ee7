"""Resolve a citation key to its exact passage, with article metadata and context around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.citation_keys import CitationKey
from index.records import ArticleMeta
from index.store import NewsIndex

DEFAULT_CONTEXT = 300


class UnknownArticle(LookupError):
    """The key names an article that is not (or no longer) in the index."""


class StaleCitation(LookupError):
    """The article changed: the characters at the key's offsets are not the cited passage."""


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
    article_text: str = field(repr=False, default="")  # the whole article, for rendering

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
        }


def lookup_citation(index: NewsIndex, key: str, context: int = DEFAULT_CONTEXT) -> ResolvedCitation:
    """Raise MalformedCitation (bad key), UnknownArticle or StaleCitation with the reason."""
    parsed = CitationKey.parse(key)
    stored = index.catalog.article(parsed.article_id)
    if stored is None or stored.text is None:
        raise UnknownArticle(f"no article {parsed.article_id!r} in the index")
    text = stored.text
    if not parsed.matches(text):
        raise StaleCitation(
            f"article {parsed.article_id!r} changed since this citation was made: characters "
            f"{parsed.start}-{parsed.end} no longer hold the cited passage"
        )
    context = max(0, min(context, 5000))
    return ResolvedCitation(
        key=str(parsed),
        article=stored.meta,
        start=parsed.start,
        end=parsed.end,
        text=text[parsed.start : parsed.end],
        before=text[max(0, parsed.start - context) : parsed.start],
        after=text[parsed.end : parsed.end + context],
        article_chars=len(text),
        article_text=text,
    )
