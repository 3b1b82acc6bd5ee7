"""The filter widgets the chat and search tabs share: outlets, since, until, as of."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant import SearchFilters


@dataclass
class FilterControls:
    sources: gr.Dropdown
    since: gr.DateTime
    until: gr.DateTime
    as_of: gr.DateTime

    @property
    def inputs(self) -> list[gr.components.Component]:
        return [self.sources, self.since, self.until, self.as_of]


def filter_controls(prefix: str) -> FilterControls:
    sources = gr.Dropdown(
        choices=[],
        value=[],
        multiselect=True,
        label="Outlets",
        info="only these outlets (none: all)",
        elem_id=f"{prefix}-sources",
    )
    with gr.Row(elem_classes=["date-filters"]):
        since = _date("Since", f"{prefix}-since")
        until = _date("Until", f"{prefix}-until")
        as_of = _date("As of", f"{prefix}-as-of")
    return FilterControls(sources, since, until, as_of)


def _date(label: str, elem_id: str) -> gr.DateTime:
    return gr.DateTime(
        label=label, include_time=False, type="string", elem_id=elem_id, scale=1, min_width=160
    )


def build_filters(
    sources: list[str] | None, since: str | None, until: str | None, as_of: str | None
) -> SearchFilters:
    """Raises FilterError naming the field when a date is not YYYY-MM-DD."""
    return SearchFilters.build(sources or [], since or None, until or None, as_of or None)
