"""A JSON object with common field aliases (case-insensitive keys) to an Article."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from index.loaders.authors import parse_authors
from index.loaders.build import Draft, Origin, build_article
from index.loaders.dates import normalize_date
from index.loaders.ids import clean_id
from index.records import Article, IngestStatus, LoadProblem
from index.text.languages import language_code

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "guid", "uuid", "doc_id"),
    "title": ("title", "headline", "name"),
    "text": ("text", "body", "content", "article", "maintext", "article_text", "full_text"),
    "url": ("url", "link", "canonical_url", "href"),
    "source": ("source", "outlet", "publisher", "site_name", "sitename", "domain"),
    "published_at": (
        "published_at",
        "date",
        "published",
        "pubdate",
        "publish_date",
        "datepublished",
        "date_publish",
        "publication_date",
        "time",
        "timestamp",
    ),
    "modified_at": (
        "modified_at",
        "updated_at",
        "date_modified",
        "datemodified",
        "modified",
        "last_modified",
        "lastmod",
        "updated",
    ),
    "authors": ("authors", "author", "byline", "creator"),
    "section": ("section", "category", "topic"),
    "language": ("language", "lang", "inlanguage", "locale"),
}


def record_to_article(record: Mapping[str, Any], origin: Origin) -> Article | LoadProblem:
    fields = _lower_keys(record)
    text = _text_field(fields, origin.where)
    if isinstance(text, LoadProblem):
        return text
    return build_article(with_fields(Draft(text=text), fields), origin)


def with_fields(draft: Draft, record: Mapping[str, Any]) -> Draft:
    """``draft`` with every metadata field ``record`` gives (by the aliases above); a field the
    record lacks keeps the draft's value."""
    fields = _lower_keys(record)
    found: dict[str, Any] = {
        "title": _string(_first(fields, "title")),
        "own_id": clean_id(_first(fields, "id")),
        "url": _string(_first(fields, "url")),
        "source": _string(_named(_first(fields, "source"))),
        "authors": parse_authors(_first(fields, "authors")),
        "published_at": normalize_date(_first(fields, "published_at")),
        "modified_at": normalize_date(_first(fields, "modified_at")),
        "section": _string(_first_item(_first(fields, "section"))),
        "language": language_code(_first(fields, "language")),
    }
    return replace(draft, **{k: v for k, v in found.items() if v})


def _lower_keys(record: Mapping[str, Any]) -> dict[str, Any]:
    lowered: dict[str, Any] = {}
    for key, value in record.items():
        lowered.setdefault(str(key).lower(), value)
    return lowered


def _first(fields: Mapping[str, Any], name: str) -> Any:
    """The first alias of ``name`` with a value that is not None or blank."""
    for alias in ALIASES[name]:
        value = fields.get(alias)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


def _text_field(fields: Mapping[str, Any], where: str) -> str | LoadProblem:
    present = [alias for alias in ALIASES["text"] if alias in fields]
    for alias in present:
        value = fields[alias]
        if isinstance(value, str) and value.strip():
            return value
    if not present:
        expected = ", ".join(ALIASES["text"])
        return LoadProblem(where, f"no article text (expected one of: {expected})", field="text")
    value = fields[present[0]]
    if isinstance(value, str) or value is None:
        return LoadProblem(where, "empty text", field="text", status=IngestStatus.SKIPPED)
    kind = type(value).__name__
    return LoadProblem(where, f"text must be a string, got {kind}", field="text")


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _named(value: Any) -> Any:
    return value.get("name") if isinstance(value, Mapping) else value


def _first_item(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value
