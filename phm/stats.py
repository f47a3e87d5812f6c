"""Statistics for proportions: Wilson score intervals and uptake columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm


def wilson_interval(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return (lower, upper) Wilson score limits, as proportions, vectorised.

    Defined for 0 and n (Newcombe 1998, method 3); NaN where the denominator is 0.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    if np.any(x < 0) or np.any(n < 0):
        raise ValueError("numerator and denominator must not be negative")
    if np.any(x > n):
        raise ValueError("numerator must not exceed denominator")
    z = norm.ppf(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (2 * x + z**2) / (2 * (n + z**2))
        half = z * np.sqrt(z**2 + 4 * x * (1 - p)) / (2 * (n + z**2))
        lower = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        upper = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    lower = np.where((x == 0) & (n > 0), 0.0, lower)
    upper = np.where((x == n) & (n > 0), 1.0, upper)
    return lower, upper


def add_uptake(frame: pd.DataFrame) -> pd.DataFrame:
    """Add unvaccinated, uptake_pct and its 95% Wilson limits to a vaccinated/population frame."""
    out = frame.copy()
    vaccinated = out["vaccinated"].to_numpy(dtype=float)
    population = out["population"].to_numpy(dtype=float)
    low, high = wilson_interval(vaccinated, population)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["uptake_pct"] = np.where(population > 0, 100 * vaccinated / population, np.nan)
    out["ci_low_pct"] = 100 * low
    out["ci_high_pct"] = 100 * high
    out["unvaccinated"] = (out["population"] - out["vaccinated"]).astype("int64")
    return out


def difference_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Return p1 - p2 and its interval by Newcombe's hybrid score method (1998, method 10)."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both denominators must be positive")
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = (float(v) for v in wilson_interval(x1, n1, confidence))
    l2, u2 = (float(v) for v in wilson_interval(x2, n2, confidence))
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, float(lower), float(upper)
