"""Results already given, keyed by the index generation they were read from.

The same request over the same committed index gets the same result (retrieval and the
extractive and timeline engines are deterministic), so a server hands a repeated search or
question its earlier result without running it again. Any write (an ingest, a delete, a feed
pass, ``newsrag embed``) moves the generation on and with it every key; the UTC day is part of
the key too, for questions read against "today". Follow-ups (their history) and answers the llm
engine wrote are not kept (a streamed reply is its tokens, not only its final text).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Generic, TypeVar

from assistant.records import Answer
from assistant.requests import AskRequest
from index import SearchHit

KEPT = 512  # results kept per cache
KEPT_ENGINES = frozenset({"extractive", "timeline"})
V = TypeVar("V")


class GenerationCache(Generic[V]):
    """At most ``size`` results, the least recently used dropped first; thread-safe."""

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self.hits = self.misses = 0
        self._kept: dict[Hashable, V] = {}
        self._lock = threading.Lock()

    def key(self, request: Hashable, generation: int) -> Hashable | None:
        """The key of ``request`` over ``generation``; None when nothing is kept or a value in
        the request cannot be hashed."""
        if self.size <= 0:
            return None
        key = (generation, datetime.now(UTC).date().isoformat(), request)
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._kept.pop(key, None)
            if value is None:
                self.misses += 1
                return None
            self._kept[key] = value  # now the most recently used
            self.hits += 1
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self.size:
                self._kept.pop(next(iter(self._kept)))


class AnswerCache(GenerationCache[Answer]):
    """Answers; a kept one comes back as a copy whose ``timings`` say ``cached``."""

    def key(self, request: Hashable, generation: int) -> Hashable | None:
        if not isinstance(request, AskRequest) or request.history:
            return None  # a follow-up reads its conversation
        return super().key(replace(request, history=()), generation)

    def get(self, key: Hashable) -> Answer | None:
        answer = super().get(key)
        kept = {"cached": 1.0, "queue_ms": 0.0, "total_ms": 0.0}  # the timings' usual keys
        return None if answer is None else replace(answer, timings=kept)

    def put(self, key: Hashable, value: Answer) -> None:
        if value.engine in KEPT_ENGINES:
            super().put(key, value)


class SearchCache(GenerationCache[list[SearchHit]]):
    """Ranked passages of a search request (the list is copied; hits are read, never changed)."""

    def get(self, key: Hashable) -> list[SearchHit] | None:
        hits = super().get(key)
        return None if hits is None else list(hits)
