"""Evaluation of interventions (phm.interventions.evaluate) on hand-made data with a known effect."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from phm.cohort import Cohort
from phm.interventions import evaluate as E
from phm.interventions.record import RecordedIntervention

START = date(2021, 10, 4)  # a Monday
TREATED = ("E02000001", "E02000002")
COMPARISON = tuple(f"E020001{i:02d}" for i in range(8))


def record(**changes: object) -> RecordedIntervention:
    values: dict = dict(
        name="Bus",
        kind="bus",
        msoas=TREATED,
        site_id="",
        start=START,
        end=START + timedelta(days=6 * 7 - 1),  # six whole weeks
        cohort=Cohort(ethnicities=("C",)),
        cost_gbp=12_000.0,
    )
    values.update(changes)
    return RecordedIntervention(**values)


def weekly(
    rng: np.random.Generator,
    extra_per_week: float,
    population: int = 2_000,
    trend: float = 0.0,
    treated_level: float = 0.004,
    shock_sd: float = 0.001,
) -> tuple[pd.DataFrame, int]:
    """Return weekly_doses-shaped rows (raw) for the areas and the true additional doses.

    Every area has a weekly first-dose rate that moves with the same week effects (parallel
    trends); the treated areas get `extra_per_week` more doses in each week of the period.
    """
    weeks = [date(2021, 6, 7) + timedelta(weeks=w) for w in range(30)]
    shock = rng.normal(0, shock_sd, len(weeks))
    rows, truth = [], 0
    for area in (*TREATED, *COMPARISON):
        level = treated_level if area in TREATED else rng.uniform(0.002, 0.006)
        for w, week in enumerate(weeks):
            rate = max(level + shock[w] + trend * w, 0.0)
            doses = rng.binomial(population, rate)
            if area in TREATED and START <= week <= record().end:
                extra = int(extra_per_week)
                doses += extra
                truth += extra
            rows.append((area, pd.Timestamp(week), doses, population))
    frame = pd.DataFrame(rows, columns=["msoa", "week", "vaccinated", "population"])
    frame["vaccinated_key"] = frame["vaccinated"] * 3
    frame["population_key"] = frame["population"] * 5
    return frame, truth


def test_did_recovers_a_known_effect_within_its_interval():
    rng = np.random.default_rng(1)
    rows, truth = weekly(rng, extra_per_week=20)  # 2 areas x 6 weeks x 20 = about 240
    result = E.estimate(rows, record(), COMPARISON)
    assert result.method == "did" and result.comparison == COMPARISON
    assert result.low <= truth <= result.high
    assert result.is_clear and result.low > 100


def test_did_finds_no_effect_where_there_is_none():
    rows, truth = weekly(np.random.default_rng(2), extra_per_week=0)
    result = E.estimate(rows, record(), COMPARISON)
    assert truth == 0 and result.low <= 0 <= result.high and not result.is_clear


def test_did_is_not_fooled_by_a_trend_all_areas_share():
    rows, _ = weekly(np.random.default_rng(3), extra_per_week=0, trend=0.0004)
    result = E.estimate(rows, record(), COMPARISON)
    assert result.low <= 0 <= result.high
    before_after = rows[rows["msoa"].isin(TREATED)].groupby(rows["week"].dt.date >= START)
    rates = before_after["vaccinated"].sum() / before_after["population"].sum()
    assert rates[True] > 1.5 * rates[False]  # a naive before/after would call this an effect


def test_did_intervals_cover_the_true_effect_at_about_the_stated_rate():
    rng = np.random.default_rng(4)
    runs, covered = 200, 0
    for _ in range(runs):
        rows, truth = weekly(rng, extra_per_week=10, population=1_500)
        result = E.estimate(rows, record(), COMPARISON)
        covered += result.low <= truth <= result.high
    assert 0.90 <= covered / runs <= 0.99  # stated 95%; 200 runs give about +-3 points


def test_without_enough_comparison_areas_an_interrupted_time_series_is_used():
    rng = np.random.default_rng(5)
    rows, truth = weekly(rng, extra_per_week=25, shock_sd=0.0)  # no week-to-week shocks
    result = E.estimate(rows, record(), COMPARISON[:2])
    assert result.method == "its" and result.comparison == ()
    assert result.low <= truth <= result.high and result.is_clear


def test_comparison_areas_too_small_or_the_interventions_own_are_not_used():
    rows, _ = weekly(np.random.default_rng(6), extra_per_week=5)
    rows.loc[rows["msoa"] == COMPARISON[0], "population"] = E.MIN_AREA_POPULATION - 1
    result = E.estimate(rows, record(), (*COMPARISON[:4], TREATED[0]))
    assert result.comparison == COMPARISON[1:4]


def test_matching_prefers_areas_like_the_interventions():
    features = pd.DataFrame(
        {
            "msoa": ["T1", "A", "B", "C", "D", "E"],
            "population": [500, 500, 500, 500, 10, 500],
            "uptake_before": [0.40, 0.41, 0.80, 0.42, 0.40, 0.40],
            "imd_quintile": [1.5, 1.6, 4.5, 1.4, 1.5, 1.5],
            "share_White": [0.5, 0.5, 0.9, 0.55, 0.5, 0.5],
            "share_Black": [0.5, 0.5, 0.1, 0.45, 0.5, 0.5],
        }
    )
    assert E.match(features, ["T1"], excluded=["E"], k=2) == ("A", "C")  # D too small, E excluded
    assert "B" not in E.match(features, ["T1"], excluded=[], k=3)


def test_cost_per_additional_vaccination_and_its_interval():
    clear = E.Estimate("did", 200.0, 100.0, 400.0, COMPARISON)
    assert E.cost_per_additional(12_000, clear) == E.CostPer(60.0, 30.0, 120.0)
    unclear = E.Estimate("did", 50.0, -20.0, 120.0, COMPARISON)
    assert E.cost_per_additional(12_000, unclear) == E.CostPer(240.0, 100.0, None)
    none = E.Estimate("did", -5.0, -30.0, 20.0, COMPARISON)
    assert E.cost_per_additional(12_000, none) == E.CostPer(None, 600.0, None)


def test_the_chart_frame_is_protected_and_marks_both_groups():
    from phm.disclosure import DEFAULT_RULE

    rows, _ = weekly(np.random.default_rng(7), extra_per_week=20)
    chart = E.weekly_chart_frame(rows, record(), COMPARISON, DEFAULT_RULE)
    assert chart is not None
    assert list(chart.columns) == ["group", "week", "per_1000"]
    assert set(chart["group"]) == {"Intervention areas", "Comparison areas"}
    first = pd.Timestamp(START - timedelta(weeks=E.PRE_WEEKS))
    assert pd.to_datetime(chart["week"]).min() == first


def test_a_group_under_50_people_is_not_charted_or_evaluated():
    from phm.disclosure import DEFAULT_RULE

    rows, _ = weekly(np.random.default_rng(8), extra_per_week=0, population=20)
    assert E.weekly_chart_frame(rows, record(), COMPARISON, DEFAULT_RULE) is None
    assert not E.group_large_enough(rows, record(), DEFAULT_RULE)


@pytest.mark.parametrize("method", ["did", "its"])
def test_models_refuse_rows_they_cannot_use(method):
    rows, _ = weekly(np.random.default_rng(9), extra_per_week=0)
    only_before = E.panel(rows, record(start=date(2022, 2, 7), end=date(2022, 2, 13)), ())
    with pytest.raises(ValueError):
        (E.did if method == "did" else E.its)(only_before, 1)


def test_its_intervals_cover_the_true_effect_at_about_the_stated_rate():
    rng = np.random.default_rng(10)
    runs, covered = 150, 0
    for _ in range(runs):
        rows, truth = weekly(rng, extra_per_week=25, shock_sd=0.0)
        result = E.estimate(rows, record(), ())
        covered += result.low <= truth <= result.high
    assert 0.88 <= covered / runs <= 0.99  # stated 95%; 150 runs give about +-3.5 points


def test_what_worked_words_escape_user_text_and_say_the_result():
    from phm.analysis import what_worked as W

    mine = record(name="**Bus** [x](http://e)")
    clear = W.Evaluated(
        mine, E.Estimate("did", 240.0, 180.0, 300.0, COMPARISON), E.CostPer(50.0, 40.0, 66.7), None
    )
    text = W.summary(clear, {TREATED[0]: "Haringey 001"})
    assert "\\*\\*Bus\\*\\*" in text and "[x](http" not in text
    assert "**240 additional first doses**" in text and "£50 per additional" in text
    assert "Haringey 001" in text and "8 comparison areas" in text
    unclear = W.Evaluated(
        mine, E.Estimate("its", 20.0, -10.0, 50.0, ()), E.CostPer(600.0, 240.0, None), None
    )
    assert "no upper bound" in W.summary(unclear, {}) and "own trend" in W.summary(unclear, {})
    table = W.side_by_side([clear, unclear, W.Evaluated(mine, None, None, None, "Too small.")])
    assert list(table["Result"]) == ["Worked: more first doses", "No clear effect", "Not evaluated"]
    assert table.at[0, "Additional first doses (95% interval)"] == "240 (180 to 300)"
    assert table.at[2, "Additional first doses (95% interval)"] == "Too small."


def test_other_interventions_areas_overlapping_in_time_are_left_out():
    from phm.analysis import what_worked as W

    mine = record()
    before = record(msoas=("E02000100",), start=date(2021, 8, 2), end=date(2021, 8, 8))
    long_before = record(msoas=("E02000101",), start=date(2021, 1, 4), end=date(2021, 1, 10))
    after = record(msoas=("E02000102",), start=date(2021, 11, 1), end=date(2021, 11, 7))
    assert W.overlapping(mine, [mine, before, long_before, after]) == ("E02000100", "E02000102")


def test_a_form_becomes_a_record_or_a_reason():
    from phm.analysis import what_worked as W

    values = dict(
        name=" Bus ",
        kind="bus",
        msoas=["E02000002", "E02000001"],
        start=START,
        end=START + timedelta(days=6),
        ethnicities=["M", "C"],
        languages=[],
        age_min=18,
        age_max=None,
        cost_gbp=100,
        note="",
    )
    made = W.record_from_form(**values)
    assert made.name == "Bus" and made.msoas == TREATED and made.cohort.ethnicities == ("C", "M")
    with pytest.raises(ValueError, match="say where"):
        W.record_from_form(**(values | {"msoas": []}))


def test_no_one_of_the_group_in_its_areas_is_not_evaluated():
    from phm.disclosure import DEFAULT_RULE

    rows, _ = weekly(np.random.default_rng(11), extra_per_week=0)
    elsewhere = rows[~rows["msoa"].isin(TREATED)]  # e.g. a practice whose patients live elsewhere
    assert not E.group_large_enough(elsewhere, record(), DEFAULT_RULE)
    assert E.weekly_chart_frame(elsewhere, record(), COMPARISON, DEFAULT_RULE) is None
