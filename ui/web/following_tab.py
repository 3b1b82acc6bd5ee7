"""Following (issue #33): the Following tab — each watchlist with its unread count, its newest
items quoted and cited (each opens in the tab's panel), "Mark read" — and the Follow buttons of
the Chat (the last question) and the Timeline (the chosen story). Following writes (a watchlist
is stored in the index): the buttons show where the server has an API token, like uploads."""

from __future__ import annotations

from typing import Any

import gradio as gr

from index import WatchItem, Watchlist, display_name
from ui.services import Services
from ui.views.article_html import esc
from ui.views.cite_urls import cite_url
from ui.web.citation_panel import citation_panel
from ui.web.render import day_span, error_html

ITEMS_SHOWN = 50
NOTHING = (
    "Nothing followed yet: follow a query here, an answer's question in the Chat or a story in "
    "the Timeline."
)
NO_TOKEN = "Following needs the server's API token (NEWSRAG_API_TOKEN), as uploads do."


def build_following_tab(services: Services) -> tuple[gr.Dropdown, gr.HTML]:
    """The tab; its list and view, which the page fills on load (``following_view``)."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row(visible=services.writes_enabled):
                query = gr.Textbox(
                    placeholder="Follow a query, e.g. Kherson",
                    show_label=False,
                    elem_id="following-query",
                    scale=4,
                )
                add = gr.Button("Follow", variant="primary", elem_id="following-add", scale=1)
            chosen = gr.Dropdown(
                choices=[], label="Watchlists", elem_id="following-lists", interactive=True
            )
            view = gr.HTML("", elem_id="following-view")
            read = gr.Button(
                "Mark read", elem_id="following-read", size="sm", visible=services.writes_enabled
            )
        with gr.Column(scale=2):
            citation_panel(services, "#following-view", "following-panel")

    def show(watchlist_id: int | None) -> tuple[Any, str]:
        return following_view(services, watchlist_id)

    def follow(text: str) -> tuple[Any, str, str]:
        made = follow_query(services, text)
        listing, items = following_view(services, made)
        return listing, items, "" if made else text

    def mark(watchlist_id: int | None) -> tuple[Any, str]:
        if watchlist_id is not None:
            services.watchlists.mark_read(int(watchlist_id), None)
        return following_view(services, watchlist_id)

    private: dict[str, Any] = {"api_visibility": "private"}
    gr.on([add.click, query.submit], follow, query, [chosen, view, query], **private)
    chosen.input(show, chosen, [chosen, view], **private)
    read.click(mark, chosen, [chosen, view], **private)
    return chosen, view


def following_view(services: Services, watchlist_id: int | None) -> tuple[Any, str]:
    """The watchlists (each with its unread count) and the chosen one's newest items."""
    try:
        lists = services.watchlists.all()
    except Exception as exc:
        return gr.update(choices=[], value=None), error_html(exc, "following")
    if not lists:
        return gr.update(choices=[], value=None), f'<p class="panel-empty">{NOTHING}</p>'
    ids = [w.id for w in lists]
    chosen = int(watchlist_id) if watchlist_id in ids else ids[-1]
    choices = [(_label(w), w.id) for w in lists]
    watchlist = next(w for w in lists if w.id == chosen)
    items = services.watchlists.items(chosen, None, ITEMS_SHOWN)
    return gr.update(choices=choices, value=chosen), render_items(watchlist, items)


def render_items(watchlist: Watchlist, items: list[WatchItem]) -> str:
    what = f"story {watchlist.story_id}" if watchlist.story_id else f"“{watchlist.query}”"
    plural = "" if watchlist.items == 1 else "s"
    counts = f"{watchlist.items} item{plural}, {watchlist.unread} unread"
    head = f'<h3>{esc(watchlist.name)} <span class="meta">· {esc(what)} · {counts}</span></h3>'
    if not items:
        note = "No new article has matched it yet: matches come with the next ingest or fetch."
        return f'<div class="following">{head}<p class="panel-empty">{note}</p></div>'
    rows: list[str] = []
    for item in items:
        new = '<span class="new">new</span>' if item.id > watchlist.read_through else ""
        link = cite_url(item.citation, (item.quote_start, item.quote_end))
        day = day_span(item.published_at, item.published_at)
        meta = f"{day} · {display_name(item.source) or '-'}"
        cited = f'<a class="cite-link" href="{esc(link)}">[{len(rows) + 1}]</a>'
        rows.append(
            f'<li><span class="headline">{esc(item.title)}</span>'
            f'<span class="meta">{esc(meta)}</span>{new}'
            f"<blockquote>“{esc(item.quote)}” {cited}</blockquote></li>"
        )
    return f'<div class="following">{head}<ol>{"".join(rows)}</ol></div>'


def _label(watchlist: Watchlist) -> str:
    unread = f" · {watchlist.unread} unread" if watchlist.unread else ""
    return f"{watchlist.name[:80]}{unread}"


def follow_query(services: Services, text: str) -> int | None:
    """Follow ``text`` (a toast says so, or why not); the new watchlist's id."""
    return _follow(services, query=" ".join((text or "").split()) or None)


def follow_story(services: Services, story_id: str | None) -> None:
    _follow(services, story_id=story_id or None)


def follow_question(services: Services, turns: list[dict[str, str]]) -> None:
    """Follow the conversation's last question."""
    asked = [t["content"] for t in turns if t.get("role") == "user" and t.get("content")]
    if not asked:
        gr.Warning("Ask a question first: its words are what is followed.")
        return
    follow_query(services, asked[-1])


def _follow(services: Services, **given: str | None) -> int | None:
    if not services.writes_enabled:
        gr.Warning(NO_TOKEN)
        return None
    if not any(given.values()):
        gr.Warning("Type what to follow (or choose a story).")
        return None
    try:
        made, _ = services.watchlists.add(**given)
    except Exception as exc:
        gr.Warning(str(exc))
        return None
    gr.Info(f"Following “{made.name}”: new matching articles appear in the Following tab.")
    return made.id
