"""Citation keys: the public, stable handle of a passage (docs/API.md, "Citations").

``"{article_id}:{start}-{end}:{h}"`` where ``h`` is the first 8 hex digits of the SHA-256 of
the passage text. Article ids may themselves contain ``:``, so the key is parsed from the right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text.hashing import sha256_hex

_TAIL = re.compile(r":(\d{1,12})-(\d{1,12}):([0-9a-f]{8})$")


class MalformedCitation(ValueError):
    """The key is not of the form ``article_id:start-end:h``."""


def passage_hash(text: str) -> str:
    return sha256_hex(text)[:8]


def citation_key(article_id: str, start: int, end: int, text: str) -> str:
    return f"{article_id}:{start}-{end}:{passage_hash(text)}"


@dataclass(frozen=True)
class CitationKey:
    article_id: str
    start: int
    end: int
    hash: str

    @classmethod
    def parse(cls, key: str) -> CitationKey:
        match = _TAIL.search(key)
        if not match or match.start() == 0:
            raise MalformedCitation(
                f"malformed citation key {key[:120]!r}: expected 'article_id:start-end:hash' "
                "with 8 lowercase hex digits"
            )
        start, end = int(match.group(1)), int(match.group(2))
        if start >= end:
            raise MalformedCitation(f"malformed citation key {key[:120]!r}: start must be < end")
        return cls(key[: match.start()], start, end, match.group(3))

    def matches(self, article_text: str) -> bool:
        """True when the article still holds exactly the cited characters."""
        if self.end > len(article_text):
            return False
        return passage_hash(article_text[self.start : self.end]) == self.hash

    def __str__(self) -> str:
        return f"{self.article_id}:{self.start}-{self.end}:{self.hash}"
