"""Which story an article joins: the story of the most similar article published within
``WINDOW_DAYS`` of it, if that similarity reaches ``LINK``; else it starts a story of its own.

Similarity is the cosine of the two articles' lead centroids plus ``ENTITY_BONUS`` for each
name both mention (at most ``MAX_SHARED``). Incremental and deterministic: an article is
compared with articles already grouped, and a rebuild groups every article oldest first.
The constants were fitted on rtqa-train weeks (bench/stories.py; docs/BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from index.stories.signals import StorySignals
from index.text.hashing import sha256_hex

WINDOW_DAYS = 10  # an article is compared with those published this many days before or after
LINK = 0.78  # the least similarity (cosine + name bonus) that joins a story
ENTITY_BONUS = 0.02  # per name both articles mention…
MAX_SHARED = 4  # …counted up to this many


@dataclass(frozen=True)
class Grouped:
    """An article already in a story, as a candidate to link to."""

    signals: StorySignals
    story_id: str


@dataclass(frozen=True)
class Link:
    article_id: str  # the article joined through
    story_id: str
    score: float


def window(day: str) -> tuple[str, str]:
    """The days whose articles a new article of ``day`` is compared with."""
    at = date.fromisoformat(day)
    span = timedelta(days=WINDOW_DAYS)
    return (at - span).isoformat(), (at + span).isoformat()


def similarity(a: StorySignals, b: StorySignals) -> float:
    if not len(a.centroid) or len(a.centroid) != len(b.centroid):
        return 0.0
    shared = len(set(a.entities) & set(b.entities))
    return float(a.centroid @ b.centroid) + ENTITY_BONUS * min(shared, MAX_SHARED)


def best_link(new: StorySignals, candidates: Sequence[Grouped]) -> Link | None:
    """The story ``new`` joins, or None (it starts one). Ties go to the earlier article."""
    return Neighbourhood(candidates).best_link(new)


class Neighbourhood:
    """Articles already grouped, held as one matrix of centroids so a new article is compared
    with every one in its window at once (an ingest of thousands of articles a day would
    otherwise compare them pair by pair, in Python). Only candidates whose cosine could reach
    ``LINK`` with the largest name bonus are scored one by one, by ``similarity``."""

    def __init__(self, members: Iterable[Grouped] = ()) -> None:
        self._members: list[Grouped] = []
        self._days = np.zeros(16, dtype=np.int64)
        self._matrix = np.zeros((16, 0), dtype=np.float32)
        for member in members:
            self.add(member)

    def __len__(self) -> int:
        return len(self._members)

    def add(self, member: Grouped) -> None:
        vector = np.asarray(member.signals.centroid, dtype=np.float32)
        n = len(self._members)
        if not n:
            self._matrix = np.zeros((16, len(vector)), dtype=np.float32)
        if n == len(self._days):  # grow by doubling: adding stays amortised O(1)
            self._days = np.concatenate([self._days, np.zeros_like(self._days)])
            self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
        self._days[n] = date.fromisoformat(member.signals.day).toordinal()
        if len(vector) == self._matrix.shape[1]:  # else (no passages) it is never similar
            self._matrix[n] = vector
        self._members.append(member)

    def forget_before(self, day: str) -> None:
        """Drop members older than ``day`` minus the window: a rebuild in date order never
        compares with them again, so it holds one window of articles, not the archive."""
        n = len(self._members)
        keep = np.flatnonzero(self._days[:n] >= date.fromisoformat(day).toordinal() - WINDOW_DAYS)
        if len(keep) == n:
            return
        self._members = [self._members[i] for i in keep]
        self._days = np.concatenate([self._days[keep], np.zeros(16, dtype=np.int64)])
        self._matrix = np.concatenate(
            [self._matrix[keep], np.zeros((16, self._matrix.shape[1]), dtype=np.float32)]
        )

    def best_link(self, new: StorySignals) -> Link | None:
        n = len(self._members)
        if not n or len(new.centroid) != self._matrix.shape[1]:
            return None
        day = date.fromisoformat(new.day).toordinal()
        near = np.abs(self._days[:n] - day) <= WINDOW_DAYS
        cosines = self._matrix[:n] @ np.asarray(new.centroid, dtype=np.float32)
        reach = LINK - ENTITY_BONUS * MAX_SHARED - 1e-6
        best: Link | None = None
        order = sorted(
            (int(i) for i in np.flatnonzero(near & (cosines >= reach))),
            key=lambda i: (self._members[i].signals.day, self._members[i].signals.article_id),
        )
        for i in order:
            candidate = self._members[i]
            if candidate.signals.article_id == new.article_id:
                continue
            score = similarity(new, candidate.signals)
            if score >= LINK and (best is None or score > best.score):
                best = Link(candidate.signals.article_id, candidate.story_id, score)
        return best


def founded_story_id(founder: str, taken: set[str] | None = None) -> str:
    """A story's id, made from the id of the article that started it (stable across rebuilds
    while that article stays the oldest); a suffix when a story of that founder exists."""
    base = "s" + sha256_hex(founder)[:11]
    n = 1
    story = base
    while taken and story in taken:
        n += 1
        story = f"{base}-{n}"
    return story
