"""The colours of the web UI and of the citation pages, in a light and a dark scheme.

Every colour the UI's own CSS uses is a custom property ``--nr-…`` defined here twice: once for
a light page and once for a dark one, each pair checked for contrast (axe-core, both schemes,
tests/test_browser_schemes.py). The Gradio app switches with the ``dark`` class Gradio puts on
``<body>`` when the system (or ``?__theme=dark``) asks for it; the citation pages, which run no
script, with ``prefers-color-scheme``.
"""

from __future__ import annotations

LIGHT = {
    "bg": "#ffffff",  # a citation page's background
    "text": "#1f2937",
    "muted": "#4b5563",  # bylines, meta lines, hints
    "link": "#1e40af",  # 5:1 even at the chat's 0.8 opacity
    "accent": "#c2410c",  # the selected tab, the timeline's rule (text-safe on the page)
    "tab": "#374151",
    "rule": "#dddddd",  # borders between rows
    "surface": "#ffffff",  # the timeline's dots, the back button
    "error": "#b00000",
    "error-bg": "#fdf0f0",
    "passage-bg": "#fdf6d8",  # the cited passage (the light highlight)
    "passage-fg": "#1f2937",
    "quote-bg": "#ffd84d",  # the quoted sentence (the strong one)
    "quote-fg": "#111827",
    "hit-bg": "#fff3a3",  # a query term in a search result
    "hit-fg": "#111827",
    "note-bg": "#fff7ed",  # "Updated since"
    "note-edge": "#b45309",
    "note-fg": "#1f2937",
    "del-bg": "#fde2e2",
    "del-fg": "#7f1d1d",
    "ins-bg": "#dcfce7",
    "ins-fg": "#14532d",
    "qnote-bg": "#fbf6e3",  # a note beside a quote (ui.note_chips)
    "qnote-fg": "#3d3518",
    "qnote-edge": "#7a6a2f",
}
DARK = {
    "bg": "#18181b",
    "text": "#f4f4f5",
    "muted": "#b4b4bc",
    "link": "#93c5fd",
    "accent": "#fb923c",
    "tab": "#d4d4d8",
    "rule": "#3f3f46",
    "surface": "#18181b",
    "error": "#fca5a5",
    "error-bg": "#3b1414",
    "passage-bg": "#3f3710",
    "passage-fg": "#f4f4f5",
    "quote-bg": "#facc15",
    "quote-fg": "#111827",
    "hit-bg": "#5c4f0f",
    "hit-fg": "#f4f4f5",
    "note-bg": "#2a1d0e",
    "note-edge": "#d97706",
    "note-fg": "#f4f4f5",
    "del-bg": "#4c1d1d",
    "del-fg": "#fecaca",
    "ins-bg": "#14361f",
    "ins-fg": "#bbf7d0",
    "qnote-bg": "#2f2a17",
    "qnote-fg": "#f3e9c4",
    "qnote-edge": "#c9b66b",
}


def _properties(colours: dict[str, str]) -> str:
    return "".join(f"--nr-{name}:{value};" for name, value in colours.items())


def app_palette() -> str:
    """The properties for the Gradio app: light on ``:root``, dark under Gradio's ``.dark``."""
    return f":root{{{_properties(LIGHT)}}}\n.dark{{{_properties(DARK)}}}\n"


def page_palette() -> str:
    """The properties for a page without Gradio: the scheme the browser prefers."""
    return (
        f":root{{color-scheme:light dark;{_properties(LIGHT)}}}\n"
        f"@media (prefers-color-scheme:dark){{:root{{{_properties(DARK)}}}}}\n"
    )
