"""The Briefing tab: the most important stories of a day or a period, each with its days, its
outlets and one or two key sentences whose citations open in the tab's own panel as an answer's
do. It opens on the latest day with news; a story the previous briefing showed says so and
quotes only what is new."""

from __future__ import annotations

import gradio as gr

from assistant import Briefing, BriefItem, BriefRequest
from index import NewsIndex
from ui.services import Services
from ui.views.article_html import esc
from ui.web.citation_panel import citation_panel
from ui.web.render import day_span, error_html, quote_html

LIST_CSS = """
:is(.briefing,.following) h3{margin:.2em 0 .5em;font-size:1.1em}
:is(.briefing,.following) ol{margin:0;padding:0 0 0 1.4em}
:is(.briefing,.following) li{margin:0 0 1.1em;overflow-wrap:anywhere}
:is(.briefing,.following) .headline{display:block;font-weight:700;color:var(--nr-text)}
:is(.briefing,.following) .meta{color:var(--nr-muted);font-size:.9em}
:is(.briefing,.following) :is(.continuing,.new){display:inline-block;border-radius:999px;
border:1px solid var(--nr-rule);padding:0 .5em;margin-left:.3em;color:var(--nr-text);
font-size:.85em}
:is(.briefing,.following) blockquote{margin:.3em 0 0;padding:0;color:var(--nr-text)}
:is(.briefing,.following) .claim{color:var(--nr-muted);font-size:.9em}
"""  # colours: ui/views/colors.py (both schemes)
TO_BRIEFING_JS = """element.addEventListener('click', (event) => {
  if (!event.target.closest('.to-briefing')) return;
  const tabs = [...document.querySelectorAll('button[role="tab"]')];
  tabs.find((tab) => tab.textContent.trim() === 'Briefing')?.click();
});"""


def build_briefing_tab(services: Services) -> gr.HTML:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row():
                since = gr.Textbox(
                    placeholder="from YYYY-MM-DD (empty: the latest day)",
                    show_label=False,
                    elem_id="briefing-since",
                    scale=2,
                )
                until = gr.Textbox(
                    placeholder="to YYYY-MM-DD", show_label=False, elem_id="briefing-until", scale=2
                )
                topic = gr.Textbox(
                    placeholder="only about… (optional)",
                    show_label=False,
                    elem_id="briefing-topic",
                    scale=3,
                )
                go = gr.Button("Brief me", variant="primary", elem_id="briefing-go", scale=1)
            view = gr.HTML(lambda: briefing_html(services, "", "", ""), elem_id="briefing-view")
        with gr.Column(scale=2):
            citation_panel(services, "#briefing-view", "briefing-panel")

    def show(first: str, last: str, about: str) -> str:
        return briefing_html(services, first, last, about)

    go.click(show, [since, until, topic], view, api_visibility="private")
    topic.submit(show, [since, until, topic], view, api_visibility="private")
    return view


def briefing_html(services: Services, since: str, until: str, topic: str) -> str:
    """The briefing asked for (the latest day with news when no day is given), or the error."""
    since, until = (since or "").strip(), (until or "").strip()
    about = (topic or "").strip() or None
    if not NewsIndex.exists(services.settings.index):
        return '<p class="panel-empty">No articles yet: add some in the Library tab.</p>'
    try:
        with services.reading() as a:
            return render_briefing(a.brief(BriefRequest(None, since or None, until or None, about)))
    except Exception as exc:
        return error_html(exc, "briefing")


def render_briefing(briefing: Briefing) -> str:
    """The stories as a numbered list, most important first (all text escaped)."""
    period = day_span(briefing.period.since, briefing.period.until)
    about = f" about “{esc(briefing.topic)}”" if briefing.topic else ""
    if not briefing.items:
        return f'<p class="panel-empty">No story in the news of {esc(period)}{about}.</p>'
    head = (
        f"<h3>Briefing: {esc(period)}{about} "
        f'<span class="meta">· {len(briefing.items)} of {briefing.stories_in_period} '
        "stories</span></h3>"
    )
    return f'<div class="briefing">{head}<ol>{"".join(map(_story, briefing.items))}</ol></div>'


def _story(item: BriefItem) -> str:
    continuing = (
        '<span class="continuing">new since the last briefing</span>' if item.continuing else ""
    )
    outlets = ", ".join(item.outlets[:4]) + (
        f" +{len(item.outlets) - 4}" if len(item.outlets) > 4 else ""
    )
    meta = (
        f'<span class="meta">{esc(day_span(item.first_day, item.last_day))} · {item.articles} '
        f"article{'s' if item.articles != 1 else ''} · {esc(outlets)}</span>"
    )
    quotes = [quote_html(c) for c in item.key_sentences]
    headline = f'<span class="headline">{esc(item.title)}</span>'
    return f"<li>{headline}{meta}{continuing}{''.join(quotes)}</li>"
