"""The side panel that shows a cited passage highlighted inside its article.

Citation links (``/cite/{key}``) inside a zone of the page (the chat's answers, the search
results) are caught by a click listener the panel installs; the panel then asks the server for
the article with the passage marked, brings the panel into view when it is off screen (on a
phone it sits below the chat) and scrolls its text to the quote (or the passage). A second tap
on a link already shown does the same (without asking the server again); after a jump to the
panel, its "Back to answer" button (focused, so Enter goes back too) returns to the link tapped.
Links still work without it (they open the citation page), and a modifier-click opens them in a
new tab.
"""

from __future__ import annotations

import json
import logging

import gradio as gr

from index import lookup_citation
from ui.errors import classify
from ui.services import Services
from ui.views.article_html import article_view, esc, parse_quote
from ui.views.cite_urls import checked_key
from ui.web.render import PANEL_PLACEHOLDER, panel_error

log = logging.getLogger(__name__)

_JS = """
const zone = %(zone)s;
const panels = window.__newsragPanels = window.__newsragPanels || {};
const known = zone in panels;
function reveal() {  // the panel into view when off screen, its text scrolled to the quote
  const view = element.getBoundingClientRect();
  const jump = view.top < 0 || view.top > window.innerHeight * 0.6;  // a phone: it is below
  if (jump) element.scrollIntoView({block: 'start'});
  const back = element.querySelector('button.back-to-answer');
  if (back && jump) {
    back.hidden = false;
    back.focus({preventScroll: true});
  }
  const box = element.querySelector('.panel-scroll');
  const target = element.querySelector('strong.quote') || element.querySelector('mark.passage');
  if (!box || !target) return;
  const top = target.getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTop = Math.max(0, box.scrollTop + top - box.clientHeight / 3);
}
panels[zone] = Object.assign(panels[zone] || {}, {trigger, element, reveal});
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
    const quote = url.searchParams.get('quote') || '';
    const now = panels[zone], shown = now.element.querySelector('.panel-view');
    now.from = link;
    now.fromHref = link.getAttribute('href');
    if (shown && shown.dataset.key === key && shown.dataset.quote === quote) {
      now.reveal();  // already shown: the same HTML would come back and change nothing
    } else {
      now.pending = true;
      now.trigger('click', {key: key, quote: quote});
    }
  }, true);
}
element.addEventListener('click', (event) => {  // "Back to answer": to the link tapped
  if (!event.target.closest || !event.target.closest('button.back-to-answer')) return;
  const from = panels[zone].from, href = panels[zone].fromHref;
  const links = [...document.querySelectorAll(zone + ' a[href]')];
  const link = from && from.isConnected ? from : links.find((a) => a.getAttribute('href') === href);
  const to = link || document.querySelector(zone);
  if (!to) return;
  to.scrollIntoView({block: 'center'});
  if (link) link.focus({preventScroll: true});
});
watch('value', () => {
  if (!panels[zone].pending) return;  // cleared, not asked for: stay where the reader is
  panels[zone].pending = false;
  reveal();
});
"""
BACK = (
    '<button type="button" class="back-to-answer" hidden>'
    '<span aria-hidden="true">↑</span> Back to answer</button>'
)


def passage_html(services: Services, key: str, quote: str | None = None) -> str:
    """The panel's HTML for a citation key: the article with the passage marked, or why not.
    It carries the key and quote asked for (so the same request shows the same HTML, and a
    second tap on a link already shown only scrolls) and a "Back to answer" button, shown once
    the page has jumped to the panel (a phone)."""
    ident = f'data-key="{esc(key)}" data-quote="{esc(quote or "")}"'
    return f'<div class="panel-view" {ident}>{BACK}{_passage(services, key, quote)}</div>'


def _passage(services: Services, key: str, quote: str | None) -> str:
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
