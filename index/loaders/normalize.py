"""The one text normalisation every loader applies; ``Article.text`` is its output."""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile(r"\r\n?")
_C0_EXCEPT_NL_TAB = re.compile(r"[\x00-\x08\x0b-\x1f]")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Newlines to ``\\n``, C0 controls (but ``\\n``/``\\t``) dropped, NFC, tidy whitespace.

    Idempotent: ``normalize_text(normalize_text(s)) == normalize_text(s)``.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _C0_EXCEPT_NL_TAB.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def one_line(text: str) -> str:
    """Normalise, then collapse every run of whitespace (line breaks too) into one space."""
    return " ".join(normalize_text(text).split())
