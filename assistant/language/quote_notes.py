"""What a reader is told beside a quoted sentence, never inside it: the outlet it comes from
(the wire service or first publisher for a syndicated copy), whose claim it reports, and the
dates its relative phrases ("last week", "this year") mean, counted from the article's
publication day. The quote's characters are never changed: a note (``QuoteNote``) names the
quote's words it explains and is shown after the quote, visibly a note.

A kind of note is shown only when it is certain enough: each was checked by hand on a labelled
sample of answers over the rtqa-news corpus (``bench/quote_notes.py``, docs/BENCHMARKS.md), and a
kind below 0.95 precision is switched off (``DATE_KINDS``, ``SPEAKER_NOTES``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from assistant.language.attribution import Attribution, attribution_of, wire_origin
from assistant.language.relative_dates import DateMention, day_label, resolve_dates
from assistant.records import Citation, QuoteNote
from index.records import ArticleMeta
from index.text.outlet_names import display_name

CONTEXT_BEFORE = 600  # characters before a quote read to resolve "he said"
# the relative-date rules whose notes are shown (relative_dates.KINDS), and whether a
# pronoun's speaker is. Measured on 110 hand-labelled notes of 319 answers over rtqa-news
# (docs/BENCHMARKS.md, "Notes beside quotes"): period 38/39 right (on); weekday 35/40, month_day
# 16/19, day 5/10, ago 0/1 (off: an article updated after its date, "today" meaning nowadays,
# "Jan. 6" the 2021 attack); speaker 1/1 (off: too few to show 0.95)
DATE_KINDS = frozenset({"period"})
SPEAKER_NOTES = False
SPEAKER_WHY = "speaker inferred from the sentences before the quote"
_FIRST_PUBLISHED = re.compile(
    r"(?:originally|first)\s+(?:appeared|published|ran)\s+(?:in|on|by)\s+"
    r"((?:the\s+)?[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4})"
)


def outlet_name(meta: ArticleMeta, text: str = "") -> str:
    """Who published the text first: a wire service or the outlet a republished article
    credits, shown with the site it was read on; else the site."""
    site = display_name(meta.source) or f"“{meta.title}”"
    origin = wire_origin(text, meta.authors) or _first_publisher(text)
    if origin and origin.lower() not in site.lower():
        return f"{origin} (via {site})"
    return site


def _first_publisher(text: str) -> str | None:
    tail = text[-1500:]
    match = _FIRST_PUBLISHED.search(tail) or _FIRST_PUBLISHED.search(text[:600])
    return match.group(1).rstrip(".") if match else None


def note_citation(citation: Citation, text: str, meta: ArticleMeta) -> Citation:
    """The citation with its outlet, the claim's owner, the quote's resolved dates and the
    notes shown beside it; a claim whose speaker is only a pronoun resolved from the text before
    is kept only while such notes are on."""
    before = text[max(0, citation.quote_start - CONTEXT_BEFORE) : citation.quote_start]
    claim = attribution_of(citation.quote, before)
    pronoun = _pronoun(citation.quote, claim)
    if pronoun and not SPEAKER_NOTES:
        claim = None
    dates = tuple(resolve_dates(citation.quote, meta.published_at, DATE_KINDS))
    notes = [_date_note(m, meta.published_at) for m in dates]
    if claim is not None and pronoun:
        notes.append(QuoteNote("speaker", pronoun, claim.speaker, SPEAKER_WHY))
    return replace(
        citation,
        outlet=outlet_name(meta, text),
        claim_by=claim.speaker if claim else None,
        dates=dates,
        notes=tuple(notes),
    )


def _pronoun(quote: str, claim: Attribution | None) -> str | None:
    """The pronoun the claim's speaker was resolved from ("He said …"), if it was."""
    if claim is None or claim.speaker.lower() in quote.lower():
        return None
    return quote[claim.start : claim.end]


def _date_note(mention: DateMention, published_at: str | None) -> QuoteNote:
    why = f"date counted from the article's publication date, {short_day(published_at)}"
    return QuoteNote("date", mention.phrase, mention.label, why)


def passage_notes(text: str, published_at: str | None) -> list[tuple[int, QuoteNote]]:
    """The date notes of a passage shown whole (a /cite page), each with the offset in
    ``text`` its phrase ends at: the same kinds as beside a quote."""
    return [
        (m.end, _date_note(m, published_at)) for m in resolve_dates(text, published_at, DATE_KINDS)
    ]


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
