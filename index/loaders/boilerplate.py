"""Drop scraped-page boilerplate lines (newsletter prompts, video-player and ad feedback, consent
text) from article bodies at load time, before any offset exists.

The rule: a line is dropped when it is shorter than ``MAX_LINE_CHARS`` and matches one of
``PATTERNS`` (case-insensitive), or consists only of separator characters. Lines are removed
whole, so every offset computed later refers to the cleaned text that is stored. The patterns
come from the most frequent repeated lines of a 3,775-article news crawl (CNN, USA Today, The
Week); a pattern must name promotional or page-furniture wording, never news content.
"""

from __future__ import annotations

import re

MAX_LINE_CHARS = 400

PATTERNS = [
    r"\bsign up\b.*\b(newsletter|inbox|here|today)\b",
    r"\bnewsletter\b.*\b(sign up|subscribe|provides you|would you like)\b",
    r"\bwould you like to receive\b.*\bnewsletter\b",
    r"\bdelivered to your inbox\b",
    r"\bsubscribe (to|here|today)\b.*\b(newsletter|print edition|today|here|app)\b",
    r"^video player was slow to load",
    r"\bvideo content (never loaded|did not start)\b",
    r"\bhow relevant is this ad to you\b",
    r"^(ad|audio) (froze|was too loud)",
    r"^(read more|advertisement|skip advertisement|ad feedback|close dialog|watch now)\.?$",
    r"\bcheck your local forecast here\b",
    r"\byou agree to the processing, storage\b",
    r"\bplease tick here\b",
    r"^'we' includes the week\b",
    r"\bwe will use the (details|information) you have shared\b",
    r"\bpurchases you make through our links may earn us a commission\b",
    r"^prices were accurate at the time this article was published\b",
    r"^thank you for supporting our journalism\b",
    r"^support local journalism\b",
    r"\bon twitter: @\w+\.?$",
]
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in PATTERNS), re.IGNORECASE)
_SEPARATOR = re.compile(r"^[\s_*=~\-–—•·]+$")


def is_boilerplate(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    if _SEPARATOR.match(stripped):
        return True
    return len(stripped) < MAX_LINE_CHARS and _BOILERPLATE.search(stripped) is not None


def drop_boilerplate(text: str) -> str:
    """The text without boilerplate lines (blank-line structure tidied by the caller)."""
    return "\n".join(line for line in text.split("\n") if not is_boilerplate(line))
