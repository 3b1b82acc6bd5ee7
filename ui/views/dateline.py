"""An article's outlet and date as shown beside it: only what is known ("Reuters, 2024-11-26",
"Reuters", "2024-11-26" or nothing), never "unknown outlet, undated". The outlet reads as its
one display name (``index.text.outlet_names``: "cnn.com" → "CNN"), the same in every view. An
article in another language than English says so ("Ukrainska Pravda, 2024-11-26, in
Ukrainian"): its quotes are shown as written, untranslated."""

from __future__ import annotations

from index import display_name, language_name

SHOWN_WITHOUT_LABEL = "en"  # the interface's own language needs no label


def dateline(
    source: str | None, published_at: str | None, sep: str = ", ", language: str | None = None
) -> str:
    parts = [display_name(source), published_at, in_language(language)]
    return sep.join(part for part in parts if part)


def in_language(language: str | None) -> str | None:
    """ "in Ukrainian" for a known language other than English, else None."""
    if not language or language == SHOWN_WITHOUT_LABEL:
        return None
    return f"in {language_name(language)}"


def with_dateline(
    title: str, source: str | None, published_at: str | None, language: str | None = None
) -> str:
    """``title — outlet, date``, or the title alone when neither is known."""
    known = dateline(source, published_at, language=language)
    return f"{title} — {known}" if known else title
