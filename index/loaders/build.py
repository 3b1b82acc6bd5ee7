"""One place for the rules every loader shares when it makes an Article."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.loaders.boilerplate import drop_boilerplate
from index.loaders.ids import article_id, id_problem, source_from_url
from index.loaders.normalize import normalize_text, one_line
from index.loaders.titles import fallback_title
from index.records import Article, IngestStatus, LoadProblem
from index.text.languages import detect_language


@dataclass(frozen=True)
class Origin:
    """Where a piece of input came from: the file, its ``where`` label and index in the file."""

    path: Path
    where: str
    index: int | None = None  # None: the file holds one article


@dataclass(frozen=True)
class Draft:
    """Article fields as found, before the shared rules are applied."""

    text: str
    title: str | None = None
    own_id: str | None = None
    url: str | None = None
    source: str | None = None
    authors: tuple[str, ...] = ()
    published_at: str | None = None
    section: str | None = None
    modified_at: str | None = None
    language: str | None = None  # the source's own ISO 639-1 code (else detected)


def build_article(draft: Draft, origin: Origin) -> Article | LoadProblem:
    """Normalise text and title, fall back for title/source, assign the id (an own id that
    could not name a citation is refused here, naming the field)."""
    if draft.own_id and (bad_id := id_problem(draft.own_id)):
        return LoadProblem(origin.where, f"id {draft.own_id[:80]!r}: {bad_id}", field="id")
    text = normalize_text(drop_boilerplate(normalize_text(draft.text)))
    if not text:
        return LoadProblem(origin.where, "empty text", field="text", status=IngestStatus.SKIPPED)
    title = one_line(draft.title or "")
    url = one_line(draft.url or "") or None
    source = one_line(draft.source or "") or None
    if source is None and url:
        source = source_from_url(url)
    return Article(
        id=article_id(draft.own_id, url, origin.path, origin.index),
        text=text,
        title=title or fallback_title(text),
        url=url,
        source=source,
        authors=draft.authors,
        published_at=draft.published_at,
        section=one_line(draft.section or "") or None,
        title_is_fallback=not title,
        origin=origin.where,
        modified_at=draft.modified_at if draft.modified_at != draft.published_at else None,
        language=draft.language or detect_language(f"{title}\n{text}"),
    )
