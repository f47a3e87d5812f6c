"""Aggregate mode: published MSOA rows summed to the chosen areas, gaps never filled."""

from datetime import date

import pandas as pd
import pytest

from phm.analysis import aggregate
from phm.output import maps

ROWS = pd.DataFrame(
    {
        "area_code": ["M1", "M2", "M3", "M4"],
        "area_name": ["One", "Two", "Three", "Four"],
        "vaccinated": pd.array([10, 20, None, 40], dtype="Int64"),
        "population": pd.array([100, 200, 300, 400], dtype="Int64"),
    }
)
BOROUGHS = pd.DataFrame(
    {
        "msoa_code": ["M1", "M2", "M3", "M4"],
        "lad_code": ["B1", "B1", "B2", "B2"],
        "lad_name": ["Barnet", "Barnet", "Camden", "Camden"],
    }
)
ALL = aggregate.PublishedChoice(dose="1", as_at=date(2021, 3, 7))


def test_msoas_keep_their_counts_and_a_missing_cell_leaves_the_area_out():
    counts, missing = aggregate.area_counts(ROWS, BOROUGHS, ALL, "msoa")
    assert list(counts["msoa"]) == ["M1", "M2", "M4"]
    assert list(counts["vaccinated"]) == [10, 20, 40]
    assert list(missing["msoa"]) == ["M3"] and list(missing["msoa_label"]) == ["Three"]


def test_boroughs_are_sums_of_their_msoas_and_a_missing_one_makes_the_sum_missing():
    counts, missing = aggregate.area_counts(ROWS, BOROUGHS, ALL, "borough")
    assert counts.to_dict("records") == [
        {
            "borough": "B1",
            "borough_label": "Barnet",
            "vaccinated": 30,
            "population": 300,
            # Published figures are keyed by themselves (public, so nothing to perturb).
            "vaccinated_key": 30,
            "population_key": 300,
        }
    ]
    assert list(missing["borough_label"]) == ["Camden"]  # never 40 of 700


def test_chosen_places_restrict_the_areas():
    choice = aggregate.PublishedChoice(
        dose="1", as_at=date(2021, 3, 7), boroughs=("B2",), msoas=("M4",)
    )
    counts, missing = aggregate.area_counts(ROWS, BOROUGHS, choice, "msoa")
    assert list(counts["msoa"]) == ["M4"] and missing.empty
    total = aggregate.total_counts(counts)
    assert total.to_dict("records") == [
        {"vaccinated": 40, "population": 400, "vaccinated_key": 40, "population_key": 400}
    ]


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        aggregate.area_counts(ROWS, BOROUGHS, ALL, "lsoa")


def test_description_names_bands_places_dose_date_and_source():
    choice = aggregate.PublishedChoice(
        dose="2", as_at=date(2021, 3, 7), age_bands=("60-64", "80+"), boroughs=("B1",)
    )
    assert choice.describe({"B1": "Barnet"}) == (
        "People in age band 60-64 or 80+ in Barnet: second dose of COVID-19 vaccine by 7 March 2021"
        " (NHS England published figures)"
    )


def test_missing_areas_get_their_own_colour_and_tooltip():
    frame = pd.DataFrame(
        {
            "code": ["M1", "M3"],
            "name": ["One", "<Three>"],
            "state": ["shown", "empty"],
            "value": [10.0, float("nan")],
            "fill": [[1, 2, 3, 4], [255, 255, 255, 0]],
            "tooltip": ["a", "b"],
        }
    )
    missing = pd.DataFrame({"msoa": ["M3"], "msoa_label": ["<Three>"], "reason": ["missing"]})
    aggregate.mark_missing(frame, missing, "msoa", "MSOA")
    assert list(frame["state"]) == ["shown", "missing"]
    assert frame.at[1, "fill"] == list(aggregate.MISSING_RGBA)
    assert aggregate.MISSING_LABEL in frame.at[1, "tooltip"]
    # Plain text: Streamlit escapes it into the tooltip template (the browser test hovers it).
    assert frame.at[1, "tooltip"].split("\n")[:2] == ["<Three>", "MSOA M3"]
    assert maps.rgba_hex(aggregate.MISSING_RGBA) != maps.rgba_hex(maps.SUPPRESSED_RGBA)


def test_an_area_with_more_vaccinated_than_people_is_left_out_with_its_reason():
    # M2's figure: the query leaves vaccinated missing and counts the cell; M1's 150 of 100 is
    # caught here too, whatever the query did.
    rows = ROWS.assign(
        vaccinated=pd.array([150, None, None, 40], dtype="Int64"), exceeding_cells=[0, 1, 0, 0]
    )
    counts, missing = aggregate.area_counts(rows, BOROUGHS, ALL, "msoa")
    assert list(counts["msoa"]) == ["M4"]
    assert missing.to_dict("records") == [
        {"msoa": "M1", "msoa_label": "One", "reason": aggregate.EXCEEDS},
        {"msoa": "M2", "msoa_label": "Two", "reason": aggregate.EXCEEDS},
        {"msoa": "M3", "msoa_label": "Three", "reason": aggregate.UNREADABLE},
    ]
    counts, missing = aggregate.area_counts(rows, BOROUGHS, ALL, "borough")
    assert counts.empty
    assert list(missing["reason"]) == [aggregate.EXCEEDS, aggregate.UNREADABLE]
    assert aggregate.missing_sentences(missing, "borough") == [
        "1 borough(s) have no figure: the published figures have more people vaccinated than"
        " the population (NIMS) in a cell, so no rate can be made: Barnet.",
        "1 borough(s) have no figure: a published cell was unreadable (e.g. #VALUE!): Camden.",
    ]
    assert aggregate.left_out_line(missing) == (
        "Left out (no published figure): 2 (more people vaccinated than the population: 1;"
        " unreadable published cells: 1)"
    )
    assert aggregate.nothing_to_show(missing).startswith("No area of this choice has a figure")
    assert [label for _, label in aggregate.missing_legend(missing)] == [
        aggregate.EXCEEDS_LABEL,
        aggregate.MISSING_LABEL,
    ]


def test_areas_above_their_population_get_their_own_colour_and_tooltip():
    frame = pd.DataFrame(
        {
            "code": ["M1", "M2", "M3"],
            "name": ["One", "Two", "Three"],
            "state": ["shown", "shown", "empty"],
            "value": [10.0, 20.0, float("nan")],
            "fill": [[1, 2, 3, 4]] * 3,
            "tooltip": ["a", "b", "c"],
        }
    )
    missing = pd.DataFrame(
        {"msoa": ["M2", "M3"], "msoa_label": ["Two", "Three"], "reason": ["exceeds", "missing"]}
    )
    aggregate.mark_missing(frame, missing, "msoa", "MSOA")
    assert list(frame["state"]) == ["shown", "exceeds", "missing"]
    assert frame.at[1, "fill"] == list(aggregate.EXCEEDS_RGBA)
    assert aggregate.EXCEEDS_LABEL in frame.at[1, "tooltip"] and pd.isna(frame.at[1, "value"])
    colours = {
        maps.rgba_hex(c)
        for c in (aggregate.EXCEEDS_RGBA, aggregate.MISSING_RGBA, maps.SUPPRESSED_RGBA)
    }
    assert len(colours) == 3
    assert not colours & {*maps.LOW_IS_DARK, *maps.HIGH_IS_DARK, *maps.DIVERGING}


OPTIONS = {"dose": ["1", "2"], "as_at": [date(2021, 3, 7), date(2021, 2, 28)], "age_band": ["80+"]}
PLACES = {"boroughs": {"B1": "Barnet"}, "msoas": {"M1": "One"}}


def test_a_choice_survives_its_link():
    choice = aggregate.PublishedChoice(
        dose="2", as_at=date(2021, 2, 28), age_bands=("80+",), boroughs=("B1",), msoas=("M1",)
    )
    params = choice.to_query_params()
    assert params == {
        "dose": ["2"],
        "as_at": ["2021-02-28"],
        "age_band": ["80+"],
        "borough": ["B1"],
        "msoa": ["M1"],
    }
    assert aggregate.choice_from_query_params(params, OPTIONS, PLACES) == (choice, [])


def test_unknown_values_in_a_link_are_ignored_with_a_warning():
    params = {
        "dose": ["3"],
        "as_at": ["2019-02-30"],
        "age_band": ["80+", "=HYPERLINK(1)"],
        "borough": ["'; DROP TABLE person;--"],
    }
    choice, warnings = aggregate.choice_from_query_params(params, OPTIONS, PLACES)
    assert choice == aggregate.PublishedChoice(dose="1", as_at=date(2021, 3, 7), age_bands=("80+",))
    assert len(warnings) == 4 and all(w.startswith("Ignored ") for w in warnings)
    assert aggregate.choice_from_query_params(
        {}, {"dose": [], "as_at": [], "age_band": []}, PLACES
    ) == (None, [])
