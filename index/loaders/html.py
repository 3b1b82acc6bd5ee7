"""HTML pages through trafilatura (local extraction only, never a fetch)."""

from __future__ import annotations

import logging
import re
from typing import Any

import trafilatura

from index.loaders.authors import parse_authors
from index.loaders.build import Draft, Origin, build_article
from index.loaders.dates import normalize_date
from index.loaders.normalize import one_line
from index.records import Article, LoadProblem

logger = logging.getLogger(__name__)

_MODIFIED_NAMES = (
    r"(?:article:modified_time|og:updated_time|datemodified|last-modified|dcterms\.modified)"
)
_MODIFIED = [
    re.compile(
        rf"<meta[^>]+(?:property|name|itemprop)\s*=\s*[\"']{_MODIFIED_NAMES}[\"'][^>]*?"
        r"content\s*=\s*[\"']([^\"']+)",
        re.IGNORECASE,
    ),
    re.compile(
        r"<meta[^>]+content\s*=\s*[\"']([^\"']+)[\"'][^>]*?(?:property|name|itemprop)\s*=\s*"
        rf"[\"']{_MODIFIED_NAMES}[\"']",
        re.IGNORECASE,
    ),
    re.compile(r"\"dateModified\"\s*:\s*\"([^\"]+)\""),
]

# Never part of an article's text, whatever trafilatura's heuristics think.
PRUNE_XPATH = [
    f"//{tag}"
    for tag in ("script", "style", "noscript", "iframe", "form", "template", "object", "embed")
]


def parse_html(html: str, origin: Origin) -> Article | LoadProblem:
    fields = _extract(html, origin.where)
    if isinstance(fields, LoadProblem):
        return fields
    title = one_line(str(fields.get("title") or ""))
    text = _drop_leading_title(_paragraphs(str(fields.get("text") or "")), title)
    if not text.strip():
        return LoadProblem(origin.where, "no article text found")
    url = fields.get("url")
    draft = Draft(
        text=text,
        title=title,
        url=url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
        source=fields.get("sitename") or None,
        authors=parse_authors(fields.get("author")),
        published_at=normalize_date(fields.get("date")),
        section=_first_category(fields.get("categories")),
        modified_at=normalize_date(modified_date(html)),
    )
    return build_article(draft, origin)


def modified_date(html: str) -> str | None:
    """The page's own "last updated" date from its metadata (``article:modified_time``,
    ``og:updated_time``, ``dateModified``...), kept apart from the publication date."""
    head = html[:200_000]
    for pattern in _MODIFIED:
        if match := pattern.search(head):
            return match.group(1)
    return None


def _extract(html: str, where: str) -> dict[str, Any] | LoadProblem:
    try:
        document = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            prune_xpath=PRUNE_XPATH,
        )
    except Exception as exc:  # a third-party parser failing on bad input
        logger.debug("%s: trafilatura failed", where, exc_info=True)
        return LoadProblem(where, f"could not parse HTML: {exc}")
    if document is None:
        return LoadProblem(where, "no article text found")
    return document if isinstance(document, dict) else document.as_dict()


def _paragraphs(text: str) -> str:
    """trafilatura puts one block per line; make each block a paragraph."""
    return "\n\n".join(line.strip() for line in text.split("\n") if line.strip())


def _drop_leading_title(text: str, title: str) -> str:
    """Pages repeat their headline at the top of the body; keep it only in the title."""
    first, _, rest = text.partition("\n\n")
    if title and rest and one_line(first).casefold() == title.casefold():
        return rest
    return text


def _first_category(value: object) -> str | None:
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    return None
