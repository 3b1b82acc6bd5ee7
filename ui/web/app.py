"""The Gradio UI mounted at ``/``: Chat, Search, Briefing, Timeline, Following and Library tabs
over the ``assistant`` API.

Named endpoints for ``gradio_client`` (see docs/API.md): ``/chat``, ``/ask``, ``/search``,
``/citation``, ``/articles``, and with a token configured ``/upload`` and ``/delete``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant import DEFAULT_ASK_K, AskRequest
from index import DEFAULT_CONTEXT, lookup_citation
from ui.services import Services
from ui.views.article_html import UPDATE_NOTE_CSS
from ui.views.cite_urls import checked_key
from ui.views.colors import app_palette
from ui.views.note_chips import NOTE_CSS
from ui.web.briefing_tab import LIST_CSS, build_briefing_tab
from ui.web.chat_tab import build_chat_tab
from ui.web.filter_controls import build_filters, language_choices, outlet_choices
from ui.web.following_tab import build_following_tab, following_view
from ui.web.library_tab import build_library_tab, library_view, newest_articles
from ui.web.search_tab import build_search_tab
from ui.web.timeline_tab import TIMELINE_CSS, build_timeline_tab

CSS = (
    app_palette()
    + """
.app-title{font-size:1.5rem;line-height:1.3;margin:.1em 0 .2em;font-weight:700}
.app-title .tagline{font-weight:400;font-size:.8em}
.app-title .short{display:none}
.chat-empty{color:var(--nr-text);background:var(--nr-bg);border:1px solid var(--nr-rule);
  border-radius:.5em;padding:.5em .9em}
.chat-empty strong,.chat-empty code{color:inherit;background:transparent}
.chat-start{margin:0;color:var(--nr-muted);font-size:.9em}
.chat-empty .to-library,.chat-start .to-briefing{background:var(--nr-surface);color:var(--nr-link);
  cursor:pointer;
  border:1px solid var(--nr-link);border-radius:.4em;padding:.3em .8em;font:inherit}
.citation-panel .panel-scroll{max-height:60vh;overflow:auto;position:relative;padding-right:.5em}
.citation-panel .article-text{white-space:pre-wrap;line-height:1.55}
.citation-panel h2{font-size:1.25em;line-height:1.3;margin:.2em 0}
.citation-panel mark.passage{background:var(--nr-passage-bg);color:var(--nr-passage-fg);
padding:.1em 0}
.citation-panel strong.quote{background:var(--nr-quote-bg);color:var(--nr-quote-fg);
font-weight:600;box-shadow:0 0 0 2px var(--nr-quote-bg)}
.citation-panel .byline,.results .byline{color:var(--nr-muted);font-size:.9em}
.citation-panel .key code{font-size:.8em}
.citation-panel a,#search-results a,#timeline-view a,#chat-answers a,.library-list a{
color:var(--nr-link)}
.citation-panel .back-to-answer{display:inline-flex;gap:.3em;margin:0 0 .5em;padding:.35em .9em;
border:1px solid var(--nr-rule);border-radius:999px;background:var(--nr-surface);
color:var(--nr-text);font:inherit;font-size:.9em;cursor:pointer}
.citation-panel .back-to-answer[hidden]{display:none}
.panel-empty{color:var(--nr-muted);padding:1em}
.panel-error{color:var(--nr-error)}
table.results{width:100%;border-collapse:collapse}
table.results td,table.results th{border-bottom:1px solid var(--nr-rule);padding:.4em;
vertical-align:top}
table.results mark{background:var(--nr-hit-bg);color:var(--nr-hit-fg)}
.library-list ul.articles{list-style:none;margin:0;padding:0;max-height:420px;overflow:auto}
.library-list li{padding:.5em 0;border-bottom:1px solid var(--nr-rule);overflow-wrap:anywhere}
.library-list .title{display:block;font-weight:600;text-align:start}
.library-list .meta{display:block;color:var(--nr-muted);font-size:.9em}
.library-list code.id{font-size:.8em;color:var(--nr-muted)}
.library-list details.feeds{margin-bottom:.8em}
.library-list .meta.error{color:var(--nr-error)}
.date-filters .form{flex-wrap:wrap}
.date-filters .block{flex:1 1 190px!important;min-width:190px!important}
.date-filters .timebox{display:flex}
.date-filters input.time{min-width:0;flex:1 1 auto}
.date-filters input.time.invalid{outline:2px solid #c33;background:var(--nr-error-bg)}
.date-filters .block:has(input.time.invalid)::after{content:"not a date: type YYYY-MM-DD";
color:var(--nr-error);font-size:.85em;display:block;margin-top:.3em}
button.primary{background:#c2410c!important;border-color:#c2410c!important;color:#fff!important}
button[role="tab"]{color:var(--nr-tab)!important}
button[role="tab"].selected{color:var(--nr-accent)!important}
button.stop{background:#b91c1c!important;border-color:#b91c1c!important;color:#fff!important}
.info-text,.max_value,.min_value,.upload-container .or,footer a,.show-api,.built-with,.settings{
color:var(--nr-muted)!important}
@media (max-width:600px){.date-filters .block{flex-basis:100%!important;min-width:100%!important}
.app-title{font-size:1.15rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.app-title .long{display:none}.app-title .short{display:inline}}
"""
    + UPDATE_NOTE_CSS.replace(".update-note", ".citation-panel .update-note")
    + TIMELINE_CSS
    + LIST_CSS  # the Briefing's and the Following tab's lists
    + NOTE_CSS
)  # colours: ui/views/colors.py, light and dark (Gradio's ``dark`` class on <body>)
TITLE = (
    '<h1 class="app-title">newsrag <span class="tagline">— <span class="long">answers from '
    'your news articles, every sentence cited</span><span class="short">every sentence cited'
    "</span></span></h1>"
)  # one line on a phone: the short tagline there
HEAD = r"""<meta name="referrer" content="same-origin">
<script>
// Gradio's date boxes have an unnamed calendar button: name it after its field; its upload
// area's name must contain the words it shows ("Drop File Here - or - Click to Upload").
new MutationObserver(() => {
  document.querySelectorAll('.timebox button.calendar:not([aria-label])').forEach((b) => {
    const field = b.closest('.block')?.querySelector('[data-testid="block-info"]');
    b.setAttribute('aria-label', (field ? field.textContent.trim() + ': ' : '') + 'pick a date');
  });
  document.querySelectorAll('.upload-container[aria-label]').forEach((u) => {
    const shown = u.innerText.replace(/\s+/g, ' ').trim();
    if (shown && u.getAttribute('aria-label') !== shown) u.setAttribute('aria-label', shown);
  });
}).observe(document.documentElement, {subtree: true, childList: true});
</script>"""


def build_chat(services: Services) -> gr.Blocks:
    with gr.Blocks(title="newsrag", analytics_enabled=False) as blocks:
        gr.HTML(TITLE, elem_id="app-header", js_on_load=None, container=False, padding=False)
        with gr.Tabs(overflow_behavior="wrap"):  # on a phone every tab stays in sight
            with gr.Tab("Chat", id="chat"):
                chat = build_chat_tab(services)
            with gr.Tab("Search", id="search"):
                search = build_search_tab(services)
            with gr.Tab("Briefing", id="briefing"):
                build_briefing_tab(services)
            with gr.Tab("Timeline", id="timeline"):
                build_timeline_tab(services)
            with gr.Tab("Following", id="following"):
                following = build_following_tab(services)
            with gr.Tab("Library", id="library"):
                library = build_library_tab(services)
        source_lists = [chat.filters.sources, search.filters.sources]
        language_lists = [chat.filters.languages, search.filters.languages]
        with_ids = library.doomed is not None
        blocks.load(
            lambda: _on_load(services, with_ids, chat.examples),
            None,
            [chat.chatbot, *source_lists, *language_lists, library.counts, library.table]
            + ([library.doomed] if library.doomed else []),
            api_visibility="private",
        )
        blocks.load(
            lambda: following_view(services, None), None, list(following), api_visibility="private"
        )
        _api_endpoints(services)
    return blocks


NO_OUTLETS = (
    "no outlet is recorded for the indexed articles (plain files name none: add `source:` "
    "front matter, or index JSON or HTML)"
)


def _on_load(
    services: Services, with_ids: bool, examples_now: Callable[[], list[dict[str, str]]]
) -> tuple[Any, ...]:
    """Example questions, fresh outlet lists and library on every page load (articles may have
    arrived since)."""
    sources = services.sources()
    info = "only these outlets (none: all)" if sources else NO_OUTLETS
    outlets = gr.update(choices=outlet_choices(sources), info=info)
    languages = gr.update(choices=language_choices(services.language_counts()))
    listing = newest_articles(services)  # read once: the examples and the Library use it
    examples = examples_now()  # questions the index answers (ui.web.examples)
    return (
        gr.update(examples=examples or None),
        outlets,
        outlets,
        languages,
        languages,
        *library_view(services, with_ids, listing),
    )


def _api_endpoints(services: Services) -> None:
    def ask(
        question: str,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
        k: int = DEFAULT_ASK_K,
    ) -> dict[str, Any]:
        """Answer a question; the same object as POST /api/ask."""
        filters = build_filters(sources, since, until, as_of)
        request = AskRequest(question, (), filters, int(k))
        return services.ask(request).to_dict()  # on the bounded ask pool

    def citation(key: str, context: int = DEFAULT_CONTEXT) -> dict[str, Any]:
        """The passage behind a citation key; the same object as GET /api/citations/{key}."""
        with services.reading() as a:
            resolved = lookup_citation(a.index, checked_key(key), int(context))
        return resolved.to_dict()

    gr.api(ask, api_name="ask")
    gr.api(citation, api_name="citation")
