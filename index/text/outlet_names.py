"""One display name per outlet, wherever an outlet is shown (chat sources, search results,
filters, Library, timelines, /cite pages): an article's stored ``source`` stays what it is (the
filters and the API match it); only what people read goes through ``display_name``.

The rule: a known outlet's site (``cnn.com``, or any site under it: ``edition.cnn.com``) reads
as the outlet's own name ("CNN"); any other site reads as its domain without ``www.``; a source
that is not a site ("Islay Courier", a feed's ``--source``) reads exactly as stored. Only names
the outlets give themselves are in ``KNOWN``: an unknown domain is never guessed into a name.
"""

from __future__ import annotations

import re

KNOWN = {  # the rtqa-news corpus's three sites, then a few large outlets named by their sites
    "cnn.com": "CNN",
    "usatoday.com": "USA Today",
    "theweek.co.uk": "The Week",
    "apnews.com": "AP",
    "reuters.com": "Reuters",
    "bbc.co.uk": "BBC",
    "bbc.com": "BBC",
    "theguardian.com": "The Guardian",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
}
_SITE = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,63}")  # a host name, no scheme, path or space


def display_name(source: str | None) -> str:
    """The outlet as people read it ("" when there is none): "cnn.com" → "CNN",
    "www.example.org" → "example.org", "Islay Courier" → "Islay Courier"."""
    shown = (source or "").strip()
    site = shown.lower().removesuffix(".")
    if not _SITE.fullmatch(site):
        return shown
    site = site.removeprefix("www.")
    for known, name in KNOWN.items():
        if site == known or site.endswith("." + known):
            return name
    return site
