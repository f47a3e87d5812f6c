"""Trends: cumulative uptake, gaps over time, milestones and the Making Data Count XmR chart."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from phm.analysis.trends import (
    cumulative_uptake,
    describe_gap_change,
    gap_over_time,
    milestones_frame,
    spc_signals,
    weekly_new,
    weekly_spc,
    xmr_limits,
)
from phm.disclosure import DisclosureRule
from phm.stats import difference_interval

NO_ROUNDING = DisclosureRule(threshold=8, rounding=1)
ROUND_5 = DisclosureRule(threshold=8, rounding=5)

# NHSRplotthedots (NHS-R community, MIT) vignette "Deviations from the Excel tool"
# (inst/doc/deviations.R): for this series, with outlying moving ranges screened (its
# default), the chart's caption reports UPL = 4.6, mean = 1.94 and LPL = -0.72, and the
# one point at 10 is the only special cause.
PTD_DEVIATIONS = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_xmr_limits_match_nhsrplotthedots_published_example():
    mean, lower, upper = xmr_limits(np.array(PTD_DEVIATIONS, dtype=float))
    assert round(mean, 2) == 1.94
    assert round(upper, 2) == 4.6
    assert round(lower, 2) == -0.72
    signals = spc_signals(PTD_DEVIATIONS)
    assert list(signals.index[signals["signal"] != ""]) == [4]
    assert signals.loc[4, "signal"] == "high"


def test_xmr_without_screening_uses_every_moving_range():
    mean, _lower, upper = xmr_limits(np.array(PTD_DEVIATIONS, dtype=float), screen_outliers=False)
    moving = np.abs(np.diff(PTD_DEVIATIONS)).mean()
    assert upper == pytest.approx(mean + 2.66 * moving)


def test_spc_flags_a_shift_of_seven_and_a_trend_of_six():
    shift = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10] + [12, 12.5, 11.5, 12, 12.5, 11.5, 12]
    got = spc_signals(shift)
    assert (got["signal"].iloc[-7:] == "high").all()
    assert (got["signal"].iloc[:10] != "high").all()
    trend = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 9, 9.5, 10, 10.5, 11, 11.2]
    got = spc_signals(trend)
    assert (got["signal"].iloc[-6:] == "high").all()


def with_weekly_keys(weekly, group, seed=0):
    """Return weekly doses with record-key sums as the query gives them.

    Each group's people get record keys 0..255 once; population_key is their sum (the same
    every week) and vaccinated_key the sum over the people first vaccinated that week.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _, part in weekly.groupby(group, sort=False) if group else [(None, weekly)]:
        part = part.sort_values("week")
        keys = rng.integers(0, 256, int(part["population"].iloc[0]))
        ends = np.cumsum(part["vaccinated"].to_numpy())
        starts = ends - part["vaccinated"].to_numpy()
        out.append(
            part.assign(
                vaccinated_key=[int(keys[a:b].sum()) for a, b in zip(starts, ends, strict=True)],
                population_key=int(keys.sum()),
            )
        )
    return pd.concat(out, ignore_index=True)


def weekly_two_groups():
    """Return weekly doses for two groups over three weeks."""
    weeks = pd.to_datetime(["2021-01-04", "2021-01-11", "2021-01-18"] * 2)
    weekly = pd.DataFrame(
        {
            "g": ["a"] * 3 + ["b"] * 3,
            "g_label": ["A"] * 3 + ["B"] * 3,
            "week": weeks,
            "vaccinated": [100, 200, 300, 50, 100, 400],
            "population": [1000] * 3 + [1000] * 3,
        }
    )
    return with_weekly_keys(weekly, "g")


def test_cumulative_uptake_adds_up_weeks_within_each_group():
    got = cumulative_uptake(weekly_two_groups(), NO_ROUNDING, "g")
    assert list(got["vaccinated"]) == [100, 300, 600, 50, 150, 550]
    assert list(got["uptake_pct"]) == [10.0, 30.0, 60.0, 5.0, 15.0, 55.0]
    assert not any(c.endswith("_key") for c in got.columns)


def test_each_cumulative_week_is_protected_as_the_set_of_people_vaccinated_by_then():
    # 11 doses a week: cumulative 11, 22, 33 of 1,000. Each week's cell key is the sum of the
    # record keys of everyone vaccinated by then, so the same week's figure is what every
    # other page shows for that date.
    weeks = pd.to_datetime(["2021-01-04", "2021-01-11", "2021-01-18"])
    weekly = pd.DataFrame({"week": weeks, "vaccinated": [11] * 3, "population": [1000] * 3})
    # week sums 300, 20, 20 -> cumulative key sums 300, 320, 340 -> cell keys 44, 64, 84:
    # 11 rounds up below 51, 22 and 33 (2 and 3 past 20 and 30) below 102 and 154.
    weekly = weekly.assign(vaccinated_key=[300, 20, 20], population_key=128_000)
    got = cumulative_uptake(weekly, ROUND_5)
    assert list(got["vaccinated"]) == [15, 25, 35]
    weekly = weekly.assign(vaccinated_key=[60, 50, 200])  # cell keys 60, 110, 54
    assert list(cumulative_uptake(weekly, ROUND_5)["vaccinated"]) == [10, 20, 35]


def test_weekly_doses_are_differences_of_the_shown_cumulative_counts():
    cumulative = cumulative_uptake(weekly_two_groups(), NO_ROUNDING, "g")
    got = weekly_new(cumulative[cumulative["g"] == "b"])
    assert list(got.columns) == ["week", "vaccinated", "vaccinated_suppressed"]
    assert list(got["vaccinated"]) == [50, 100, 400]
    assert not got["vaccinated_suppressed"].any()


def test_weekly_doses_are_never_below_zero_and_hidden_next_to_a_suppressed_week():
    weeks = pd.to_datetime(["2021-01-04", "2021-01-11", "2021-01-18", "2021-01-25"])
    cumulative = pd.DataFrame(
        {
            "week": weeks,
            # shown cumulative counts: suppressed, 20, 20 rounded down after 25 rounded up
            "vaccinated": pd.array([pd.NA, 25, 20, 40], dtype="Int64"),
            "vaccinated_suppressed": [True, False, False, False],
        }
    )
    got = weekly_new(cumulative.iloc[::-1])  # sorted by week whatever the order given
    assert list(got["week"]) == list(weeks)
    assert got["vaccinated_suppressed"].tolist() == [True, True, False, False]
    assert got["vaccinated"].iloc[:2].isna().all()
    assert got["vaccinated"].iloc[2:].tolist() == [0, 20]


def test_gap_over_time_is_newcombe_difference_each_week_and_the_sentence_says_narrowed():
    cumulative = cumulative_uptake(weekly_two_groups(), NO_ROUNDING, "g")
    gaps = gap_over_time(cumulative, "g", "b", "a")
    d, low, high = difference_interval(550, 1000, 600, 1000)
    assert gaps["gap_pts"].iloc[-1] == pytest.approx(100 * d)
    assert gaps["gap_low_pts"].iloc[-1] == pytest.approx(100 * low)
    assert list(gaps["gap_pts"].round(1)) == [-5.0, -15.0, -5.0]
    sentence = describe_gap_change(gaps.iloc[1:], "B", "A", date(2021, 1, 1))
    assert "15.0 percentage points lower in the week of 11 Jan 2021" in sentence
    assert "narrowed" in sentence and "-" not in sentence and "+" not in sentence


def test_milestones_follow_the_product_timeline():
    got = milestones_frame(date(2020, 12, 1), date(2021, 3, 1))
    assert list(got["day"].dt.date) == [
        date(2020, 12, 8), date(2020, 12, 17), date(2020, 12, 30), date(2021, 1, 13), date(2021, 2, 15)
    ]  # fmt: skip
    assert "cohorts 1-4" in got["label"].iloc[-1]


def test_gap_sentence_says_reversed_when_the_sign_changes():
    gaps = pd.DataFrame(
        {
            "week": pd.to_datetime(["2021-03-01", "2022-03-28"]),
            "gap_pts": [-1.0, 0.7],
            "gap_low_pts": [-1.3, 0.4],
            "gap_high_pts": [-0.7, 0.9],
        }
    )
    sentence = describe_gap_change(gaps, "Asian", "White", date(2021, 3, 1))
    assert sentence.endswith("the gap has reversed.")


def test_weekly_spc_leaves_out_suppressed_weeks_and_needs_fifteen_shown():
    weeks = pd.date_range("2021-01-04", periods=17, freq="7D")
    new = pd.DataFrame(
        {
            "week": weeks,
            "vaccinated": [100.0 + i for i in range(16)] + [None],
            "vaccinated_suppressed": [False] * 16 + [True],
        }
    )
    spc = weekly_spc(new)
    assert list(spc["week"]) == list(weeks[:16])
    expected = spc_signals([100.0 + i for i in range(16)])
    pd.testing.assert_frame_equal(spc.drop(columns="week"), expected)
    assert weekly_spc(new.iloc[:14]) is None


def test_the_gap_starts_when_the_group_became_eligible():
    from datetime import date

    from phm.analysis.trends import eligible_from
    from phm.cohort import Cohort

    assert eligible_from(Cohort())[0] == date(2020, 12, 8)
    assert eligible_from(Cohort(age_min=50))[0] == date(2021, 3, 17)  # cohort 9, 50-54
    # two age bands: the whole group was eligible when the younger band was
    assert eligible_from(Cohort(age_bands=("18-24", "80+")))[0] == date(2021, 6, 8)
    assert eligible_from(Cohort(jcvi_cohorts=(1, 5)))[0] == date(2021, 2, 15)
    assert eligible_from(Cohort(dose="3"))[0] == date(2021, 9, 16)
    # cohort 0 (under 18, no priority): offered last, with 12-15 year olds (found by the fuzzer)
    assert eligible_from(Cohort(jcvi_cohorts=(0, 1)))[0] == date(2021, 9, 20)
