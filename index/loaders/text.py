"""Plain text and Markdown: optional front matter, an optional section label, a title line,
then the body (``index/loaders/front_matter.py`` reads the metadata, a dateline the date)."""

from __future__ import annotations

import re
from dataclasses import replace

from index.loaders.build import Draft, Origin, build_article
from index.loaders.dates import normalize_date
from index.loaders.fields import with_fields
from index.loaders.front_matter import dateline_date, split_front_matter
from index.loaders.normalize import one_line
from index.records import Article, IngestStatus, LoadProblem

MAX_SECTION_CHARS = 20
MAX_TITLE_LINE_CHARS = 200
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s+|$)(.*?)(?:\s+#+)?$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:={3,}|-{3,})$")
_PERIOD_END = re.compile(r"\.(?=\s|$)")


def parse_text(text: str, origin: Origin) -> Article | LoadProblem:
    """``text`` is already normalised; front matter, title and section lines are not kept in
    the body."""
    front = split_front_matter(text, origin.where)
    if isinstance(front, LoadProblem):
        return front
    fields, text = front
    if not text:
        return LoadProblem(origin.where, "empty text", field="text", status=IngestStatus.SKIPPED)
    draft = with_fields(_draft(text, titled="title" in fields), fields)
    if draft.published_at is None and (dateline := dateline_date(draft.text)):
        draft = replace(draft, published_at=normalize_date(dateline))
    return build_article(draft, origin)


def _draft(text: str, titled: bool) -> Draft:
    """Section label, title line and body (all text is body when the front matter titled it)."""
    lines = text.split("\n")
    section, start = _section_label(lines)
    if titled:
        return Draft(text="\n".join(lines[start:]), section=section)
    title, body_start = _title_line(lines, start)
    body = "\n".join(lines[body_start:]).strip() if title else ""
    if not body:  # a paragraph first, or nothing after the title line
        return Draft(text="\n".join(lines[start:]), section=section)
    return Draft(text=body, title=title, section=section)


def _section_label(lines: list[str]) -> tuple[str | None, int]:
    """A one-word letters-only first line, then a blank line, then more text."""
    first = lines[0]
    is_label = first.isalpha() and len(first) <= MAX_SECTION_CHARS
    if is_label and len(lines) > 2 and lines[1] == "" and lines[2].strip():
        return first, 2
    return None, 0


def _title_line(lines: list[str], start: int) -> tuple[str | None, int]:
    """The title at ``lines[start]`` and where the body starts; None if it is a paragraph."""
    line = lines[start]
    heading = _ATX_HEADING.match(line)
    if heading:
        return one_line(heading.group(1)) or None, start + 1
    if _looks_like_paragraph(line):
        return None, start
    if start + 1 < len(lines) and _SETEXT_UNDERLINE.match(lines[start + 1]):
        return one_line(line), start + 2
    return one_line(line), start + 1


def _looks_like_paragraph(line: str) -> bool:
    """Longer than a title may be, or more than one sentence ending with a period."""
    return len(line) > MAX_TITLE_LINE_CHARS or len(_PERIOD_END.findall(line)) > 1
