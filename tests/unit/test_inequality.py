"""Deprivation gradient, gaps against a reference group, and the benchmark table (raw counts in, protected out)."""

import pandas as pd
import pytest

from phm.analysis.comparison import (
    benchmark_table,
    compared_counts,
    default_localities,
    export_csv,
    funnel_curve,
    funnel_for,
    outliers,
)
from phm.analysis.inequality import (
    GAP_COLUMN,
    SII_COLUMN,
    deprivation_summary,
    format_interval,
    gaps_against,
    gradient_frame,
    not_drawn,
    summary_table,
    unmeasured_localities,
    unmeasured_words,
)
from phm.analysis.summaries import shown_uptake
from phm.disclosure import DisclosureRule
from phm.stats import difference_interval, slope_index_of_inequality
from tests.record_keys import with_keys

NO_ROUNDING = DisclosureRule(threshold=8, rounding=1)
ROUND_5 = DisclosureRule(threshold=8, rounding=5)
NO_CONTROL = DisclosureRule(threshold=0, rounding=1)  # to check arithmetic only


def quintiles(vaccinated, population, seed=0, **extra):
    """Return a raw frame by IMD quintile, with record-key sums."""
    frame = pd.DataFrame(
        {"imd_quintile": range(1, 6), "vaccinated": vaccinated, "population": population}
    )
    frame["imd_quintile_label"] = frame["imd_quintile"].astype(str)
    return with_keys(frame.assign(**extra), seed)


def test_deprivation_summary_gives_gap_and_sii_of_the_counts():
    raw = quintiles([600, 680, 740, 800, 830], [1000, 1000, 1000, 1000, 1000])
    got = deprivation_summary(raw, "imd_quintile", NO_ROUNDING, repetitions=2000).iloc[0]
    d, low, high = difference_interval(830, 1000, 600, 1000)
    assert got["gap_pts"] == pytest.approx(100 * d)
    assert (got["gap_low_pts"], got["gap_high_pts"]) == pytest.approx((100 * low, 100 * high))
    index = slope_index_of_inequality([600, 680, 740, 800, 830], [1000] * 5, repetitions=2000)
    assert got["sii_pts"] == pytest.approx(100 * index.sii)
    assert got["rii"] == pytest.approx(index.rii)
    assert got["most_deprived_pct"] == 60.0 and got["least_deprived_pct"] == 83.0
    assert got["reason"] == ""


def test_deprivation_summary_uses_rounded_counts():
    raw = quintiles([601, 682, 743, 801, 832], [1001, 1002, 1003, 999, 998])
    # Cell key 255 rounds every remainder down, cell key 0 every remainder up.
    down, up = [255 + 256 * k for k in range(5)], [256 * k for k in range(5)]
    raw = raw.assign(vaccinated_key=down, population_key=[*down[:3], *up[3:]])
    got = deprivation_summary(raw, "imd_quintile", ROUND_5, repetitions=2000).iloc[0]
    # shown: 600, 680, 740, 800, 830 vaccinated of 1000 each
    assert got["most_deprived_pct"] == pytest.approx(100 * 600 / 1000)
    assert got["least_deprived_pct"] == pytest.approx(100 * 830 / 1000)
    d, low, high = difference_interval(830, 1000, 600, 1000)
    assert (got["gap_pts"], got["gap_low_pts"], got["gap_high_pts"]) == pytest.approx(
        (100 * d, 100 * low, 100 * high)
    )
    index = slope_index_of_inequality([600, 680, 740, 800, 830], [1000] * 5, repetitions=2000)
    assert got["sii_pts"] == pytest.approx(100 * index.sii)
    # The same counts with other keys are shown rounded the other way: 605 of 1005, 835 of 1000.
    other = raw.assign(vaccinated_key=up, population_key=[*up[:3], *down[3:]])
    got = deprivation_summary(other, "imd_quintile", ROUND_5, repetitions=2000).iloc[0]
    assert got["most_deprived_pct"] == pytest.approx(100 * 605 / 1005)
    assert got["least_deprived_pct"] == pytest.approx(100 * 835 / 995)


def test_deprivation_summary_per_locality_explains_what_it_cannot_compute():
    full = quintiles([600, 680, 740, 800, 830], [1000] * 5, place="A", place_label="Alpha")
    missing = quintiles([600, 680, 740, 800, 830], [1000] * 5, place="C", place_label="Gamma")
    missing = missing[missing["imd_quintile"] != 1]
    raw = pd.concat([full, missing], ignore_index=True)
    got = deprivation_summary(raw, "imd_quintile", ROUND_5, "place", repetitions=2000)
    assert list(got["label"]) == ["Alpha", "Gamma"]
    assert got.loc[0, "reason"] == "" and pd.notna(got.loc[0, "sii_pts"])
    assert got.loc[1, "reason"].startswith("no residents in IMD quintile 1")
    assert pd.isna(got.loc[1, "sii_pts"])


def test_a_suppressed_quintile_hides_that_localitys_indices_and_no_other():
    # Beta's quintile 1 has 5 people: suppressed, so Beta has no indices. Alpha's quintile 1
    # is not hidden to protect it (no secondary suppression: the cell key method keeps the
    # total and Alpha's cell rounded independently, so their difference does not give 5).
    full = quintiles([600, 680, 740, 800, 830], [1000] * 5, place="A", place_label="Alpha")
    small = quintiles(
        [3, 680, 740, 800, 830], [5, 1000, 1000, 1000, 1000], seed=1, place="B", place_label="Beta"
    )
    raw = pd.concat([full, small], ignore_index=True)
    got = deprivation_summary(raw, "imd_quintile", ROUND_5, "place", repetitions=2000)
    assert list(got["label"]) == ["Alpha", "Beta"]
    assert got.loc[1, "reason"] == "a deprivation group is suppressed (small numbers)"
    assert got[["most_deprived_pct", "gap_pts", "sii_pts", "rii"]].iloc[1].isna().all()
    assert got.loc[0, "reason"] == ""
    assert got.loc[0, "most_deprived_pct"] == 60.0 and pd.notna(got.loc[0, "sii_pts"])


def test_gaps_against_white_british_use_newcombe_and_hide_suppressed_groups():
    raw = with_keys(
        pd.DataFrame(
            {
                "ethnicity_code": ["A", "M", "N", "R"],
                "ethnicity_code_label": ["White British", "Caribbean", "African", "Chinese"],
                "vaccinated": [1600, 500, 560, 3],
                "population": [2000, 1000, 1000, 6],
            }
        )
    )
    got = gaps_against(raw, "ethnicity_code", "A", NO_CONTROL)
    assert list(got["label"]) == ["Caribbean", "African", "Chinese"]
    d, low, high = difference_interval(500, 1000, 1600, 2000)
    assert (got.loc[0, "gap_pts"], got.loc[0, "gap_low_pts"], got.loc[0, "gap_high_pts"]) == (
        pytest.approx((100 * d, 100 * low, 100 * high))
    )
    controlled = gaps_against(raw, "ethnicity_code", "A", ROUND_5)
    chinese = controlled[controlled["label"] == "Chinese"].iloc[0]
    assert pd.isna(chinese["gap_pts"]) and chinese["reason"] == "suppressed (small numbers)"
    # No other group is hidden because Chinese is (multiples of 5 are shown exactly).
    assert controlled.loc[controlled["label"] != "Chinese", "gap_pts"].tolist() == pytest.approx(
        list(got["gap_pts"].iloc[:2])
    )


def test_gaps_against_a_missing_reference_return_nothing():
    raw = with_keys(
        pd.DataFrame(
            {
                "main_language": ["Polish"],
                "main_language_label": ["Polish"],
                "vaccinated": [50],
                "population": [100],
            }
        )
    )
    assert gaps_against(raw, "main_language", "English", NO_ROUNDING).empty


def boroughs(vaccinated=(9000, 7000, 5000, 4), population=(10000, 10000, 10000, 6)):
    """Return raw counts (with key sums) for four boroughs, one well above and one well below."""
    return with_keys(
        pd.DataFrame(
            {
                "borough": ["E1", "E2", "E3", "E4"],
                "borough_label": ["High", "Mid", "Low", "Tiny"],
                "vaccinated": list(vaccinated),
                "population": list(population),
            }
        )
    )


def test_benchmark_table_ranks_and_labels_against_the_ics_figure():
    table = benchmark_table(boroughs(), "borough", NO_CONTROL, 70.0)
    assert list(table["label"]) == ["High", "Mid", "Tiny", "Low"]
    assert list(table["compared"]) == ["higher", "similar", "similar", "lower"]
    assert list(table["funnel"]) == ["higher (99.8%)", "similar", "similar", "lower (99.8%)"]
    assert list(outliers(table)["label"]) == ["Low", "High"]


def test_benchmark_table_gives_no_comparison_for_suppressed_localities():
    table = benchmark_table(boroughs(), "borough", ROUND_5, 70.0)
    tiny = table[table["label"] == "Tiny"].iloc[0]
    assert bool(tiny["uptake_suppressed"]) and tiny["compared"] == "" and tiny["funnel"] == ""
    assert list(table["label"])[-1] == "Tiny" or bool(table["uptake_suppressed"].iloc[-1])


def test_funnel_for_spans_the_drawn_localities_only():
    table = benchmark_table(boroughs(), "borough", ROUND_5, 70.0)
    curve = funnel_for(table, 70.0)
    assert curve["population"].min() == 8000  # 0.8 x the smallest drawn (not Tiny, suppressed)
    assert curve["population"].max() >= 10000


def test_funnel_for_is_none_when_every_locality_is_suppressed():
    raw = boroughs(vaccinated=[4, 3, 2, 1], population=[6, 6, 5, 5])
    table = benchmark_table(raw, "borough", ROUND_5, 70.0)
    assert table["uptake_suppressed"].all()
    assert funnel_for(table, 70.0) is None


def test_export_csv_has_a_header_block_and_only_protected_counts():
    table = benchmark_table(boroughs(), "borough", ROUND_5, 70.0)
    text = export_csv(table, ROUND_5, ["Cohort: everyone", "Dataset: demo (synthetic)"], "borough")
    lines = text.splitlines()
    assert lines[:2] == ["# Cohort: everyone", "# Dataset: demo (synthetic)"]
    assert lines[2].startswith("Code,Locality,Vaccinated,Population,Unvaccinated,Uptake %")
    tiny = next(line for line in lines if line.startswith("E4,"))
    assert "<8" in tiny and ",4," not in tiny


def test_funnel_curve_narrows_around_the_ics_figure():
    curve = funnel_curve(70.0, 100, 10000)
    width = curve["high95"] - curve["low95"]
    assert width.is_monotonic_decreasing
    assert (curve["low998"] <= curve["low95"]).all() and (curve["high998"] >= curve["high95"]).all()
    assert curve["population"].max() >= 10000


def pcns_with_real_spread(areas: int = 31, seed: int = 4) -> pd.DataFrame:
    """Return a raw frame of localities whose true uptake varies (sd 5 points) around 70%."""
    import numpy as np

    rng = np.random.default_rng(seed)
    population = rng.integers(20_000, 60_000, areas)
    vaccinated = rng.binomial(population, np.clip(rng.normal(0.7, 0.05, areas), 0.05, 0.95))
    frame = pd.DataFrame(
        {
            "pcn": [f"P{i:02d}" for i in range(areas)],
            "vaccinated": vaccinated,
            "population": population,
        }
    )
    frame["pcn_label"] = frame["pcn"]
    return with_keys(frame, seed)


def test_allowing_for_spread_between_localities_widens_the_funnel_to_the_real_outliers():
    raw = pcns_with_real_spread()
    plain = benchmark_table(raw, "pcn", NO_CONTROL, 70.0)
    widened = benchmark_table(raw, "pcn", NO_CONTROL, 70.0, allow_for_spread=True)
    assert "spread" not in plain.attrs and widened.attrs["spread"].found
    assert len(outliers(plain)) > 20  # most of 31 large localities, as the issue found
    assert len(outliers(widened)) <= 3
    plain_curve, widened_curve = funnel_for(plain, 70.0), funnel_for(widened, 70.0)
    assert (widened_curve["high998"] > plain_curve["high998"]).all()
    assert (widened_curve["low998"] < plain_curve["low998"]).all()


def test_summary_table_formats_figures_with_intervals_and_dashes_for_what_is_not_shown():
    summary = pd.DataFrame(
        {
            "label": ["ICS (whole cohort)", "Camden"],
            "most_deprived_pct": [60.04, None],
            "least_deprived_pct": [75.0, None],
            "gap_pts": [14.96, None],
            "gap_low_pts": [12.3, None],
            "gap_high_pts": [17.64, None],
            "sii_pts": [-18.25, None],
            "sii_low_pts": [-21.0, None],
            "sii_high_pts": [-15.5, None],
            "rii": [0.7812, None],
            "rii_low": [0.75, None],
            "rii_high": [0.812, None],
            "reason": ["", "a deprivation group is suppressed (small numbers)"],
        }
    )
    shown = summary_table(summary)
    assert shown.to_dict("records") == [
        {
            "Locality": "ICS (whole cohort)",
            "Most deprived %": "60.0%",
            "Least deprived %": "75.0%",
            GAP_COLUMN: "15.0 points lower (12.3 to 17.6 lower)",
            SII_COLUMN: "18.2 points higher (15.5 to 21.0 higher)",
            "RII (95% CI)": "0.78 (0.75 to 0.81)",
            "Note": "",
        },
        {
            "Locality": "Camden",
            "Most deprived %": "–",
            "Least deprived %": "–",
            GAP_COLUMN: "–",
            SII_COLUMN: "–",
            "RII (95% CI)": "–",
            "Note": "a deprivation group is suppressed (small numbers)",
        },
    ]


def test_summary_table_of_deprivation_summary_has_one_row_per_locality():
    raw = quintiles([60, 65, 70, 75, 80], [100] * 5)
    shown = summary_table(deprivation_summary(raw, "imd_quintile", NO_ROUNDING, repetitions=1_000))
    assert list(shown["Locality"]) == ["ICS (whole cohort)"]
    # Least deprived 80%, most deprived 60%: the most deprived are 20 points lower; the fitted
    # gradient (SII) says the same way round.
    assert shown[GAP_COLUMN].iloc[0].startswith("20.0 points lower (")
    assert shown[GAP_COLUMN].iloc[0].endswith(" lower)")
    assert " points lower (" in shown[SII_COLUMN].iloc[0]


def test_format_interval_gives_a_dash_when_the_figure_is_missing():
    row = pd.Series({"rii": None, "rii_low": 0.5, "rii_high": 0.9})
    assert format_interval(row, "rii", "rii_low", "rii_high", ".2f") == "–"
    row = pd.Series({"rii": 0.7, "rii_low": 0.5, "rii_high": 0.9})
    assert format_interval(row, "rii", "rii_low", "rii_high", ".2f") == "0.70 (0.50 to 0.90)"


def test_not_drawn_lists_the_groups_with_a_reason_in_order():
    ethnic = pd.DataFrame(
        {"label": ["Indian", "Chinese"], "reason": ["", "suppressed (small numbers)"]}
    )
    language = pd.DataFrame(
        {"label": ["Somali", "Polish"], "reason": ["suppressed (small numbers)", None]}
    )
    assert not_drawn(ethnic, language) == ["Chinese", "Somali"]
    assert not_drawn(ethnic.iloc[:1]) == []


def test_gradient_frame_labels_the_ics_and_adds_chosen_localities_protected():
    ics = quintiles([60, 65, 70, 75, 80], [100] * 5)
    local = quintiles([30, 32, 35, 37, 40], [50] * 5, seed=1, borough="E1", borough_label="Camden")
    alone = gradient_frame(ics, None, "borough", NO_ROUNDING)
    assert list(alone["borough_label"]) == ["ICS"] * 5
    both = gradient_frame(ics, local, "borough", ROUND_5)
    assert list(both["borough_label"]) == ["ICS"] * 5 + ["Camden"] * 5
    assert "vaccinated_key" not in both.columns  # protected: no record-key sums
    assert list(both["population"]) == [100] * 5 + [50] * 5


def test_compared_counts_count_each_word_and_zero_for_none():
    table = pd.DataFrame({"compared": ["higher", "lower", "higher", ""]})
    assert compared_counts(table) == {"higher": 2, "similar": 0, "lower": 1}


def test_default_localities_are_the_top_and_bottom_three_or_all():
    ranked = pd.DataFrame({"pcn": [f"P{i}" for i in range(8)]})
    assert default_localities(ranked, "pcn") == ["P0", "P1", "P2", "P5", "P6", "P7"]
    assert default_localities(ranked.head(6), "pcn") == [f"P{i}" for i in range(6)]
    assert default_localities(ranked.head(0), "pcn") == []


def test_default_localities_leave_out_those_without_a_gradient_and_take_the_next():
    ranked = pd.DataFrame({"pcn": [f"P{i}" for i in range(10)]})
    chosen = default_localities(ranked, "pcn", leave_out={"P0", "P8", "P9"})
    assert chosen == ["P1", "P2", "P3", "P5", "P6", "P7"]


def test_unmeasured_localities_name_each_missing_or_suppressed_quintile_with_its_reason():
    whole = quintiles([600, 680, 740, 800, 830], [1000] * 5, borough="B1", borough_label="One")
    no_least = quintiles([60, 68, 74, 80, 83], [100] * 5, seed=1, borough="B2").iloc[:4]
    tiny = quintiles([60, 68, 74, 80, 3], [100, 100, 100, 100, 5], seed=2, borough="B3")
    raw = pd.concat(
        [whole, no_least.assign(borough_label="Two"), tiny.assign(borough_label="Three")]
    )
    reasons = unmeasured_localities(raw, "imd_quintile", ROUND_5, "borough")
    assert set(reasons) == {"B2", "B3"}
    assert reasons["B2"].startswith("no residents in IMD quintile 5")
    assert reasons["B3"] == "a deprivation group is suppressed (small numbers)"
    # The same reasons the summary table gives once the simulation has run.
    summary = deprivation_summary(raw, "imd_quintile", ROUND_5, "borough", repetitions=1000)
    assert dict(zip(summary["key"], summary["reason"], strict=True)) == {"B1": "", **reasons}


def test_unmeasured_words_name_up_to_eight_then_count_the_rest():
    codes = [f"P{i}" for i in range(10)]
    names = {c: f"PCN {c}" for c in codes}
    reasons = {c: "no residents in IMD quintile 1; the PHE method needs every group" for c in codes}
    words = unmeasured_words(codes, names, reasons, "PCN")
    assert "PCN P0 (no residents in IMD quintile 1), PCN P1" in words
    assert "PCN P8" not in words and words.endswith(
        ", and 2 more. Add a PCN above to see it in the table with its reason."
    )


def test_shown_uptake_is_none_when_suppressed():
    assert shown_uptake(pd.Series({"uptake_pct": 71.25, "uptake_suppressed": False})) == 71.25
    assert shown_uptake(pd.Series({"uptake_pct": float("nan"), "uptake_suppressed": True})) is None
