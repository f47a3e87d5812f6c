"""Spiegelhalter's overdispersion adjustment, checked on areas simulated with and without it."""

import numpy as np
import pytest

from phm.analysis import overdispersion
from phm.stats import FUNNEL_LABELS, funnel_significance

OUTSIDE_998 = {FUNNEL_LABELS[0], FUNNEL_LABELS[4]}


def simulate(tau: float, areas: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Return numerators and denominators of areas whose true uptake varies with sd tau."""
    rng = np.random.default_rng(seed)
    n = rng.integers(2_000, 60_000, areas)
    p = np.clip(rng.normal(0.6, tau, areas), 0.01, 0.99)
    return rng.binomial(n, p), n


def test_areas_that_differ_by_chance_only_are_not_widened():
    x, n = simulate(tau=0.0)
    found = overdispersion.estimate(x, n, 0.6)
    # Winsorised z-scores of pure chance have a mean square near 0.68, below the 1 of raw ones.
    assert found.phi < 1 and found.tau2 == 0 and not found.found


def test_the_between_area_spread_is_recovered():
    x, n = simulate(tau=0.05)
    found = overdispersion.estimate(x, n, 0.6)
    assert found.found and found.phi > 10
    # Winsorising pulls the tails in, so tau is underestimated a little, never inflated.
    assert 0.035 < np.sqrt(found.tau2) < 0.055


def test_widened_limits_flag_about_the_share_they_promise_where_plain_ones_flag_most():
    x, n = simulate(tau=0.05, areas=2_000, seed=11)
    found = overdispersion.estimate(x, n, 0.6)
    plain = np.isin(funnel_significance(x, n, 0.6), list(OUTSIDE_998)).mean()
    widened = np.isin(overdispersion.significance(x, n, 0.6, found.tau2), list(OUTSIDE_998)).mean()
    # Winsorising underestimates tau a little (conservatively for the areas): a few per cent
    # fall outside the 99.8% limits instead of 0.2%, against most areas without the adjustment.
    assert plain > 0.8
    assert widened < 0.05


def test_one_extreme_area_does_not_hide_itself_by_widening_the_limits():
    x, n = simulate(tau=0.0, areas=50, seed=5)
    x[0] = int(0.2 * n[0])  # a real outlier: 20% against 60%
    found = overdispersion.estimate(x, n, 0.6)
    assert overdispersion.significance(x, n, 0.6, found.tau2)[0] == FUNNEL_LABELS[0]


def test_limits_with_no_spread_are_the_normal_approximation():
    low, high = overdispersion.limits(0.5, [100.0], 0.0, 0.95)
    assert low[0] == pytest.approx(0.5 - 1.959964 * 0.05, abs=1e-6)
    assert high[0] == pytest.approx(0.5 + 1.959964 * 0.05, abs=1e-6)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        overdispersion.estimate([5], [0], 0.5)
    with pytest.raises(ValueError):
        overdispersion.estimate([5, 6], [10, 10], 1.0)
    assert overdispersion.estimate([5], [10], 0.5).tau2 == 0.0
