"""Markdown and HTML the chat shows. Article text is escaped before it reaches any renderer.

Chat messages are Markdown: in article-derived text, ``< > &`` become entities and every other
character that can start Markdown (``\\ ` * _ [ ] ( ) ! | ~ $ # { } :``, and list or heading
markers at a line start) is backslash-escaped, so the text forms neither HTML nor Markdown
(links, emphasis, autolinks, LaTeX). Only the ``[n]`` links made here are markup.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Sequence

from assistant import (
    FALLBACK,
    MARKER,
    Answer,
    Citation,
    by_article,
    claim_of,
    nothing_matches_well,
    one_per_article,
    short_day,
)
from index import DEFAULT_MODEL, SearchHit
from ui.errors import classify
from ui.views.article_html import esc
from ui.views.cite_urls import cite_url
from ui.views.dateline import dateline
from ui.views.highlight import snippet, with_marks
from ui.views.note_chips import language_chip, note_chips

_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_INLINE = re.compile(r"([\\`*_\[\]()<>&!|~$#{}:])")  # can start markup anywhere in a line
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])", re.MULTILINE)  # lists, setext headings


def md_escape(text: str | None) -> str:
    """Plain text that Markdown renders as itself (no markup, no HTML, no autolinks)."""

    def inline(match: re.Match[str]) -> str:
        ch = match.group(1)
        return _ENTITIES.get(ch) or "\\" + ch

    escaped = _INLINE.sub(inline, text or "")
    return _LINE_START.sub(lambda m: m.group(1) + _escape_all(m.group(2)), escaped)


def _escape_all(token: str) -> str:
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in token)


def citation_link(c: Citation) -> str:
    return f"[\\[{c.n}\\]]({cite_url(c.citation, (c.quote_start, c.quote_end))})"


def answer_markdown(text: str, citations: Sequence[Citation], notes: bool = True) -> str:
    """The answer (or a prefix of it, while streaming) with ``[n]`` markers as citation links,
    each followed by its quote's notes (``ui.web.note_chips``), never inside the quote."""
    by_n = {c.n: c for c in citations}
    out, at = [], 0
    for m in MARKER.finditer(text):
        c = by_n.get(int(m.group(1)))
        if c is None:
            continue
        out.append(md_escape(text[at : m.start()]))
        chips = language_chip(c.language, md_escape) + note_chips(c.notes, md_escape)
        out.append(citation_link(c) + (chips if notes else ""))
        at = m.end()
    out.append(md_escape(text[at:]))
    return "".join(out)


def _dateline(source: str | None, published_at: str | None, language: str | None = None) -> str:
    """`` — outlet, date`` (escaped), or nothing when neither is known."""
    known = dateline(source, published_at, language=language)
    return f" — {md_escape(known)}" if known else ""


def sources_markdown(answer: Answer) -> str:
    """The sources list under an answer (or the closest passages under an abstention)."""
    lines: list[str] = []
    if answer.abstained and answer.reason and not answer.related:  # why nothing could be read
        lines.append(f"*{md_escape(answer.reason.capitalize())}.*")
    if answer.citations:
        lines.append("**Sources**")
        for cited in by_article(answer.citations):
            c = cited[0]
            title = f"[{md_escape(c.title)}]({cite_url(c.citation, (c.quote_start, c.quote_end))})"
            links = " ".join(citation_link(x) for x in cited)
            lines.append(f"- {links} {title}{_dateline(c.source, c.published_at, c.language)}")
    elif answer.related:  # scores stay in the JSON reason, never in the chat
        lines.append("**Closest articles**")
        for h in one_per_article(answer.related):
            meta = h.article
            lines.append(
                f"- {_hit_link(h)}{_dateline(meta.source, meta.published_at, meta.language)}"
            )
    return "\n".join(lines)


def _hit_link(h: SearchHit) -> str:
    return f"[{md_escape(h.article.title)}]({cite_url(h.citation)})"


def _answer_with_lead(answer: Answer) -> str:
    """The answer's markdown, its short answer (which leads its text) in bold."""
    short = answer.short_answer
    if short is None or not answer.text.startswith(short.text):
        return answer_markdown(answer.text, answer.citations)
    marker, gap, rest = answer.text[len(short.text) :].partition("\n\n")
    lead = answer_markdown(marker, answer.citations, notes=False)  # its notes follow the quote
    return f"**{md_escape(short.text)}**{lead}{gap}" + answer_markdown(rest, answer.citations)


def full_answer(answer: Answer) -> str:
    """The answer, then (for a follow-up) the standalone query used, then its sources."""
    parts = [_answer_with_lead(answer)]
    reason = answer.reason or ""
    if reason.startswith(FALLBACK):  # the draft shown is gone: say why
        why = reason.removeprefix(FALLBACK).strip(": ").split("; answered by")[0]
        parts.append(
            f"*The model's answer was not used ({md_escape(why)}); these sentences are "
            "quoted from the passages instead.*"
        )
    if answer.rewritten_query:
        parts.append(
            "*Read as a follow-up to the conversation; searched for: "
            f"{md_escape(answer.rewritten_query)}*"
        )
    parts.append(sources_markdown(answer))
    return "\n\n".join(p for p in parts if p)


def results_html(query: str, hits: Sequence[SearchHit], model: str = DEFAULT_MODEL) -> str:
    """The search tab's results table: escaped text, ``<mark>`` on query terms, citation links."""
    if not hits:
        return '<p class="empty">No passages found.</p>'
    rows = []
    for h in hits:
        text, spans = snippet(h.text, query)
        meta = h.article
        byline = esc(dateline(meta.source, meta.published_at, " · ", meta.language))
        rows.append(
            "<tr>"
            f'<td class="rank">{h.rank}</td>'
            f'<td><a class="cite-link" href="{esc(cite_url(h.citation))}">{esc(meta.title)}</a>'
            f'<div class="byline">{byline}</div>'
            "</td>"
            f'<td class="snippet">{with_marks(text, spans)}</td>'
            "</tr>"
        )
    head = "<tr><th>#</th><th>Article</th><th>Passage</th></tr>"
    table = f'<table class="results"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
    if nothing_matches_well(hits, model):
        note = f"Nothing matches “{esc(query)}” well; the closest passages:"
        return f'<p class="empty">{note}</p>{table}'
    return table


PANEL_PLACEHOLDER = (
    '<div class="panel-empty">Click a citation to read the passage, highlighted in its '
    "article.</div>"
)


def panel_error(error: str, detail: str) -> str:
    return f'<div class="panel-error"><strong>{esc(error)}</strong>: {esc(detail)}</div>'


def quote_html(c: Citation) -> str:
    """A key sentence as a tab shows it: quoted verbatim, whose claim it is, its ``[n]`` link
    (opened in the tab's panel) and its notes beside it, never inside."""
    link = cite_url(c.citation, (c.quote_start, c.quote_end))
    claim = f' <span class="claim">({esc(claim_of(c.claim_by))})</span>' if c.claim_by else ""
    return (
        f"<blockquote>“{esc(c.quote)}”{claim} "
        f'<a class="cite-link" href="{esc(link)}">[{c.n}]</a>{note_chips(c.notes)}</blockquote>'
    )


def error_html(exc: Exception, what: str) -> str:
    """A failure as a tab shows it: its known message, else its type (logged under ``what``)."""
    known = classify(exc)
    if known is None:
        logging.getLogger("ui.web").exception(what)
        known = (500, "internal_error", type(exc).__name__)
    return f'<p class="panel-error">{esc(known[2])}</p>'


def day_span(first: str | None, last: str | None) -> str:
    """ "3 Mar 2022 – 9 Mar 2022", one day once, or "undated" when no article has a date."""
    return shown_day(first) if first == last else f"{shown_day(first)} – {shown_day(last)}"


def shown_day(day: str | None) -> str:
    """ "2022-03-03" → "3 Mar 2022"; "undated" for none."""
    return (short_day(day) or day) if day else "undated"
