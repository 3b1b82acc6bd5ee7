"""What a reader is told beside a quoted sentence, never changing it: the outlet it comes from
(the wire service or first publisher for a syndicated copy), whose claim it reports, and the
dates its relative phrases ("on Monday", "yesterday") mean, counted from the article's
publication day. Shown in answers as square-bracketed insertions, the editor's convention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from assistant.attribution import attribution_of, wire_origin
from assistant.records import Citation, as_quoted
from assistant.relative_dates import DateMention, day_label, resolve_dates, with_notes
from index.records import ArticleMeta

OUTLETS = {"cnn.com": "CNN", "usatoday.com": "USA Today", "theweek.co.uk": "The Week"}
CONTEXT_BEFORE = 600  # characters before a quote read to resolve "he said"
_PRONOUN_SPEAKER = re.compile(
    r"\b(?:[Hh]e|[Ss]he|[Tt]hey)\b(?=(?:\s+\w+){0,2}?\s+(?:said|says|told|tells|added|claimed|"
    r"stated|wrote|warned|insisted|argued|noted|denied|confirmed|announced)\b)"
)
_FIRST_PUBLISHED = re.compile(
    r"(?:originally|first)\s+(?:appeared|published|ran)\s+(?:in|on|by)\s+"
    r"((?:the\s+)?[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4})"
)


def outlet_name(meta: ArticleMeta, text: str = "") -> str:
    """Who published the text first: a wire service or the outlet a republished article
    credits, shown with the site it was read on; else the site."""
    site = OUTLETS.get(meta.source or "", meta.source or f"“{meta.title}”")
    origin = wire_origin(text, meta.authors) or _first_publisher(text)
    if origin and origin.lower() not in site.lower():
        return f"{origin} (via {site})"
    return site


def _first_publisher(text: str) -> str | None:
    tail = text[-1500:]
    match = _FIRST_PUBLISHED.search(tail) or _FIRST_PUBLISHED.search(text[:600])
    return match.group(1).rstrip(".") if match else None


def note_citation(citation: Citation, text: str, meta: ArticleMeta) -> Citation:
    """The citation with its outlet, the claim's owner and the quote's resolved dates."""
    before = text[max(0, citation.quote_start - CONTEXT_BEFORE) : citation.quote_start]
    claim = attribution_of(citation.quote, before)
    return replace(
        citation,
        outlet=outlet_name(meta, text),
        claim_by=claim.speaker if claim else None,
        dates=tuple(resolve_dates(citation.quote, meta.published_at)),
    )


def annotated_quote(quote: str, dates: Sequence[DateMention], claim_by: str | None = None) -> str:
    """The quote as shown: each relative date followed by ``[the date it means]``, and a
    pronoun that reports the claim followed by ``[who]`` ("He [Sergei Lavrov] said …")."""
    notes = {m.end: f" [{m.label}]" for m in dates}
    if claim_by and claim_by.lower() not in quote.lower():
        pronoun = _PRONOUN_SPEAKER.search(quote)
        if pronoun is not None:  # as_quoted: a note, like the quote, never reads as a marker
            notes[pronoun.end()] = as_quoted(f" [{claim_by}]")
    return with_notes(quote, notes)


def claim_of(speaker: str) -> str:
    """ "Putin" → "Putin’s claim"; a plural ("local officials") → "local officials’ claim"."""
    return f"{speaker}’ claim" if speaker.endswith("s") else f"{speaker}’s claim"


def short_day(iso: str | None) -> str:
    """ "2024-11-25" → "25 Nov 2024" ("" when it is not a date)."""
    try:
        day = date.fromisoformat((iso or "")[:10])
    except ValueError:
        return ""
    return day_label(day)
