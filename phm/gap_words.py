"""Differences in uptake in words: one convention for every page, table, tooltip and brief.

A gap is always said as its size and a direction ("17.9 percentage points lower"), never as
a signed number: "+17.9", "-17.9 pp" and "17.9 lower" for the same deprivation gap on three
pages made users ask which way round it was. Its 95% interval is said in the same direction,
or, when it crosses zero, with a direction at each end.
"""

from __future__ import annotations

import math

UNIT = "percentage points"
SHORT_UNIT = "points"


def _direction(value: float) -> str:
    """Return 'higher' or 'lower' for a signed gap (0 reads as 'higher': it is rounded)."""
    return "lower" if value < 0 else "higher"


def _size(value: float) -> str:
    """Return a gap's size to one decimal place, with no sign."""
    return f"{abs(value):.1f}"


def interval_words(low: float, high: float) -> str:
    """Return a gap's interval, e.g. '17.6 to 18.2 lower' or '0.3 lower to 1.1 higher'."""
    if low < 0 < high or (low < 0 and high == 0) or (low == 0 and high > 0):
        return f"{_size(low)} {_direction(low)} to {_size(high)} {_direction(high)}"
    near, far = (high, low) if high < 0 else (low, high)
    return f"{_size(near)} to {_size(far)} {_direction(far)}"


def gap_words(
    points: float, low: float | None = None, high: float | None = None, unit: str = UNIT
) -> str:
    """Return a gap in words, e.g. '17.9 percentage points lower (95% CI 17.6 to 18.2 lower)'."""
    if math.isnan(points):
        raise ValueError("a gap must be a number")
    if round(points, 1) == 0:
        text = f"no different (0.0 {unit})"
    else:
        text = f"{_size(points)} {unit} {_direction(points)}"
    if low is None or high is None:
        return text
    return f"{text} (95% CI {interval_words(low, high)})"


def gap_sentence(first: str, second: str, points: float, low: float, high: float) -> str:
    """Return 'Uptake in A is 17.9 percentage points lower than in B (95% CI ...).'"""
    interval = f"95% CI {interval_words(low, high)}"
    if round(points, 1) == 0:
        return f"Uptake in {first} is no different from {second} (0.0 {UNIT}; {interval})."
    return f"Uptake in {first} is {gap_words(points)} than in {second} ({interval})."
