"""The Search tab: retrieval only, a results table with highlighted snippets and citation links
that open in the tab's own side panel."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant import DEFAULT_SEARCH_K, SEARCH_K, SearchMode, SearchRequest
from ui.services import Services
from ui.web.citation_panel import citation_panel
from ui.web.filter_controls import FilterControls, build_filters, filter_controls, raw_dates_js
from ui.web.render import error_html, results_html

SEARCH_MAX_K = 50  # the slider's end (a request allows up to SEARCH_K[1])


@dataclass
class SearchTab:
    filters: FilterControls


def build_search_tab(services: Services) -> SearchTab:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row():
                query_box = gr.Textbox(
                    placeholder="Search passages", show_label=False, elem_id="search-query", scale=5
                )
                go = gr.Button("Search", variant="primary", elem_id="search-go", scale=1)
            with gr.Row():
                mode_radio = gr.Radio(
                    [m.value for m in SearchMode],
                    value="hybrid",
                    label="Mode",
                    elem_id="search-mode",
                )
                k_slider = gr.Slider(
                    SEARCH_K[0],
                    SEARCH_MAX_K,
                    value=DEFAULT_SEARCH_K,
                    step=1,
                    label="Results",
                    elem_id="search-k",
                )
            filters = filter_controls("search")
            results = gr.HTML("", elem_id="search-results", js_on_load=None)
        with gr.Column(scale=2):
            citation_panel(services, "#search-results", "search-panel")

    def run(
        query: str,
        mode: str,
        k: float,
        sources: list[str] | None,
        since: str | None,
        until: str | None,
        as_of: str | None,
        languages: list[str] | None = None,
    ) -> str:
        return search_html(services, query, mode, k, sources, since, until, as_of, languages)

    inputs = [query_box, mode_radio, k_slider, *filters.inputs, filters.languages]
    typed = raw_dates_js("search", inputs.index(filters.since))
    go.click(run, inputs, results, api_name="search", js=typed)
    query_box.submit(run, inputs, results, api_visibility="private", js=typed)
    return SearchTab(filters)


def search_html(
    services: Services,
    query: str,
    mode: str,
    k: float,
    sources: list[str] | None,
    since: str | None,
    until: str | None,
    as_of: str | None,
    languages: list[str] | None = None,
) -> str:
    """The results table for a query, or the reason there is none (escaped)."""
    if not (query or "").strip():
        return '<p class="empty">Type a query.</p>'
    try:
        filters = build_filters(sources, since, until, as_of, languages)
        with services.reading() as a:
            request = SearchRequest(
                query, int(k or DEFAULT_SEARCH_K), SearchMode(mode or "hybrid"), filters
            )
            hits = a.search(request)
            model = a.index.model_name
    except Exception as exc:
        return error_html(exc, "search")
    return results_html(query, hits, model)
