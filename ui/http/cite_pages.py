"""``GET /cite/{key}``: the human page of a citation, the target of every link in the chat.

The article (title, outlet, date, link) with the passage in ``<mark id="passage">`` (a light
highlight) and the quote in ``<strong id="quote">`` (the strong one); links end in ``#quote`` (or
``#passage`` without a quote) so the browser scrolls it into view without any script. Article
text is escaped, and the page is served with a Content-Security-Policy that allows no script.
Its colours follow the browser's light or dark scheme (``prefers-color-scheme``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from index import lookup_citation
from ui.errors import classify
from ui.http.deps import ServicesDep
from ui.services import Services
from ui.views.article_html import UPDATE_NOTE_CSS, article_view, esc, parse_quote
from ui.views.cite_urls import checked_key
from ui.views.colors import page_palette
from ui.views.note_chips import NOTE_CSS

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)

STYLE = (
    page_palette()
    + """
body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;
line-height:1.55;color:var(--nr-text);background:var(--nr-bg)}
a{color:var(--nr-link)}
.byline{color:var(--nr-muted)}.key code{font-size:.85em;color:var(--nr-muted)}
.article-text{white-space:pre-wrap}
mark.passage{background:var(--nr-passage-bg);color:var(--nr-passage-fg);padding:.1em 0;
scroll-margin-top:30vh}
mark.passage strong.quote{background:var(--nr-quote-bg);color:var(--nr-quote-fg);font-weight:600;
scroll-margin-top:30vh;box-shadow:0 0 0 2px var(--nr-quote-bg)}
.error{border-left:4px solid #c33;padding:.5em 1em;background:var(--nr-error-bg)}
"""
    + UPDATE_NOTE_CSS
    + NOTE_CSS
)


HEADINGS = {  # what a reader is told; the error code stays below it, for the curious
    "stale_citation": "This passage is no longer in the article",
    "deleted_article": "This article was removed from the index",
    "unknown_article": "This article is not in the index",
    "malformed_citation": "This is not a citation link",
}


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f'<body><p><a href="/">← newsrag</a></p>{body}</body></html>'
    )
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
    return HTMLResponse(doc, status, headers=headers)


def citation_page(services: Services, key: str, quote: str | None) -> HTMLResponse:
    try:
        with services.reading() as a:
            resolved = lookup_citation(a.index, checked_key(key), 0)
    except Exception as exc:
        known = classify(exc)
        if known is None:
            raise
        status, error, detail = known
        heading = HEADINGS.get(error, "This citation cannot be opened")
        body = (
            f'<div class="error"><h1>{esc(heading)}</h1><p>{esc(detail)}</p>'
            f'<p class="key">Error code: <code>{esc(error)}</code> (HTTP {status})</p></div>'
        )
        return page(heading, body, status)
    view = article_view(resolved, parse_quote(quote), mark_id="passage")
    return page(resolved.article.title, view)


router = APIRouter()


@router.get("/cite/{key:path}", response_class=HTMLResponse, tags=["citations"])
def cite(services: ServicesDep, key: str, quote: str | None = None) -> HTMLResponse:
    """The cited passage highlighted in its article (HTML for people)."""
    return citation_page(services, key, quote)
