"""Content hashes: the SHA-256 hex digest every identity in the index is built from (article
text and content hashes, embed hashes, the tail of a citation key)."""

from __future__ import annotations

import hashlib


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
