"""phm.stats funnel limits, funnel significance, SII/RII and Newcombe's intervals against published values.

Sources (all outside this team):
- PHEindicatormethods (UKHSA, GPL-3), tests/testthat/testdata_funnel_prop_outputs.csv
  (commit 63894a99): 95% and 99.8% limits for the proportion funnel of its PCT test data,
  whose pooled baseline (Baseline column) is 80.642448%.
- PHEindicatormethods tests/testthat/testdata_funnel_prop_inputs.csv (commit 3352ce5d):
  numerator, denominator and the expected `significance` of each PCT.
- PHEindicatormethods R/SII_function.R documentation (phe_sii): the worked example of relative
  ranks (12% of the population in quantile 1 -> rank 0.06; 10% in quantile 2 -> 0.17).
- Low A, Low A (2004) J Public Health 26:388-395, and the SEER HD*Calc documentation of the
  SII: with population shares p_j and relative ranks R_j, SII = sum p_j R_j (y_j - ybar) /
  (sum p_j R_j^2 - (sum p_j R_j)^2).
- Newcombe RG (1998) Statistics in Medicine 17:873-890 ("Interval estimation for the difference
  between independent proportions"), Table II, method 10: 56/70 - 48/80 = 0.2000,
  95% CI 0.0524 to 0.3339; 9/10 - 3/10 = 0.6000, CI 0.1705 to 0.8090.
"""

import numpy as np
import pytest

from phm.stats import (
    FUNNEL_LABELS,
    compare_with_benchmark,
    difference_interval,
    funnel_limits,
    funnel_significance,
    relative_ranks,
    slope_index_of_inequality,
)

PHE_BASELINE = 0.80642448
# (population, lower 95%, upper 95%, lower 99.8%, upper 99.8%) in percent, from
# testdata_funnel_prop_outputs.csv rows 1, 3, 16, 25, 56, 70 and 100.
PHE_FUNNEL_ROWS = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (20742, 80.10476, 81.180135, 79.794688, 81.490208),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]
# (numerator, denominator, PHEindicatormethods significance) from testdata_funnel_prop_inputs.csv.
PHE_SIGNIFICANCE_ROWS = [
    (35078.4880000, 41980, "High (0.001)"),  # New Forest PCT
    (24803.6256000, 31824, "Low (0.001)"),  # Norwich PCT
    (50050.7443000, 61921, "Not significant"),  # South Gloucestershire PCT
    (26789.2380000, 33012, "High (0.025)"),  # West Norfolk PCT
    (30277.5312000, 37828, "Low (0.025)"),  # North Devon PCT
    (36850.0492000, 45449, "High (0.025)"),  # North Tees PCT
    (13240.9172000, 16477, "Not significant"),  # Rowley Regis and Tipton PCT
    (18365.4621000, 29277, "Low (0.001)"),  # Bradford City PCT
    (20759.6500000, 25750, "Not significant"),  # Mid Devon PCT
    (18504.9982000, 22739, "High (0.025)"),  # North Norfolk PCT
]
PHE_TO_NEUTRAL = {
    "Low (0.001)": "lower (99.8%)",
    "Low (0.025)": "lower (95%)",
    "Not significant": "similar",
    "High (0.025)": "higher (95%)",
    "High (0.001)": "higher (99.8%)",
}


@pytest.mark.parametrize(("n", "low95", "high95", "low998", "high998"), PHE_FUNNEL_ROWS)
def test_funnel_limits_match_pheindicatormethods_test_outputs(n, low95, high95, low998, high998):
    lower, upper = funnel_limits(PHE_BASELINE, [n], 0.95)
    assert 100 * lower[0] == pytest.approx(low95, abs=1e-5)
    assert 100 * upper[0] == pytest.approx(high95, abs=1e-5)
    lower, upper = funnel_limits(PHE_BASELINE, [n], 0.998)
    assert 100 * lower[0] == pytest.approx(low998, abs=1e-5)
    assert 100 * upper[0] == pytest.approx(high998, abs=1e-5)


def test_funnel_significance_matches_pheindicatormethods_labels():
    x = [r[0] for r in PHE_SIGNIFICANCE_ROWS]
    n = [r[1] for r in PHE_SIGNIFICANCE_ROWS]
    got = funnel_significance(x, n, PHE_BASELINE)
    assert list(got) == [PHE_TO_NEUTRAL[r[2]] for r in PHE_SIGNIFICANCE_ROWS]
    assert set(got) == set(FUNNEL_LABELS)


def test_funnel_significance_defaults_to_the_pooled_baseline():
    x, n = [50, 60, 90], [100, 100, 100]
    assert list(funnel_significance(x, n)) == list(funnel_significance(x, n, 200 / 300))


def test_funnel_functions_reject_bad_input():
    with pytest.raises(ValueError, match="positive"):
        funnel_limits(0.5, [0, 10])
    with pytest.raises(ValueError, match="exceed"):
        funnel_significance([11], [10], 0.5)
    with pytest.raises(ValueError, match="negative"):
        funnel_significance([-1], [10], 0.5)


def test_benchmark_comparison_uses_interval_overlap():
    got = compare_with_benchmark([70.0, 60.0, 50.0, np.nan], [75.0, 72.0, 60.0, np.nan], 65.0)
    assert list(got) == ["higher", "similar", "lower", ""]


def test_relative_ranks_match_the_phe_sii_worked_example():
    np.testing.assert_allclose(relative_ranks([12, 10, 78]), [0.06, 0.17, 0.61])


def low_and_low_sii(x, n):
    """The closed-form population-weighted SII (Low & Low 2004; SEER HD*Calc)."""
    p = np.asarray(n, float) / np.sum(n)
    r = relative_ranks(n)
    y = np.asarray(x, float) / np.asarray(n, float)
    ybar = np.sum(p * y)
    return np.sum(p * r * (y - ybar)) / (np.sum(p * r**2) - np.sum(p * r) ** 2)


def test_sii_point_estimate_matches_the_closed_form_weighted_regression():
    x = [6150, 7010, 7840, 8120, 8790]
    n = [10000, 10400, 10900, 10300, 10700]
    result = slope_index_of_inequality(x, n, repetitions=2000)
    assert result.sii == pytest.approx(low_and_low_sii(x, n), rel=1e-10)


def test_sii_of_a_linear_gradient_is_its_slope_and_rii_is_the_end_ratio():
    # Equal quintiles: ranks 0.1 ... 0.9; uptake 0.5 + 0.3 * rank, so SII = 0.3 exactly
    # and RII = fitted(1) / fitted(0) = 0.8 / 0.5.
    n = np.array([100_000] * 5)
    x = ((0.5 + 0.3 * relative_ranks(n)) * n).round()
    result = slope_index_of_inequality(x, n, repetitions=2000)
    assert result.sii == pytest.approx(0.3, abs=1e-6)
    assert result.rii == pytest.approx(0.8 / 0.5, abs=1e-5)
    assert result.sii_low < result.sii < result.sii_high
    assert result.rii_low < result.rii < result.rii_high


def test_sii_interval_matches_the_delta_method_for_large_groups():
    # With large groups the simulated SII is close to normal with the variance that the
    # weighted regression gives from each group's binomial variance.
    x = np.array([30_000, 34_000, 37_500, 40_000, 43_000])
    n = np.array([50_000] * 5)
    result = slope_index_of_inequality(x, n, repetitions=100_000, seed=1)
    p = n / n.sum()
    r = relative_ranks(n)
    weights = p * (r - np.sum(p * r)) / (np.sum(p * r**2) - np.sum(p * r) ** 2)
    y = x / n
    se = np.sqrt(np.sum(weights**2 * y * (1 - y) / n))
    assert result.sii_low == pytest.approx(result.sii - 1.959964 * se, abs=0.1 * se)
    assert result.sii_high == pytest.approx(result.sii + 1.959964 * se, abs=0.1 * se)


def test_sii_is_reproducible_for_a_seed_and_rejects_unusable_groups():
    x, n = [60, 70, 75, 80, 85], [100] * 5
    assert slope_index_of_inequality(x, n, seed=3) == slope_index_of_inequality(x, n, seed=3)
    with pytest.raises(ValueError, match="between 5 and 100"):
        slope_index_of_inequality([1, 2, 3], [10, 10, 10])
    with pytest.raises(ValueError, match="strictly between"):
        slope_index_of_inequality([0, 70, 75, 80, 85], n)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "d", "low", "high"),
    [(56, 70, 48, 80, 0.2000, 0.0524, 0.3339), (9, 10, 3, 10, 0.6000, 0.1705, 0.8090)],
)
def test_difference_interval_matches_newcombe_1998_table_ii_method_10(x1, n1, x2, n2, d, low, high):
    got = difference_interval(x1, n1, x2, n2)
    assert got == pytest.approx((d, low, high), abs=5e-5)
