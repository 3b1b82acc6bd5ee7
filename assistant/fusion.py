"""Reciprocal-rank fusion and the as-of recency prior."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date


def reciprocal_rank_fusion(
    ranked: Mapping[str, Sequence[tuple[int, float]]], weights: Mapping[str, float], k: int = 60
) -> dict[int, float]:
    """``sum(weight / (k + rank))`` over every list an id appears in (ranks start at 1)."""
    fused: dict[int, float] = {}
    for name, items in ranked.items():
        weight = weights.get(name, 1.0)
        for rank, (item, _) in enumerate(items, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def recency(published_at: str | None, as_of: str, half_life_days: float) -> float:
    """1.0 for an article of the as-of day, halving every ``half_life_days`` before it; 0.0 for
    undated articles and articles published after the as-of date."""
    if not published_at:
        return 0.0
    try:
        age = (date.fromisoformat(as_of) - date.fromisoformat(published_at[:10])).days
    except ValueError:
        return 0.0
    if age < 0:
        return 0.0
    return float(0.5 ** (age / half_life_days))
