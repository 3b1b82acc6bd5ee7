"""The side panel that shows a cited passage highlighted inside its article.

Citation links (``/cite/{key}``) inside a zone of the page (the chat's answers, the search
results) are caught by a click listener the panel installs; the panel then asks the server for
the article with the passage marked, brings the panel into view when it is off screen (on a
phone it sits below the chat) and scrolls its text to the quote (or the passage). Links still
work without it (they open the citation page), and a modifier-click opens them in a new tab.
"""

from __future__ import annotations

import json
import logging

import gradio as gr

from index import lookup_citation
from ui.article_html import article_view, parse_quote
from ui.cite_urls import checked_key
from ui.errors import classify
from ui.services import Services
from ui.web.render import PANEL_PLACEHOLDER, panel_error

log = logging.getLogger(__name__)

_JS = """
const zone = %(zone)s;
window.__newsragPanels = window.__newsragPanels || {};
const known = zone in window.__newsragPanels;
window.__newsragPanels[zone] = trigger;
if (!known) {
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a[href*="/cite/"]') : null;
    if (!link || !link.closest(zone)) return;
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    event.stopPropagation();
    const url = new URL(link.getAttribute('href'), window.location.href);
    const at = url.pathname.indexOf('/cite/');
    const key = decodeURIComponent(url.pathname.slice(at + 6));
    window.__newsragPanels[zone]('click', {key: key, quote: url.searchParams.get('quote') || ''});
  }, true);
}
watch('value', () => {
  const box = element.querySelector('.panel-scroll');
  const target = element.querySelector('strong.quote') || element.querySelector('mark.passage');
  if (!box || !target) return;
  const view = element.getBoundingClientRect();
  if (view.top < 0 || view.top > window.innerHeight * 0.6) {  // a phone: the panel is below
    element.scrollIntoView({block: 'start'});
  }
  const top = target.getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTop = Math.max(0, box.scrollTop + top - box.clientHeight / 3);
});
"""


def passage_html(services: Services, key: str, quote: str | None = None) -> str:
    """The panel's HTML for a citation key: the article with the passage marked, or why not."""
    try:
        with services.reading() as a:
            resolved = lookup_citation(a.index, checked_key(key), 0)
    except Exception as exc:
        known = classify(exc)
        if known is None:
            log.exception("citation panel")
            return panel_error("internal_error", type(exc).__name__)
        return panel_error(known[1], known[2])
    return article_view(resolved, parse_quote(quote), scroll=True)


def citation_panel(services: Services, zone: str, elem_id: str) -> gr.HTML:
    """A panel showing the citations clicked inside the element matching ``zone``."""
    panel = gr.HTML(
        PANEL_PLACEHOLDER,
        elem_id=elem_id,
        elem_classes=["citation-panel"],
        js_on_load=_JS % {"zone": json.dumps(zone)},
        container=True,
        padding=True,
    )

    def show(evt: gr.EventData) -> str:
        data = getattr(evt, "_data", None) or {}
        return passage_html(services, str(data.get("key") or ""), str(data.get("quote") or ""))

    panel.click(show, inputs=None, outputs=panel, api_visibility="private")
    return panel
