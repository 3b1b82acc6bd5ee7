"""Search filters (source, language, date range, as-of) turned into SQL run before the top-k cut."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


class FilterError(ValueError):
    """A filter value is invalid; the message names the field."""


@dataclass(frozen=True)
class SearchFilters:
    sources: tuple[str, ...] = ()
    since: str | None = None  # inclusive ISO date
    until: str | None = None  # inclusive ISO date
    as_of: str | None = None  # favour articles published shortly before this date
    strict: bool = False  # with as_of: never return articles published after it
    # only these articles (or the primaries they are copies of); None: any, (): none. The
    # Python API's and ``newsrag eval --within-field``'s, e.g. a question's own search results
    articles: tuple[str, ...] | None = None
    languages: tuple[str, ...] = ()  # ISO 639-1 codes of the articles' detected languages

    @classmethod
    def build(
        cls,
        sources: str | Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
        strict: bool = False,
        articles: Iterable[str] | None = None,
        languages: str | Iterable[str] | None = None,
    ) -> SearchFilters:
        names = _names(sources)
        within = None if articles is None else tuple(sorted({str(a) for a in articles}))
        dates = _iso("since", since), _iso("until", until), _iso("as_of", as_of)
        return cls(names, *dates, bool(strict), within, _codes(languages))

    @property
    def active(self) -> bool:
        """True when the filters restrict which chunks may be returned."""
        return bool(
            self.sources
            or self.languages
            or self.since
            or self.until
            or (self.as_of and self.strict)
            or self.articles is not None
        )

    def describe(self) -> str:
        """The filters in plain words, for a reason shown to people."""
        parts = []
        if self.sources:
            parts.append("outlet " + " or ".join(self.sources))
        if self.languages:
            parts.append("in " + " or ".join(self.languages))
        if self.since:
            parts.append(f"published on or after {self.since}")
        if self.until:
            parts.append(f"published on or before {self.until}")
        if self.as_of and self.strict:
            parts.append(f"published by {self.as_of}")
        if self.articles is not None:
            parts.append(f"among {len(self.articles)} given articles")
        return ", ".join(parts)

    def singles(self) -> list[SearchFilters]:
        """Each active filter on its own (to find which one leaves nothing to read)."""
        out: list[SearchFilters] = []
        if self.sources:
            out.append(SearchFilters(sources=self.sources))
        if self.languages:
            out.append(SearchFilters(languages=self.languages))
        if self.since:
            out.append(SearchFilters(since=self.since))
        if self.until:
            out.append(SearchFilters(until=self.until))
        if self.as_of and self.strict:
            out.append(SearchFilters(as_of=self.as_of, strict=True))
        if self.articles is not None:
            out.append(SearchFilters(articles=self.articles))
        return out

    def where(self, alias: str = "a") -> tuple[str, list[object]]:
        """A SQL condition over the articles table ``alias`` and its parameters."""
        clauses: list[str] = []
        params: list[object] = []
        if self.sources:
            clauses.append(f"lower({alias}.source) IN ({','.join('?' * len(self.sources))})")
            params += self.sources
        if self.languages:
            own = f"{alias}.{'article_id' if alias == 'v' else 'id'}"  # v: article_versions
            marks = ",".join("?" * len(self.languages))
            clauses.append(f"{own} IN (SELECT id FROM articles WHERE language IN ({marks}))")
            params += self.languages
        if self.since:
            clauses.append(f"{alias}.published_at >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"substr({alias}.published_at, 1, 10) <= ?")
            params.append(self.until)
        if self.as_of and self.strict:
            clauses.append(
                f"({alias}.published_at IS NULL OR substr({alias}.published_at, 1, 10) <= ?)"
            )
            params.append(self.as_of)
        if self.articles is not None:
            own = f"{alias}.{'article_id' if alias == 'v' else 'id'}"  # v: article_versions
            clauses.append(
                f"({own} IN (SELECT value FROM json_each(?)) OR {own} IN (SELECT copy_of FROM "
                "articles WHERE copy_of IS NOT NULL AND id IN (SELECT value FROM json_each(?))))"
            )
            params += [json.dumps(self.articles)] * 2
        return (" AND ".join(clauses) or "1"), params


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[a-z]{2}")


def _names(values: str | Iterable[str] | None) -> tuple[str, ...]:
    """Comma-separated or listed values, trimmed, lower-cased, sorted, without repeats."""
    if isinstance(values, str):
        values = values.split(",")
    return tuple(sorted({str(v).strip().lower() for v in values or () if str(v).strip()}))


def _codes(values: str | Iterable[str] | None) -> tuple[str, ...]:
    """Language codes, each exactly two letters (ISO 639-1: "en", "uk", "zh")."""
    codes = _names(values)
    for code in codes:
        if not _CODE.fullmatch(code):
            raise FilterError(f"lang: {code!r} is not an ISO 639-1 language code (e.g. en, uk)")
    return codes


def _iso(name: str, value: str | None) -> str | None:
    """A day, exactly ``YYYY-MM-DD`` (None: no filter). An empty string, a time of day or any
    other form is refused, not cut or read as no filter: the API's schema says a date."""
    if value is None:
        return None
    text = str(value)
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise FilterError(f"{name}: {value!r} is not an ISO date (YYYY-MM-DD)") from None
