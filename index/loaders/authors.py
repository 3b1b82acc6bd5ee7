"""Author fields (list, dicts with a name, or a byline string) to a tuple of names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.loaders.normalize import one_line

_SEPARATORS = re.compile(r"\s*[,;]\s*|\s+and\s+", re.IGNORECASE)
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)


def split_byline(byline: str) -> list[str]:
    """``"By Jane Doe and John Roe; Ann Poe"`` -> ``["Jane Doe", "John Roe", "Ann Poe"]``."""
    parts = _SEPARATORS.split(_BY_PREFIX.sub("", one_line(byline)))
    names = (_BY_PREFIX.sub("", part).strip() for part in parts)
    return [name for name in names if name]


def parse_authors(value: object) -> tuple[str, ...]:
    """A string, or a list of strings and/or ``{"name": ...}`` dicts; order kept, no repeats."""
    if isinstance(value, str):
        return _unique(split_byline(value))
    if isinstance(value, dict):
        return parse_authors(value.get("name"))
    if isinstance(value, list | tuple):
        return _unique(name for item in value for name in parse_authors(item))
    return ()


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
