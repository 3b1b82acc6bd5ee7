"""Averages and percentiles as the evaluation reports them (rounded, zero for nothing)."""

from __future__ import annotations

import statistics
from typing import Any


def mean(values: list[Any]) -> float:
    return round(statistics.fmean(float(v) for v in values), 4) if values else 0.0


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    position = (len(sorted_values) - 1) * pct / 100
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
