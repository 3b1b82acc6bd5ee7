"""Citation keys arriving in URLs: refuse anything that looks like a path or holds controls.

Keys never reach the file system (a lookup reads SQLite only); refusing ``..`` segments, a
leading ``/``, backslashes and control characters (``%00``) up front makes that obvious and
gives every such request a 400 instead of a confusing 404.
"""

from __future__ import annotations

from urllib.parse import quote

from index import MalformedCitation

MAX_KEY_CHARS = 2048


def checked_key(key: str) -> str:
    """``key`` unchanged, or MalformedCitation naming what is wrong with it."""
    if len(key) > MAX_KEY_CHARS:
        raise MalformedCitation(f"citation key longer than {MAX_KEY_CHARS} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise MalformedCitation("malformed citation key: control characters are not allowed")
    if key.startswith("/") or "\\" in key or any(p in (".", "..") for p in key.split("/")):
        raise MalformedCitation(f"malformed citation key {key[:120]!r}: looks like a path")
    return key


def cite_url(key: str, quote_span: tuple[int, int] | None = None) -> str:
    """The human page of a citation, ``/cite/{key}``: it scrolls to the passage, or, when a
    quote is given, to the quote (emphasised inside the lightly marked passage)."""
    url = "/cite/" + quote(key, safe=":-")
    if quote_span is not None:
        return url + f"?quote={quote_span[0]}-{quote_span[1]}#quote"
    return url + "#passage"
