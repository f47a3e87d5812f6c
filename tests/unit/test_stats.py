"""Wilson score intervals and the uptake columns built on them (phm.stats)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phm.stats import add_uptake, wilson_interval

# Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison
# of seven methods. Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score
# interval without continuity correction), 95% confidence.
NEWCOMBE_TABLE_I_METHOD_3 = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]
# Standard normal quantiles (any statistical table): Phi^-1(0.995), Phi^-1(0.9).
Z_99 = 2.5758293035489
Z_80 = 1.2815515655446


@pytest.mark.parametrize(("x", "n", "low", "high"), NEWCOMBE_TABLE_I_METHOD_3)
def test_wilson_interval_matches_newcombe_1998_table_i_to_4_dp(x, n, low, high):
    lower, upper = wilson_interval(x, n)
    assert float(lower) == pytest.approx(low, abs=5e-5)
    assert float(upper) == pytest.approx(high, abs=5e-5)


def test_wilson_interval_is_vectorised_over_numpy_arrays():
    x = np.array([row[0] for row in NEWCOMBE_TABLE_I_METHOD_3])
    n = np.array([row[1] for row in NEWCOMBE_TABLE_I_METHOD_3])
    lower, upper = wilson_interval(x, n)
    assert lower.shape == upper.shape == (4,)
    np.testing.assert_allclose(lower, [r[2] for r in NEWCOMBE_TABLE_I_METHOD_3], atol=5e-5)
    np.testing.assert_allclose(upper, [r[3] for r in NEWCOMBE_TABLE_I_METHOD_3], atol=5e-5)


def test_wilson_interval_accepts_pandas_series():
    x = pd.Series([81, 15], index=[10, 20])
    n = pd.Series([263, 148], index=[10, 20])
    lower, upper = wilson_interval(x, n)
    np.testing.assert_allclose(lower, [0.2553, 0.0624], atol=5e-5)
    np.testing.assert_allclose(upper, [0.3662, 0.1605], atol=5e-5)


def test_zero_numerator_gives_lower_limit_exactly_zero_and_closed_form_upper():
    # For x = 0 the Wilson upper limit reduces to z^2 / (n + z^2).
    lower, upper = wilson_interval(0, 20, confidence=0.99)
    assert float(lower) == 0.0
    assert float(upper) == pytest.approx(Z_99**2 / (20 + Z_99**2), abs=1e-9)


def test_numerator_equal_to_denominator_gives_upper_limit_exactly_one():
    lower, upper = wilson_interval(20, 20)
    assert float(upper) == 1.0
    # Mirror image of 0/20 in Newcombe's Table I: 1 - 0.1611.
    assert float(lower) == pytest.approx(1 - 0.1611, abs=5e-5)


def test_interval_is_symmetric_under_swapping_successes_and_failures():
    lower, upper = wilson_interval(81, 263)
    mirror_lower, mirror_upper = wilson_interval(263 - 81, 263)
    assert float(mirror_lower) == pytest.approx(1 - float(upper), abs=1e-12)
    assert float(mirror_upper) == pytest.approx(1 - float(lower), abs=1e-12)


def test_zero_denominator_gives_nan_for_both_limits():
    lower, upper = wilson_interval(np.array([0, 3]), np.array([0, 10]))
    assert math.isnan(lower[0])
    assert math.isnan(upper[0])
    assert not math.isnan(lower[1]) and not math.isnan(upper[1])


def test_zero_denominator_gives_nan_upper_limit():
    _lower, upper = wilson_interval(0, 0)
    assert math.isnan(float(upper))


@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=30
    ).map(lambda pairs: [(min(a, b), max(a, b)) for a, b in pairs if max(a, b) > 0] or [(0, 1)])
)
def test_limits_lie_in_0_1_and_bracket_the_observed_proportion(pairs):
    x = np.array([p[0] for p in pairs])
    n = np.array([p[1] for p in pairs])
    lower, upper = wilson_interval(x, n)
    assert np.all((lower >= 0) & (lower <= 1))
    assert np.all((upper >= 0) & (upper <= 1))
    p = x / n
    assert np.all(lower <= p + 1e-12)
    assert np.all(p <= upper + 1e-12)
    assert np.all(lower[x > 0] > 0)
    assert np.all(upper[x < n] < 1)


def test_higher_confidence_widens_and_lower_confidence_narrows_the_interval():
    low95, high95 = wilson_interval(15, 148)
    low99, high99 = wilson_interval(15, 148, confidence=0.99)
    low80, high80 = wilson_interval(15, 148, confidence=0.80)
    assert low99 < low95 < low80
    assert high80 < high95 < high99
    # x = 0: the upper limit is z^2 / (n + z^2) at any confidence level.
    assert float(wilson_interval(0, 148, confidence=0.80)[1]) == pytest.approx(
        Z_80**2 / (148 + Z_80**2), abs=1e-9
    )


@pytest.mark.parametrize(
    ("x", "n"),
    [(5, 4), (-1, 10), (1, -10), (np.array([1, 11]), np.array([10, 10]))],
)
def test_impossible_counts_raise_value_error(x, n):
    with pytest.raises(ValueError):
        wilson_interval(x, n)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.95, 95])
def test_confidence_outside_0_1_raises_value_error(confidence):
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(5, 10, confidence=confidence)


def test_add_uptake_adds_unvaccinated_percentage_and_wilson_limits_in_percent():
    frame = pd.DataFrame({"area": ["a", "b"], "vaccinated": [81, 0], "population": [263, 20]})
    out = add_uptake(frame)
    assert list(out.columns) == [
        "area",
        "vaccinated",
        "population",
        "uptake_pct",
        "ci_low_pct",
        "ci_high_pct",
        "unvaccinated",
    ]
    assert out["unvaccinated"].tolist() == [182, 20]
    assert out["unvaccinated"].dtype == "int64"
    assert out["uptake_pct"].tolist() == pytest.approx([100 * 81 / 263, 0.0])
    assert out["ci_low_pct"].tolist() == pytest.approx([25.53, 0.0], abs=5e-3)
    assert out["ci_high_pct"].tolist() == pytest.approx([36.62, 16.11], abs=5e-3)
    # The input frame is left as it was.
    assert list(frame.columns) == ["area", "vaccinated", "population"]


def test_add_uptake_gives_missing_rate_for_an_empty_group():
    out = add_uptake(pd.DataFrame({"vaccinated": [0], "population": [0]}))
    assert math.isnan(out["uptake_pct"].iat[0])
    assert math.isnan(out["ci_high_pct"].iat[0])
    assert out["unvaccinated"].iat[0] == 0


def test_add_uptake_gives_missing_lower_limit_for_an_empty_group():
    out = add_uptake(pd.DataFrame({"vaccinated": [0], "population": [0]}))
    assert math.isnan(out["ci_low_pct"].iat[0])
