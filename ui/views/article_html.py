"""An article as HTML with a cited passage marked: the citation page and the chat's side panel.

Everything that comes from an article (title, outlet, authors, text, URL) is HTML-escaped here,
so article text is never interpreted as HTML. A link is only made of an ``http(s)`` URL.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from assistant import QuoteNote, passage_notes, with_notes
from index import ResolvedCitation, UpdateNote
from ui.views.cite_urls import cite_url
from ui.views.dateline import dateline
from ui.views.note_chips import note_chips

UPDATE_NOTE_CSS = """
.update-note{border-left:4px solid var(--nr-note-edge);background:var(--nr-note-bg);
color:var(--nr-note-fg);padding:.4em .8em;margin:.6em 0}
.update-note a{color:var(--nr-link)}
.update-note del{background:var(--nr-del-bg);color:var(--nr-del-fg);text-decoration:line-through}
.update-note ins{background:var(--nr-ins-bg);color:var(--nr-ins-fg);text-decoration:underline}
.update-note .diff{font-size:.92em}
"""  # colours: ui/views/colors.py (both schemes)
_SPAN = re.compile(r"([0-9]{1,12})-([0-9]{1,12})")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def safe_href(url: str | None) -> str | None:
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return esc(url.strip()) if scheme in ("http", "https") else None


def byline(meta: dict[str, Any]) -> str:
    """``outlet · date · authors · link`` (escaped; what is unknown is left out)."""
    known = dateline(meta.get("source"), meta.get("published_at"), " · ", meta.get("language"))
    parts = [esc(known)] if known else []
    if meta.get("authors"):
        parts.append(esc(", ".join(meta["authors"])))
    href = safe_href(meta.get("url"))
    if href:
        parts.append(f'<a href="{href}" rel="noopener noreferrer" target="_blank">original</a>')
    return " · ".join(parts)


def marked_text(
    text: str,
    start: int,
    end: int,
    quote: tuple[int, int] | None,
    mark_id: str | None,
    published_at: str | None = None,
) -> str:
    """The article text, escaped, with ``<mark>`` around ``[start, end)`` and ``<strong
    id="quote">`` on the quote when it lies inside (links with a quote scroll to it). With
    ``published_at``, each relative date in the passage is followed by a note chip saying the
    date it means (``ui.views.note_chips``: shown, never part of the text or its offsets)."""
    ident = f' id="{esc(mark_id)}"' if mark_id else ""
    notes = {start + cut: note for cut, note in passage_notes(text[start:end], published_at)}
    inner = _noted(text, start, end, notes)
    if quote and start <= quote[0] < quote[1] <= end:
        inner = (
            f"{_noted(text, start, quote[0], notes)}"
            f'<strong class="quote" id="quote">{_noted(text, quote[0], quote[1], notes)}'
            f"</strong>{_noted(text, quote[1], end, notes)}"
        )
    return f'{esc(text[:start])}<mark class="passage"{ident}>{inner}</mark>{esc(text[end:])}'


def _noted(text: str, lo: int, hi: int, notes: dict[int, QuoteNote]) -> str:
    """``text[lo:hi]`` escaped, a date note after each phrase that ends inside it."""
    shown = {cut: note_chips([note]) for cut, note in notes.items()}
    return with_notes(text, shown, esc, lo, hi)


def article_view(
    resolved: ResolvedCitation,
    quote: tuple[int, int] | None = None,
    mark_id: str | None = None,
    scroll: bool = False,
) -> str:
    """Header (title, byline, citation key) and the whole article with the passage marked; with
    ``scroll`` the text sits in its own scroll box (the chat's panel) below a fixed header."""
    meta = resolved.article.to_dict()
    marked = marked_text(
        resolved.article_text,
        resolved.start,
        resolved.end,
        quote,
        mark_id,
        resolved.article.published_at,
    )
    body = f'<div class="article-text">{marked}</div>'
    if scroll:
        body = f'<div class="panel-scroll" tabindex="0" aria-label="the article">{body}</div>'
    note = update_note(resolved.updated) if resolved.updated else ""
    return (
        '<article class="newsrag-article">'
        f"<h2>{esc(meta['title'])}</h2>"
        f'<p class="byline">{byline(meta)}</p>'
        f'<p class="key">citation <code>{esc(resolved.key)}</code></p>'
        f"{note}{body}</article>"
    )


def update_note(note: UpdateNote) -> str:
    """ "Updated since": which version the passage is from, when the article changed, a link to
    the passage as it reads now and what changed in it, word by word (``<del>``/``<ins>``)."""
    cited, current = note.cited, note.current
    began = f"from {cited.valid_from[:10]}" if cited.valid_from else "as first published"
    if note.current_citation:
        link = (
            f'<a class="current-link" href="{esc(cite_url(note.current_citation))}">'
            "the passage as it reads now</a>"
        )
    else:
        link = "this passage is no longer in the article"
    changes = " ".join(_diff_part(p.op, p.text) for p in note.diff)
    return (
        '<aside class="update-note" role="note" aria-label="updated since">'
        f"<p><strong>Updated since.</strong> This passage is from version {cited.version} of "
        f"{current.version} ({esc(began)}); the article was {esc(note.when_updated())}: "
        f"{link}.</p>"
        f'<p class="diff"><span class="diff-label">Changes in this passage:</span> {changes}</p>'
        "</aside>"
    )


def _diff_part(op: str, text: str) -> str:
    if op == "delete":
        return f'<del title="removed">{esc(text)}</del>'
    if op == "insert":
        return f'<ins title="added">{esc(text)}</ins>'
    return esc(unchanged_run(text))


def unchanged_run(text: str, keep: int = 6) -> str:
    """A long run of unchanged words shortened to its first and last ``keep`` words, so the
    changes stand out (the API's diff keeps every word)."""
    words = text.split()
    if len(words) <= 3 * keep:
        return text
    return " ".join([*words[:keep], "…", *words[-keep:]])


def parse_quote(raw: str | None) -> tuple[int, int] | None:
    """``"123-456"`` to a span; anything else to None (the quote is a nicety, never an error)."""
    if not raw:
        return None
    match = _SPAN.fullmatch(raw)
    return (int(match.group(1)), int(match.group(2))) if match else None
