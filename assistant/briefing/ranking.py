"""Which of a period's stories matter most: what a news editor weighs — how many articles it
has in the period, from how many outlets, how new it is (against the period before) and how fast
it grows. Weights chosen on rtqa-train 2023–2024 weeks (``bench/briefing.py --set tune
--sweep``), never on the held-out 2025 weeks."""

from __future__ import annotations

import math
from dataclasses import dataclass

from index.catalog.activity import StoryActivity


@dataclass(frozen=True)
class RankWeights:
    size: float = 1.0  # log(1 + articles in the period)
    outlets: float = 1.0  # log(1 + distinct outlets in the period)
    novelty: float = 0.5  # share of the story's recent articles that are in the period
    growth: float = 0.0  # log((1 + in the period) / (1 + in the period before))


def importance(activity: StoryActivity, weights: RankWeights) -> float:
    size, before = activity.in_period, activity.before
    return (
        weights.size * math.log1p(size)
        + weights.outlets * math.log1p(activity.outlets)
        + weights.novelty * size / (size + before)
        + weights.growth * math.log((1 + size) / (1 + before))
    )


def ranked(activities: list[StoryActivity], weights: RankWeights) -> list[StoryActivity]:
    """Most important first (ties: more articles, then the story id)."""
    return sorted(activities, key=lambda a: (-importance(a, weights), -a.in_period, a.story_id))
