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
    age = days_before(published_at, as_of)
    if age is None or age < 0:
        return 0.0
    return float(0.5 ** (age / half_life_days))


def days_before(published_at: str | None, as_of: str) -> int | None:
    """Whole days from publication to the as-of date (negative: published after it)."""
    if not published_at:
        return None
    try:
        return (date.fromisoformat(as_of) - date.fromisoformat(published_at[:10])).days
    except ValueError:
        return None


def recent_only(
    items: Sequence[tuple[int, float]],
    published: Mapping[int, str | None],
    as_of: str,
    days: int,
    limit: int,
) -> list[tuple[int, float]]:
    """The items published in the ``days`` days up to ``as_of``, in their original order."""
    kept = []
    for item in items:
        age = days_before(published.get(item[0]), as_of)
        if age is not None and 0 <= age <= days:
            kept.append(item)
            if len(kept) == limit:
                break
    return kept


def stand_in_for_keywords(
    fused: dict[int, float],
    dense: Sequence[tuple[int, float]],
    keyword: Sequence[tuple[int, float]],
    other_language: set[int],
    weight: float,
    k: int = 60,
) -> None:
    """A passage in another language than the question cannot share its words, so missing
    from the keyword list says nothing of it: it is scored as if keyword search had ranked it
    where dense search did (``weight / (k + dense rank)`` added; in place)."""
    found = {item for item, _ in keyword}
    for rank, (item, _) in enumerate(dense, start=1):
        if item in other_language and item not in found and item in fused:
            fused[item] += weight / (k + rank)
