"""newsrag's assistant: retrieve, rerank, answer and cite over an index.

The public API the CLI, HTTP API and chat use: ``Assistant`` with its two requests
(``AskRequest``, ``SearchRequest``), the records it returns (``Answer``, ``Citation``), the
bounds of a request and the errors it raises. Interfaces import this package, not its modules.

Importing it is cheap: the requests and their bounds load at once, everything else (models,
FAISS) on first use of a name, so the CLI starts without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from assistant.requests import (
    ASK_K,
    BRIEF_LIMIT,
    DEFAULT_ASK_K,
    DEFAULT_BRIEF_LIMIT,
    DEFAULT_ENGINE,
    DEFAULT_SEARCH_K,
    DEFAULT_STORIES_K,
    ENGINE_NAMES,
    SEARCH_K,
    STORIES_K,
    AskRequest,
    BriefRequest,
    QueryError,
    SearchMode,
    SearchRequest,
    StoryRequest,
    Turn,
)
from assistant.settings import AnswerSettings, AssistantSettings, RetrievalSettings
from index.filters import FilterError, SearchFilters

if TYPE_CHECKING:
    from assistant.answer_cache import AnswerCache, SearchCache
    from assistant.briefing import Briefing, BriefItem
    from assistant.engines.registry import ENGINES, EngineUnavailable
    from assistant.facade import Assistant
    from assistant.language.quote_notes import claim_of, passage_notes, short_day
    from assistant.language.relative_dates import with_notes
    from assistant.records import (
        ABSTAIN_TEXT,
        FALLBACK,
        MARKER,
        Answer,
        AnswerCancelled,
        Citation,
        ContractViolation,
        QuoteNote,
        TokenSink,
        by_article,
        one_per_article,
    )
    from assistant.retrieval.match_strength import nothing_matches_well, weak_hit
    from assistant.retrieval.retriever import Retriever, SearchResult
    from assistant.retrieval.stories import StoryMatch, Timeline, TimelineEntry
    from assistant.watch.matcher import MatchReport, WatchMatcher
    from assistant.watch.webhook import (
        SIGNATURE_HEADER,
        DeliveryError,
        DeliveryReport,
        Policy,
        WebhookPoster,
        check_webhook,
        deliver_due,
        new_secret,
        sign,
    )

_LAZY = {
    "Briefing": "assistant.briefing",
    "BriefItem": "assistant.briefing",
    "ENGINES": "assistant.engines.registry",
    "EngineUnavailable": "assistant.engines.registry",
    "ABSTAIN_TEXT": "assistant.records",
    "FALLBACK": "assistant.records",
    "MARKER": "assistant.records",
    "Answer": "assistant.records",
    "AnswerCache": "assistant.answer_cache",
    "SearchCache": "assistant.answer_cache",
    "AnswerCancelled": "assistant.records",
    "Citation": "assistant.records",
    "QuoteNote": "assistant.records",
    "one_per_article": "assistant.records",
    "claim_of": "assistant.language.quote_notes",
    "passage_notes": "assistant.language.quote_notes",
    "short_day": "assistant.language.quote_notes",
    "with_notes": "assistant.language.relative_dates",
    "ContractViolation": "assistant.records",
    "TokenSink": "assistant.records",
    "by_article": "assistant.records",
    "Retriever": "assistant.retrieval.retriever",
    "SearchResult": "assistant.retrieval.retriever",
    "Assistant": "assistant.facade",
    "StoryMatch": "assistant.retrieval.stories",
    "Timeline": "assistant.retrieval.stories",
    "TimelineEntry": "assistant.retrieval.stories",
    "nothing_matches_well": "assistant.retrieval.match_strength",
    "weak_hit": "assistant.retrieval.match_strength",
    "MatchReport": "assistant.watch.matcher",
    "WatchMatcher": "assistant.watch.matcher",
    "SIGNATURE_HEADER": "assistant.watch.webhook",
    "DeliveryError": "assistant.watch.webhook",
    "DeliveryReport": "assistant.watch.webhook",
    "Policy": "assistant.watch.webhook",
    "WebhookPoster": "assistant.watch.webhook",
    "check_webhook": "assistant.watch.webhook",
    "deliver_due": "assistant.watch.webhook",
    "new_secret": "assistant.watch.webhook",
    "sign": "assistant.watch.webhook",
}

__all__ = [
    "ABSTAIN_TEXT",
    "ASK_K",
    "BRIEF_LIMIT",
    "DEFAULT_ASK_K",
    "DEFAULT_BRIEF_LIMIT",
    "DEFAULT_ENGINE",
    "DEFAULT_SEARCH_K",
    "DEFAULT_STORIES_K",
    "ENGINES",
    "ENGINE_NAMES",
    "FALLBACK",
    "MARKER",
    "SEARCH_K",
    "SIGNATURE_HEADER",
    "STORIES_K",
    "Answer",
    "AnswerCache",
    "AnswerCancelled",
    "AnswerSettings",
    "AskRequest",
    "Assistant",
    "AssistantSettings",
    "BriefItem",
    "BriefRequest",
    "Briefing",
    "Citation",
    "ContractViolation",
    "DeliveryError",
    "DeliveryReport",
    "EngineUnavailable",
    "FilterError",
    "MatchReport",
    "Policy",
    "QueryError",
    "QuoteNote",
    "RetrievalSettings",
    "Retriever",
    "SearchCache",
    "SearchFilters",
    "SearchMode",
    "SearchRequest",
    "SearchResult",
    "StoryMatch",
    "StoryRequest",
    "Timeline",
    "TimelineEntry",
    "TokenSink",
    "Turn",
    "WatchMatcher",
    "WebhookPoster",
    "by_article",
    "check_webhook",
    "claim_of",
    "deliver_due",
    "new_secret",
    "nothing_matches_well",
    "one_per_article",
    "passage_notes",
    "short_day",
    "sign",
    "weak_hit",
    "with_notes",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
