"""An article's outlet and date as shown beside it: only what is known ("Reuters, 2024-11-26",
"Reuters", "2024-11-26" or nothing), never "unknown outlet, undated". The outlet reads as its
one display name (``index.text.outlet_names``: "cnn.com" → "CNN"), the same in every view."""

from __future__ import annotations

from index import display_name


def dateline(source: str | None, published_at: str | None, sep: str = ", ") -> str:
    return sep.join(part for part in (display_name(source), published_at) if part)


def with_dateline(title: str, source: str | None, published_at: str | None) -> str:
    """``title — outlet, date``, or the title alone when neither is known."""
    known = dateline(source, published_at)
    return f"{title} — {known}" if known else title
