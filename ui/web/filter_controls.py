"""The filter widgets the chat and search tabs share: outlets, languages, since, until, as of."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import gradio as gr

from assistant import SearchFilters
from index import display_name, language_name


@dataclass
class FilterControls:
    sources: gr.Dropdown
    since: gr.DateTime
    until: gr.DateTime
    as_of: gr.DateTime
    languages: gr.Dropdown  # a handler takes it last (its API keeps its earlier parameters)

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
    languages = gr.Dropdown(
        choices=[],
        value=[],
        multiselect=True,
        label="Languages",
        info="only articles in these languages (none: all)",
        elem_id=f"{prefix}-languages",
    )
    with gr.Row(elem_classes=["date-filters"]):
        since = _date("Since", f"{prefix}-since")
        until = _date("Until", f"{prefix}-until")
        as_of = _date("As of", f"{prefix}-as-of")
    return FilterControls(sources, since, until, as_of, languages)


def outlet_choices(sources: Sequence[str]) -> list[tuple[str, str]]:
    """The outlet list's choices: each stored source (the value the filter matches) under its
    display name ("CNN" for cnn.com), sorted by that name; two sources that read alike (cnn.com
    and edition.cnn.com) are told apart by the source in brackets."""
    names = {s: display_name(s) or s for s in sources}
    alike = Counter(names.values())
    labels = [(f"{n} ({s})" if alike[n] > 1 else n, s) for s, n in names.items()]
    return sorted(labels, key=lambda pair: (pair[0].casefold(), pair[1]))


def language_choices(counts: dict[str, int]) -> list[tuple[str, str]]:
    """The language list's choices: "Ukrainian (12)" for "uk", most articles first."""
    return [(f"{language_name(code)} ({n:,})", code) for code, n in counts.items() if code]


def _date(label: str, elem_id: str) -> gr.DateTime:
    return gr.DateTime(
        label=label, include_time=False, type="string", elem_id=elem_id, scale=1, min_width=160
    )


def raw_dates_js(prefix: str, first: int) -> str:
    """Browser code run before a handler: its three date arguments (from position ``first``)
    become the text typed in the boxes. Gradio's date box keeps its last valid value when the
    text is not a date ("next tuesday"), which would answer unfiltered; sent as typed, the
    server refuses it naming the field."""
    return f"""(...args) => {{
  ['since', 'until', 'as-of'].forEach((name, i) => {{
    const box = document.querySelector('#{prefix}-' + name + ' input.time');
    if (box) args[{first} + i] = box.value.trim() || null;
  }});
  return args;
}}"""


def build_filters(
    sources: list[str] | None,
    since: str | None,
    until: str | None,
    as_of: str | None,
    languages: list[str] | None = None,
) -> SearchFilters:
    """Raises FilterError naming the field when a date is not YYYY-MM-DD."""
    return SearchFilters.build(
        sources or [], since or None, until or None, as_of or None, languages=languages or []
    )
