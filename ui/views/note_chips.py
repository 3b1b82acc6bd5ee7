"""Notes beside a quote (``assistant.records.QuoteNote``): a small chip after the quote and its
``[n]``, outside the quotation marks and in a style of its own, that says what a relative date
or a pronoun in the quote means ("note: …") and, in its tooltip, how that was inferred.
The quote itself is never changed."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from assistant import QuoteNote
from ui.views.dateline import in_language


def esc(value: str) -> str:
    return html.escape(value, quote=True)


NOTE_CSS = """  /* its colours: ui/views/colors.py, both schemes */
.qnote { display: inline-block; margin-left: .3em; padding: 0 .4em; border-radius: .6em;
  font-size: .78em; font-style: normal; line-height: 1.5; vertical-align: super;
  border: 1px solid var(--nr-qnote-edge); background: var(--nr-qnote-bg);
  color: var(--nr-qnote-fg); cursor: help; }
"""


def note_chips(notes: Sequence[QuoteNote], text: Callable[[str], str] = esc) -> str:
    """The chips for a quote's notes ("" when it has none). ``text`` escapes what the chip
    shows (HTML escaping; the chat passes its Markdown escaping); attributes are HTML-escaped."""
    return "".join(_chip(note, text) for note in notes)


def _chip(note: QuoteNote, text: Callable[[str], str]) -> str:
    """``note: “this week” = week of 1 Apr 2024``, its tooltip how that was inferred (a role
    and a title: the chat's sanitiser keeps both, and drops aria-label)."""
    shown = f"note: “{note.phrase}” = {note.means}"
    return (
        f'<span class="qnote" role="note" tabindex="0" title="{esc(note.why)}">{text(shown)}</span>'
    )


def language_chip(language: str | None, text: Callable[[str], str] = esc) -> str:
    """``in Ukrainian`` after the ``[n]`` of a quote in another language than English (""
    otherwise): the quote is the article's own words, untranslated."""
    shown = in_language(language)
    if shown is None:
        return ""
    why = "the article's language, detected at ingest; the quote is shown as written"
    return f'<span class="qnote" role="note" tabindex="0" title="{esc(why)}">{text(shown)}</span>'
