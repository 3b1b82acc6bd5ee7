"""The Timeline tab: the stories a query is about, and the chosen story as a vertical timeline —
each article's day, outlet and key sentence, whose citation opens in the tab's own panel as an
answer's does. Without a query, the latest stories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant import SearchFilters, Timeline
from index import display_name
from ui.services import Services
from ui.views.article_html import esc
from ui.web.citation_panel import citation_panel
from ui.web.following_tab import follow_story
from ui.web.render import day_span, error_html, quote_html, shown_day

TIMELINE_CSS = """
.timeline ol{list-style:none;margin:0;padding:0 0 0 1.2em;border-left:3px solid var(--nr-accent)}
.timeline li{position:relative;margin:0 0 1.1em;padding-left:.6em;overflow-wrap:anywhere}
.timeline li::before{content:"";position:absolute;left:-1.72em;top:.35em;width:.8em;
height:.8em;border-radius:50%;background:var(--nr-surface);border:3px solid var(--nr-accent)}
.timeline .when{font-weight:700;color:var(--nr-text)}
.timeline .outlet{color:var(--nr-muted);font-size:.9em}
.timeline .headline{display:block;font-weight:600;margin:.15em 0}
.timeline blockquote{margin:.2em 0 0;padding:0;color:var(--nr-text)}
.timeline .claim{color:var(--nr-muted);font-size:.9em}
.timeline h3{margin:.2em 0 .6em;font-size:1.1em}
.timeline .span{color:var(--nr-muted);font-size:.9em;font-weight:400}
"""  # colours: ui/views/colors.py (both schemes)


@dataclass
class TimelineTab:
    query: gr.Textbox
    stories: gr.Dropdown
    view: gr.HTML


def build_timeline_tab(services: Services) -> TimelineTab:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row():
                query = gr.Textbox(
                    placeholder="What story? e.g. the war in Ukraine (empty: the latest)",
                    show_label=False,
                    elem_id="timeline-query",
                    scale=4,
                )
                as_of = gr.Textbox(
                    placeholder="as of YYYY-MM-DD",
                    show_label=False,
                    elem_id="timeline-as-of",
                    scale=2,
                )
                go = gr.Button("Show", variant="primary", elem_id="timeline-go", scale=1)
            with gr.Row(equal_height=True):
                stories = gr.Dropdown(
                    choices=[],
                    label="Stories",
                    elem_id="timeline-stories",
                    interactive=True,
                    scale=4,
                )
                follow = gr.Button(
                    "Follow this story",
                    elem_id="timeline-follow",
                    size="sm",
                    scale=1,
                    visible=services.writes_enabled,
                )
            view = gr.HTML("", elem_id="timeline-view")
        with gr.Column(scale=2):
            citation_panel(services, "#timeline-view", "timeline-panel")

    def find(text: str, day: str) -> tuple[Any, str]:
        return stories_and_timeline(services, text, day)

    def show(story_id: str | None, day: str) -> str:
        return timeline_html(services, story_id, day)

    go.click(find, [query, as_of], [stories, view], api_visibility="private")
    query.submit(find, [query, as_of], [stories, view], api_visibility="private")
    stories.input(show, [stories, as_of], view, api_visibility="private")
    follow.click(
        lambda chosen: follow_story(services, chosen), stories, None, api_visibility="private"
    )
    return TimelineTab(query, stories, view)


def stories_and_timeline(services: Services, text: str, day: str) -> tuple[Any, str]:
    """The stories for the query (the latest without one) and the first one's timeline."""
    try:
        filters = _as_of(day)
        with services.reading() as a:
            if (text or "").strip():
                found = [m.story for m in a.stories.find(text, filters)]
            else:
                found = a.stories.recent(filters.as_of)
    except Exception as exc:
        return gr.update(choices=[], value=None), _error(exc)
    if not found:
        return gr.update(choices=[], value=None), '<p class="panel-empty">No story matches.</p>'
    choices = [(f"{s.title[:90]} ({day_span(s.first_day, s.last_day)})", s.id) for s in found]
    return gr.update(choices=choices, value=found[0].id), timeline_html(services, found[0].id, day)


def timeline_html(services: Services, story_id: str | None, day: str) -> str:
    if not story_id:
        return ""
    try:
        filters = _as_of(day)
        with services.reading() as a:
            found = a.stories.timeline(story_id, filters.as_of)
    except Exception as exc:
        return _error(exc)
    if found is None:
        return '<p class="panel-error">This story is no longer in the index.</p>'
    return render_timeline(found)


def render_timeline(timeline: Timeline) -> str:
    """The story as a vertical list, oldest first (all text escaped)."""
    story = timeline.story
    items = []
    for entry in timeline.entries:
        meta, c = entry.member.meta, entry.citation
        outlet = (c.outlet if c else None) or display_name(meta.source)
        quote = quote_html(c) if c is not None else ""
        items.append(
            f'<li><span class="when">{esc(shown_day(entry.day))}</span> '
            f'<span class="outlet">{esc(outlet)}</span>'
            f'<span class="headline">{esc(meta.title)}</span>{quote}</li>'
        )
    span = day_span(story.first_day, story.last_day)
    return (
        f'<div class="timeline"><h3>{esc(story.title)} <span class="span">{esc(span)} · '
        f"{story.articles} articles</span></h3><ol>{''.join(items)}</ol></div>"
    )


def _as_of(day: str) -> SearchFilters:
    """Raises FilterError when the day is not YYYY-MM-DD; a day bounds strictly."""
    day = (day or "").strip()
    return SearchFilters.build((), None, None, day or None, bool(day))


def _error(exc: Exception) -> str:
    return error_html(exc, "timeline")
