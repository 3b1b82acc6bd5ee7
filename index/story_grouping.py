"""Which story an article joins: the story of the most similar article published within
``WINDOW_DAYS`` of it, if that similarity reaches ``LINK``; else it starts a story of its own.

Similarity is the cosine of the two articles' lead centroids plus ``ENTITY_BONUS`` for each
name both mention (at most ``MAX_SHARED``). Incremental and deterministic: an article is
compared with articles already grouped, and a rebuild groups every article oldest first.
The constants were fitted on rtqa-train weeks (bench/stories.py; docs/BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from index.hashing import sha256_hex
from index.story_signals import StorySignals

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
    best: Link | None = None
    for candidate in sorted(candidates, key=lambda c: (c.signals.day, c.signals.article_id)):
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
