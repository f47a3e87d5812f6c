"""Funnel limits that allow for real variation between areas (Spiegelhalter's random effects).

Binomial funnel limits assume that every area has the same underlying uptake, so with large
denominators almost every area falls outside them (26 of 31 PCNs in the full-scale demo).
Spiegelhalter (Statistics in Medicine 2005;24:1185-1202, "Handling over-dispersion of
performance indicators"), the method NHS Digital uses for indicators such as SHMI:
standardise each area's difference from the target, winsorise the z-scores at the 10th and
90th percentiles so that the outliers being looked for do not hide themselves, estimate the
overdispersion factor phi as their mean square, and, when phi shows more spread than chance,
add a between-area variance tau^2 to each area's sampling variance before drawing limits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from phm.stats import FUNNEL_LABELS, _two_sided_z

WINSOR_FRACTION = 0.10  # each tail, as in Spiegelhalter (2005) and NHS Digital's SHMI


@dataclass(frozen=True)
class Overdispersion:
    """How much more areas vary than chance alone would make them: phi and tau^2."""

    phi: float  # mean squared winsorised z-score: about 1 when areas differ by chance only
    tau2: float  # between-area variance of the proportion added to each area's own
    areas: int

    @property
    def found(self) -> bool:
        """Return True when the areas vary more than chance (the limits are widened)."""
        return self.tau2 > 0


def _sampling_variance(target: float, denominators: np.ndarray) -> np.ndarray:
    """Return each area's binomial variance of a proportion around the target."""
    return target * (1 - target) / denominators


def winsorise(values: ArrayLike, fraction: float = WINSOR_FRACTION) -> np.ndarray:
    """Return values with those beyond the fraction-th and (1 - fraction)-th percentiles pulled in."""
    z = np.asarray(values, dtype=float)
    low, high = np.quantile(z, [fraction, 1 - fraction])
    return np.clip(z, low, high)


def estimate(numerators: ArrayLike, denominators: ArrayLike, target: float) -> Overdispersion:
    """Return phi and the additive random-effects tau^2 of areas around a target proportion."""
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if x.shape != n.shape or np.any(n <= 0) or np.any(x < 0) or np.any(x > n):
        raise ValueError("need one numerator per positive denominator, 0 <= numerator <= it")
    if not 0 < target < 1:
        raise ValueError(f"target must be a proportion strictly between 0 and 1, got {target}")
    areas = len(n)
    if areas < 2:
        return Overdispersion(1.0, 0.0, areas)
    variance = _sampling_variance(target, n)
    z = winsorise((x / n - target) / np.sqrt(variance))
    phi = float(np.mean(z**2))
    weights = 1 / variance
    spread = weights.sum() - (weights**2).sum() / weights.sum()
    tau2 = max(0.0, (areas * phi - (areas - 1)) / spread) if spread > 0 else 0.0
    return Overdispersion(phi, float(tau2), areas)


def limits(
    target: float, denominators: ArrayLike, tau2: float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return (lower, upper) control limits, as proportions, widened by the between-area tau^2."""
    n = np.asarray(denominators, dtype=float)
    half = _two_sided_z(confidence) * np.sqrt(_sampling_variance(target, n) + tau2)
    return np.clip(target - half, 0.0, 1.0), np.clip(target + half, 0.0, 1.0)


def significance(
    numerators: ArrayLike, denominators: ArrayLike, target: float, tau2: float
) -> np.ndarray:
    """Return each area's position against the widened 95% and 99.8% limits (FUNNEL_LABELS)."""
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    value = x / n
    low95, high95 = limits(target, n, tau2, 0.95)
    low998, high998 = limits(target, n, tau2, 0.998)
    return np.select(
        [value < low998, value < low95, value > high998, value > high95],
        [FUNNEL_LABELS[0], FUNNEL_LABELS[1], FUNNEL_LABELS[4], FUNNEL_LABELS[3]],
        default=FUNNEL_LABELS[2],
    )
