"""Bytes to str: BOMs (UTF-8, UTF-16, UTF-32), lenient UTF-8, binary detection."""

from __future__ import annotations

import codecs
import logging

logger = logging.getLogger(__name__)

SNIFF_CHARS = 8192
MAX_NON_TEXT_RATIO = 0.10

# Longest BOMs first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_TEXT_CONTROLS = frozenset("\t\n\r\f")


class BinaryFileError(ValueError):
    """The bytes are not text."""


def decode_bytes(data: bytes, where: str) -> str:
    """Decode file content; invalid bytes become U+FFFD with a warning naming ``where``.

    Raises ``BinaryFileError`` when the content does not look like text.
    """
    encoding, body = _split_bom(data)
    if encoding == "utf-8":
        text, n_bad = _decode_utf8(body)
    else:
        text, n_bad = _decode_other(body, encoding)
    if _looks_binary(text[:SNIFF_CHARS]):
        raise BinaryFileError("binary file")
    if n_bad:
        logger.warning(
            "%s: invalid %s, %d bad byte(s) replaced with U+FFFD", where, encoding, n_bad
        )
    return text


def _split_bom(data: bytes) -> tuple[str, bytes]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, data[len(bom) :]
    return "utf-8", data


def _decode_utf8(data: bytes) -> tuple[str, int]:
    """Decode with ``errors="replace"``; count the invalid bytes via ``surrogateescape``."""
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError:
        escaped = data.decode("utf-8", errors="surrogateescape")
        n_bad = sum(1 for ch in escaped if "\udc80" <= ch <= "\udcff")
        return data.decode("utf-8", errors="replace"), n_bad


def _decode_other(data: bytes, encoding: str) -> tuple[str, int]:
    try:
        return data.decode(encoding), 0
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        return text, max(1, text.count("\ufffd"))


def _looks_binary(sample: str) -> bool:
    """NUL characters, or more than 10% control/replacement characters."""
    if not sample:
        return False
    if "\x00" in sample:
        return True
    odd = sum(1 for ch in sample if _is_non_text(ch))
    return odd / len(sample) > MAX_NON_TEXT_RATIO


def _is_non_text(ch: str) -> bool:
    if ch == "\ufffd":
        return True
    return (ch < " " or ch == "\x7f") and ch not in _TEXT_CONTROLS
