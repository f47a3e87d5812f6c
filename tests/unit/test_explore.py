"""Breakdowns for the Explore page: gaps, comparisons, sorting, full grids and exports."""

import io

import pandas as pd
import pytest

from phm.analysis import explore
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE, DisclosureRule
from phm.output import charts, exports
from tests.record_keys import with_keys

EXACT = DisclosureRule(threshold=8, rounding=1)


def _raw(rows, dims=("age_band",)):
    columns = []
    for d in dims:
        columns += [d, f"{d}_label"]
    return with_keys(pd.DataFrame(rows, columns=[*columns, "vaccinated", "population"]))


def test_gap_and_comparison_use_the_shown_interval_against_the_cohort():
    raw = _raw(
        [
            ("18-24", "18-24", 300, 1000),  # 30%, interval 27-33: lower than 50
            ("25-29", "25-29", 500, 1000),  # 50%, interval 47-53: similar
            ("30-34", "30-34", 800, 1000),  # 80%: higher
            ("35-39", "35-39", 3, 100),  # suppressed
            ("40-44", "40-44", 20, 60),  # shown: no sibling is hidden to protect the 3
        ]
    )
    out = explore.breakdown(raw, 50.0, EXACT)
    assert list(out["gap_pts"].iloc[:3]) == [-20.0, 0.0, 30.0]
    assert list(out["compared"].iloc[:3]) == ["lower", "similar", "higher"]
    assert pd.isna(out.loc[3, "gap_pts"]) and out.loc[3, "compared"] is None
    shown = explore.display_table(out, ("age_band",), EXACT)
    assert shown.loc[3, "Vaccinated"] == "<8"
    assert shown.loc[3, "Gap to comparator (pts)"] == "suppressed"
    assert shown.loc[0, "Interval vs comparator"] == "lower"
    assert out["uptake_suppressed"].tolist() == [False, False, False, True, False]
    assert out.loc[4, "gap_pts"] == -16.7 and out.loc[4, "compared"] == "lower"
    assert shown.loc[4, "Vaccinated"] == "20" and shown.loc[4, "Unvaccinated"] == "40"
    assert not any(c.endswith(("_protecting", "_key")) for c in out.columns)


def test_a_suppressed_cohort_leaves_gaps_missing():
    out = explore.breakdown(_raw([("18-24", "18-24", 300, 1000)]), None, EXACT)
    assert out["gap_pts"].isna().all() and out["compared"].isna().all()


@pytest.mark.parametrize(
    ("by", "order"),
    [
        ("natural", ["a", "b", "c", "d"]),
        ("uptake", ["c", "a", "b", "d"]),
        ("gap", ["c", "a", "b", "d"]),
        ("unvaccinated", ["a", "c", "b", "d"]),
    ],
)
def test_sorting_puts_suppressed_rows_last(by, order):
    raw = _raw(
        [("a", "a", 500, 1000), ("b", "b", 90, 100), ("c", "c", 100, 400), ("d", "d", 2, 50)]
    )
    out = explore.sort_breakdown(explore.breakdown(raw, 60.0, EXACT), by)
    assert list(out["age_band"]) == order
    # Only d is suppressed: b (the smallest sibling) is not hidden to protect it.
    assert out.loc[out["uptake_suppressed"], "age_band"].tolist() == ["d"]


def test_full_grid_marks_empty_combinations_apart_from_suppressed_ones():
    rows = [
        (a, a, b, b, 3 if (a, b) == ("a", "y") else 50, 100)
        for a in "abc"
        for b in "xyz"
        if (a, b) != ("c", "z")
    ]
    raw = _raw(rows, dims=("sex", "age_band"))
    out = explore.breakdown(raw, 50.0, DEFAULT_RULE)
    labels = {"sex_label": list("abc"), "age_band_label": list("xyz")}
    grid = explore.full_grid(out, ("sex", "age_band"), labels)
    cells = zip(grid["sex_label"], grid["age_band_label"], strict=True)
    status = dict(zip(cells, grid["status"], strict=True))
    assert len(status) == 9
    assert status[("a", "y")] == "suppressed"
    assert status[("c", "z")] == "no residents"
    assert status[("c", "x")] == status[("c", "y")] == "shown"
    # No secondary suppression: every other cell, in a's row and y's column too, is shown.
    others = {cell: s for cell, s in status.items() if cell not in {("a", "y"), ("c", "z")}}
    assert set(others.values()) == {"shown"}
    heat = explore.heatmap_frame(grid, ("sex", "age_band"), DEFAULT_RULE)
    cells = zip(heat["sex_label"], heat["age_band_label"], strict=True)
    texts = dict(zip(cells, heat["cell_text"], strict=True))
    assert texts[("a", "y")] == "<8" and texts[("c", "z")] == "–" and texts[("c", "x")] == "50"
    assert heat.loc[heat["status"] == "no residents", "Population"].eq("no residents").all()
    spec = charts.uptake_heatmap(heat, "sex_label", "age_band_label", "Sex", "Age", "t").to_dict()
    assert "Suppressed (small numbers)" in str(spec) and "No residents" in str(spec)


def test_export_has_a_header_block_and_reads_back_as_the_table():
    table = pd.DataFrame({"Age band": ["18-24"], "Vaccinated": ["<8"], "Population": ["100"]})
    meta = {"name": "Demo", "kind": "synthetic", "as_at": "2022-03-31"}
    header = explore.export_header("People aged 18 and over", meta, DEFAULT_RULE, "First dose", "v")
    text = exports.to_csv(table, header)
    lines = text.splitlines()
    assert lines[0] == "# Cohort: People aged 18 and over"
    assert any("SYNTHETIC DATA" in line for line in lines if line.startswith("# Kind"))
    assert any(line.startswith("# Disclosure control: Counts from 1 to 7") for line in lines)
    back = pd.read_csv(io.StringIO(text), comment="#", dtype=str)
    pd.testing.assert_frame_equal(back, table)


def test_target_groups_start_with_adults_only_when_the_cohort_sets_no_age():
    assert explore.adults_by_default(Cohort())
    assert explore.adults_by_default(Cohort().with_(sexes=["F"]))
    assert not explore.adults_by_default(Cohort().with_(age_min=5))
    assert not explore.adults_by_default(Cohort().with_(age_max=17))
    assert not explore.adults_by_default(Cohort().with_(age_bands=["80+"]))
    assert not explore.adults_by_default(Cohort().with_(jcvi_cohorts=[1]))


def test_benchmark_words_name_the_icb_unless_the_cohort_is_limited_to_places():
    meta = {"icb": "NHS North Central London ICB"}
    assert explore.benchmark_words(71.25, Cohort(), meta) == "71.2% across North Central London"
    assert explore.benchmark_words(71.25, Cohort(), {}) == "71.2% across the ICS"
    narrowed = Cohort().with_(boroughs=["E09000007"])
    assert explore.benchmark_words(71.25, narrowed, meta) == "71.2% for the whole cohort"
