"""Statistics for proportions: Wilson intervals, uptake columns, funnel limits, SII and RII."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def _two_sided_z(confidence: float) -> float:
    """Return the standard normal quantile for a two-sided interval of this confidence.

    The standard library's inverse normal (Wichura's AS 241) agrees with scipy's to 1 ulp, and
    leaving scipy out keeps its half-second import off every page's cold start.
    """
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


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
    z = _two_sided_z(confidence)
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


# --- Benchmarking, funnel plots and inequality indices (Fingertips / PHEindicatormethods) ---

FUNNEL_LABELS: tuple[str, ...] = (
    "lower (99.8%)",
    "lower (95%)",
    "similar",
    "higher (95%)",
    "higher (99.8%)",
)
BENCHMARK_LABELS: tuple[str, ...] = ("higher", "similar", "lower")


def funnel_limits(
    baseline_proportion: float, denominators: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return (lower, upper) funnel-plot control limits, as proportions, for each denominator.

    The Fingertips method for proportions (PHEindicatormethods `sigma_adjustment`): the
    limits are the proportions whose Wilson score interval just reaches the baseline.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if not 0 <= baseline_proportion <= 1:
        raise ValueError(f"baseline must be a proportion, got {baseline_proportion}")
    n = np.asarray(denominators, dtype=float)
    if np.any(n <= 0):
        raise ValueError("denominators must be positive")
    z2 = _two_sided_z(confidence) ** 2
    p = baseline_proportion
    first = p * (n / z2 + 1)
    with np.errstate(invalid="ignore"):
        root = np.sqrt(
            (-8 * p * (n / z2 + 1)) ** 2
            - 64 * (1 / z2 + 1 / n) * p * (n * (p * (n / z2 + 2) - 1) + z2 * (p - 1))
        )
    last = 1 / z2 + 1 / n
    lower = (first - root / 8) / last / n
    upper = (first + root / 8) / last / n
    # Where the square root is undefined (tiny denominators) the limit is the whole range.
    lower = np.clip(np.nan_to_num(lower, nan=0.0), 0.0, 1.0)
    upper = np.clip(np.nan_to_num(upper, nan=1.0), 0.0, 1.0)
    return lower, upper


def funnel_significance(
    numerators: ArrayLike, denominators: ArrayLike, baseline_proportion: float | None = None
) -> np.ndarray:
    """Return each point's position against the 95% and 99.8% funnel limits (FUNNEL_LABELS).

    The baseline defaults to the pooled proportion, as in PHEindicatormethods
    `phe_funnel_significance`; a point on a limit counts as inside it.
    """
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if np.any(x < 0):
        raise ValueError("numerators must not be negative")
    if np.any(n <= 0):
        raise ValueError("denominators must be positive")
    if np.any(x > n):
        raise ValueError("numerators must not exceed denominators")
    baseline = x.sum() / n.sum() if baseline_proportion is None else baseline_proportion
    value = x / n
    low95, high95 = funnel_limits(baseline, n, 0.95)
    low998, high998 = funnel_limits(baseline, n, 0.998)
    return np.select(
        [value < low998, value < low95, value > high998, value > high95],
        [FUNNEL_LABELS[0], FUNNEL_LABELS[1], FUNNEL_LABELS[4], FUNNEL_LABELS[3]],
        default=FUNNEL_LABELS[2],
    )


def compare_with_benchmark(lower: ArrayLike, upper: ArrayLike, benchmark: float) -> np.ndarray:
    """Return 'higher', 'similar' or 'lower' by whether each interval lies above, spans or lies below the benchmark.

    Fingertips' "better / similar / worse" comparison, worded neutrally; NaN limits give ''.
    """
    low = np.asarray(lower, dtype=float)
    high = np.asarray(upper, dtype=float)
    out = np.select([low > benchmark, high < benchmark], ["higher", "lower"], default="similar")
    return np.where(np.isnan(low) | np.isnan(high), "", out)


def relative_ranks(populations: ArrayLike) -> np.ndarray:
    """Return each ordered group's midpoint in the cumulative population share (0 to 1)."""
    pop = np.asarray(populations, dtype=float)
    share = pop / pop.sum()
    return np.cumsum(share) - share / 2


@dataclass(frozen=True)
class InequalityIndex:
    """Slope and relative index of inequality with their simulated confidence intervals."""

    sii: float
    sii_low: float
    sii_high: float
    rii: float
    rii_low: float
    rii_high: float


def _sii_design(populations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (sqrt(a), projection) for the weighted regression of value on relative rank."""
    share = populations / populations.sum()
    sqrt_a = np.sqrt(share)
    m = np.vstack([sqrt_a, relative_ranks(populations) * sqrt_a])  # 2 x k
    return sqrt_a, np.linalg.solve(m @ m.T, m)


def slope_index_of_inequality(
    numerators: ArrayLike,
    denominators: ArrayLike,
    confidence: float = 0.95,
    repetitions: int = 100_000,
    seed: int = 2020,
) -> InequalityIndex:
    """Return SII and RII of proportions over groups ordered from most to least deprived.

    The PHEindicatormethods `phe_sii` method for proportions (Low & Low 2004): a regression
    of each group's proportion on its relative rank, weighted by population share; the
    intervals come from simulating each proportion on the logit scale with the standard
    error implied by its 95% Wilson interval. SII is on the proportion scale (x100 for
    percentage points); RII is the fitted value at rank 1 over that at rank 0.
    """
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if x.shape != n.shape or x.ndim != 1 or not 5 <= len(x) <= 100:
        raise ValueError("give between 5 and 100 ordered groups (e.g. IMD quintiles or deciles)")
    if np.any(n <= 0):
        raise ValueError("every group needs a positive population")
    if np.any(x <= 0) or np.any(x >= n):
        raise ValueError("every group needs an uptake strictly between 0% and 100%")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if repetitions < 1000:
        raise ValueError("use at least 1,000 repetitions")
    sqrt_a, projection = _sii_design(n)
    value = x / n
    intercept, sii = projection @ (value * sqrt_a)
    low95, high95 = wilson_interval(x, n, 0.95)
    logit_se = (_logit(high95) - _logit(low95)) / (2 * _two_sided_z(0.95))
    rng = np.random.default_rng(seed)
    draws = rng.normal(_logit(value)[:, None], logit_se[:, None], (len(x), repetitions))
    fitted = projection @ (_expit(draws) * sqrt_a[:, None])  # 2 x repetitions
    sims_sii = fitted[1]
    sims_rii = (fitted[0] + fitted[1]) / fitted[0]
    tail = (1 - confidence) / 2
    sii_low, sii_high = np.quantile(sims_sii, [tail, 1 - tail])
    rii_low, rii_high = np.quantile(sims_rii, [tail, 1 - tail])
    return InequalityIndex(
        float(sii),
        float(sii_low),
        float(sii_high),
        float((intercept + sii) / intercept),
        float(rii_low),
        float(rii_high),
    )


def _logit(p: np.ndarray) -> np.ndarray:
    """Return log(p / (1 - p))."""
    return np.log(p / (1 - p))


def _expit(v: np.ndarray) -> np.ndarray:
    """Return the inverse of the logit."""
    return 1 / (1 + np.exp(-v))
