"""The requests ``Assistant.ask`` and ``Assistant.search`` take: one record each, their bounds
and defaults written here once (the CLI, the HTTP API and the chat read them from here).

A bad value raises ``QueryError`` naming the field, whoever built the request. Importing this
module is cheap (no model library), so the CLI reads the bounds without loading one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from index.filters import SearchFilters

ASK_K = (1, 50)  # passages read per answer
SEARCH_K = (1, 100)  # hits per search
STORIES_K = (1, 50)  # stories listed
BRIEF_LIMIT = (1, 50)  # stories in a briefing
DEFAULT_BRIEF_LIMIT = 10
DEFAULT_ASK_K = 6
DEFAULT_SEARCH_K = 10
DEFAULT_STORIES_K = 10
# the answer engines (engines/registry.py builds them); "timeline" answers "how did … develop?"
ENGINE_NAMES = ("extractive", "llm", "timeline")
DEFAULT_ENGINE = ENGINE_NAMES[0]

Turn = Mapping[str, Any]  # {"role": "user" | "assistant", "content": str}


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    KEYWORD = "keyword"


class QueryError(ValueError):
    """The query cannot be run (empty, too long, k out of bounds…); the message says why."""


def _check_k(k: int, bounds: tuple[int, int], name: str = "k") -> None:
    if isinstance(k, bool) or not isinstance(k, int) or not bounds[0] <= k <= bounds[1]:
        raise QueryError(f"{name}: {k!r} is not a whole number from {bounds[0]} to {bounds[1]}")


@dataclass(frozen=True)
class AskRequest:
    """A question, the conversation before it (for follow-ups), the filters (``as_of`` among
    them), how many passages to read and which engine answers."""

    question: str
    history: Sequence[Turn] = ()
    filters: SearchFilters = field(default_factory=SearchFilters)
    k: int = DEFAULT_ASK_K
    engine: str | None = None  # one of ENGINE_NAMES; None: DEFAULT_ENGINE
    mode: SearchMode = SearchMode.HYBRID

    def __post_init__(self) -> None:
        _check_k(self.k, ASK_K)


@dataclass(frozen=True)
class SearchRequest:
    """A query, how many passages to return, the retrieval mode and the filters."""

    query: str
    k: int = DEFAULT_SEARCH_K
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = field(default_factory=SearchFilters)

    def __post_init__(self) -> None:
        _check_k(self.k, SEARCH_K)


@dataclass(frozen=True)
class BriefRequest:
    """A briefing: of one ``day``, or of ``since`` … ``until`` (inclusive days; until defaults
    to the latest day with news), or of the latest day with news; about ``topic`` only when
    given; its ``limit`` most important stories."""

    day: str | None = None
    since: str | None = None
    until: str | None = None
    topic: str | None = None
    limit: int = DEFAULT_BRIEF_LIMIT

    def __post_init__(self) -> None:
        _check_k(self.limit, BRIEF_LIMIT, "limit")


@dataclass(frozen=True)
class StoryRequest:
    """The stories a query is about, best first, or without a query the latest ones; how many,
    and the filters (``as_of`` shows them as they stood that day)."""

    query: str | None = None
    k: int = DEFAULT_STORIES_K
    filters: SearchFilters = field(default_factory=SearchFilters)

    def __post_init__(self) -> None:
        _check_k(self.k, STORIES_K)
