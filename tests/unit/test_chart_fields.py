"""Send only what is drawn: every chart and map layer carries only the fields it draws or shows.

Each chart builder of phm is called with frames built as its page builds them, from the tiny
demo database (or protected hand-made frames); the data sent to the browser (the Altair
spec's inline datasets, the pydeck layers' rows) may hold only columns that an encoding,
tooltip, filter or condition reads, or that the page reads from a selected map area.
"""

from datetime import date

import altair as alt
import pandas as pd
import pydeck as pdk
import pytest

from phm.analysis import business_case as bc
from phm.analysis import explore
from phm.analysis.comparators import comparator_for
from phm.analysis.comparison import benchmark_table, funnel_for
from phm.analysis.inequality import gaps_against
from phm.analysis.summaries import protected_uptake
from phm.analysis.trends import (
    cumulative_uptake,
    gap_over_time,
    milestones_frame,
    spc_signals,
    weekly_new,
)
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE, protect
from phm.gap_words import gap_words
from phm.levels import LEVELS
from phm.output import brief, charts, compare_charts, maps
from phm.outreach.coverage import Reach
from phm.outreach.plan import plan_sites
from phm.queries import uptake_all_doses, uptake_by
from phm.queries.compare import uptake_by_level, uptake_by_level_and_deprivation
from phm.queries.geography import lsoa_boundaries, open_sites
from phm.queries.trends import weekly_doses
from tests.chart_fields import (
    altair_columns,
    arrow_extra_columns,
    sent_deck,
    unused_altair_columns,
    unused_deck_columns,
)
from tests.record_keys import with_keys

RULE = DEFAULT_RULE
COHORT = Cohort()
# Fields the Map page reads from a clicked area (views/map.py: the selection's "code").
MAP_SELECTION = {"areas": ["code"]}


def assert_only_drawn(chart: alt.TopLevelMixin) -> None:
    """Every column of every inline dataset of the chart is read by a view drawing it."""
    spec = chart.to_dict()
    assert altair_columns(spec), "the chart has no inline data to check"
    assert unused_altair_columns(spec) == {}
    assert arrow_extra_columns(chart) == set()


def assert_layers_only_drawn(layers: list, selection: dict | None = None) -> None:
    """Every field of every pydeck layer's rows is drawn, in the tooltip or read on selection."""
    view = maps.view_for([-0.2, 0.0], [51.5, 51.6])
    sent = sent_deck(maps.deck(layers, view))
    assert all(layer["data"] for layer in sent["layers"]), "a layer has no rows to check"
    assert unused_deck_columns(sent, selection) == {}


# The checker itself.


def test_checker_finds_a_column_no_view_reads():
    frame = pd.DataFrame({"x": [1], "y": [2], "secret": [3]})
    chart = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")
    assert unused_altair_columns(chart.to_dict()) != {}
    assert set().union(*unused_altair_columns(chart.to_dict()).values()) == {"secret"}


def test_checker_reads_every_kind_of_reference():
    frame = pd.DataFrame(
        {
            "x": [1], "x2": [2], "y": [1], "tip": ["a"], "kept": [True], "dark": [True],
            "facet": ["f"], "folded": [1], "detail": ["d"], "ordered": [1], "odd.name": [1],
        }
    )  # fmt: skip
    base = alt.Chart(frame).transform_filter(alt.datum.kept)
    layer = alt.layer(
        base.mark_rule().encode(x="x:Q", x2="x2:Q", y="y:Q", tooltip=["tip:N"]),
        base.mark_text().encode(
            x="x:Q",
            text=alt.Text("odd\\.name:Q"),
            color=alt.condition("datum['dark']", alt.value("white"), alt.value("black")),
            detail="detail:N",
            order="ordered:Q",
        ),
        base.transform_fold(["folded"]).mark_point().encode(x="value:Q"),
        data=frame,
    )
    spec = layer.facet(row="facet:N").to_dict()
    assert unused_altair_columns(spec) == {}
    assert altair_columns(spec) == set(frame.columns)


def test_checker_counts_a_field_only_for_the_dataset_whose_views_read_it():
    one = pd.DataFrame({"x": [1], "y": [2]})
    two = pd.DataFrame({"x": [1], "z": [3]})
    chart = alt.layer(
        alt.Chart(one).mark_point().encode(x="x:Q", y="y:Q"),
        alt.Chart(two).mark_point().encode(x="x:Q"),
    )
    assert list(unused_altair_columns(chart.to_dict()).values()) == [{"z"}]


def test_checker_finds_an_index_that_streamlit_would_send():
    frame = pd.DataFrame({"x": [1, 2, 3, 4]})
    chart = alt.Chart(frame[frame["x"] != 2]).mark_point().encode(x="x:Q")  # index 0, 2, 3
    assert unused_altair_columns(chart.to_dict()) == {}  # to_dict() leaves the index out
    assert arrow_extra_columns(alt.layer(chart)) == {"__index_level_0__"}
    assert arrow_extra_columns(chart.properties(data=frame)) == set()


def test_checker_reads_nested_geojson_fields():
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [0, 51.5]},
        "properties": {"label": "a", "count": 3},
    }
    chart = alt.Chart(alt.Data(values=[feature])).mark_geoshape().encode(color="properties.label:N")
    assert list(unused_altair_columns(chart.to_dict()).values()) == [{"properties.count"}]


def test_deck_checker_allows_accessors_tooltip_and_selection_only():
    rows = pd.DataFrame(
        {"lon": [0.0], "lat": [51.5], "colour": [[0, 0, 0, 255]], "tooltip": ["t"], "code": ["A"]}
    )
    layer = pdk.Layer(
        "ScatterplotLayer",
        data=rows.assign(population=[12]),
        id="sites",
        get_position=["lon", "lat"],
        get_fill_color="colour",
        get_radius=6,
        radius_units="'pixels'",
        pickable=True,
    )
    view = maps.view_for([0.0], [51.5])
    sent = sent_deck(maps.deck([layer], view))
    assert unused_deck_columns(sent, {"sites": ["code"]}) == {"sites": {"population"}}
    assert unused_deck_columns(sent) == {"sites": {"code", "population"}}
    del sent["tooltip"]  # without the deck's tooltip, the tooltip text is not shown either
    assert unused_deck_columns(sent) == {"sites": {"code", "population", "tooltip"}}


# Frames built from the tiny demo database, as the pages build them.


@pytest.fixture(scope="module")
def overall_pct(tiny_con) -> float:
    doses = protected_uptake(uptake_all_doses(tiny_con, COHORT), RULE)
    return float(doses.loc[doses["dose"] == COHORT.dose, "uptake_pct"].iloc[0])


@pytest.fixture(scope="module")
def cumulative(tiny_con) -> pd.DataFrame:
    """Cumulative uptake by ethnic group, as on Trends."""
    return cumulative_uptake(weekly_doses(tiny_con, COHORT, "ethnic_group"), RULE, "ethnic_group")


@pytest.fixture(scope="module")
def milestones() -> pd.DataFrame:
    return milestones_frame(date(2020, 12, 1), COHORT.as_at)


@pytest.mark.parametrize("dimension", ["borough", "imd_quintile", "main_language"])
def test_uptake_dot_whisker_sends_only_what_it_draws(tiny_con, overall_pct, dimension):
    raw = uptake_by(tiny_con, COHORT, (dimension,))
    if dimension == "main_language":  # Explore's breakdown, with suppressed rows
        frame = explore.breakdown(raw, overall_pct, RULE)
        assert frame["uptake_suppressed"].any()
    else:  # Overview
        frame = protected_uptake(raw, RULE)
    chart = charts.uptake_dot_whisker(frame, f"{dimension}_label", "Uptake", overall_pct)
    assert_only_drawn(chart)


def test_uptake_heatmap_sends_only_what_it_draws(tiny_con, overall_pct):
    dimensions = ("age_band", "main_language")
    table = explore.breakdown(uptake_by(tiny_con, COHORT, dimensions), overall_pct, RULE)
    grid = explore.full_grid(table, dimensions, explore.grid_labels(table, dimensions))
    frame = explore.heatmap_frame(grid, dimensions, RULE)
    assert {"shown", "suppressed", "no residents"} <= set(frame["status"])
    chart = charts.uptake_heatmap(
        frame, "age_band_label", "main_language_label", "Age", "Language", "Uptake"
    )
    assert_only_drawn(chart)


@pytest.mark.parametrize("level", ["borough", "practice"])
def test_compare_charts_send_only_what_they_draw(tiny_con, overall_pct, level):
    table = benchmark_table(uptake_by_level(tiny_con, COHORT, level), level, RULE, overall_pct)
    assert_only_drawn(compare_charts.ranked_dot_whisker(table, overall_pct, "Ranked"))
    curve = funnel_for(table, overall_pct)
    assert curve is not None
    assert_only_drawn(compare_charts.funnel_plot(table, curve, "Funnel"))


def test_deprivation_lines_send_only_what_they_draw(tiny_con):
    ics = protected_uptake(uptake_by(tiny_con, COHORT, ("imd_quintile",)), RULE)
    local = uptake_by_level_and_deprivation(tiny_con, COHORT, "borough", "imd_quintile")
    local = local[local["borough"].isin(sorted(set(local["borough"]))[:3])]
    frame = pd.concat(
        [ics.assign(borough_label="ICS"), protected_uptake(local, RULE)], ignore_index=True
    )
    assert_only_drawn(compare_charts.deprivation_lines(frame, "imd_quintile", "borough"))
    assert_only_drawn(compare_charts.deprivation_lines(ics, "imd_quintile", None))


def test_gap_bars_send_only_what_they_draw(tiny_con):
    raw = uptake_by(tiny_con, COHORT, ("ethnicity_code",))
    gaps = gaps_against(raw, "ethnicity_code", "A", RULE)
    assert not gaps.empty
    assert_only_drawn(compare_charts.gap_bars(gaps, "Gaps"))


def test_gap_bars_tooltip_says_each_gap_in_words(tiny_con):
    raw = uptake_by(tiny_con, COHORT, ("ethnicity_code",))
    gaps = gaps_against(raw, "ethnicity_code", "A", RULE).dropna(subset=["gap_pts"])
    spec = compare_charts.gap_bars(gaps, "Gaps").to_dict()
    rows = next(iter(spec["datasets"].values()))
    for row, (_, gap) in zip(rows, gaps.reset_index(drop=True).iterrows(), strict=True):
        words = gap_words(gap["gap_pts"], gap["gap_low_pts"], gap["gap_high_pts"])
        assert row["gap"] == words and row["label"] == str(gap["label"])
    tooltips = [t for layer in spec["layer"][:2] for t in layer["encoding"]["tooltip"]]
    assert not any(t.get("format", "").startswith("+") for t in tooltips)  # no signed figures


def test_trend_charts_send_only_what_they_draw(tiny_con, cumulative, milestones):
    assert_only_drawn(
        compare_charts.cumulative_lines(cumulative, "ethnic_group_label", milestones, "Cumulative")
    )
    assert_only_drawn(compare_charts.cumulative_lines(cumulative, None, milestones, "Cumulative"))
    first, second = sorted(set(cumulative["ethnic_group"]))[:2]
    gaps = gap_over_time(cumulative, "ethnic_group", first, second)
    assert_only_drawn(compare_charts.gap_over_time_chart(gaps, milestones, "Gap"))
    everyone = cumulative_uptake(weekly_doses(tiny_con, COHORT, None), RULE)
    new = weekly_new(everyone)
    assert_only_drawn(compare_charts.weekly_bars(new, milestones, "Weekly"))
    shown = new[~new["vaccinated_suppressed"]]
    spc = spc_signals(shown["vaccinated"].astype(float).to_numpy())
    spc["week"] = shown["week"].to_numpy()
    assert_only_drawn(compare_charts.spc_chart(spc, "SPC"))


@pytest.fixture(scope="module")
def target(tiny_con) -> tuple[bc.Target, float | None]:
    """The business case's target (everyone aged 80+) and its comparator's uptake."""
    cohort = Cohort(age_min=80)
    comparator = comparator_for(cohort).cohort
    group = protected_uptake(uptake_by(tiny_con, cohort, ()), RULE).iloc[0]
    ics = protected_uptake(uptake_by(tiny_con, comparator, ()), RULE).iloc[0]
    by_quintile = [
        bc.counts_by(
            protected_uptake(uptake_by(tiny_con, c, ("imd_quintile",)), RULE), "imd_quintile"
        )
        for c in (cohort, comparator)
    ]
    group_counts, ics_counts = bc.shown_counts(group), bc.shown_counts(ics)
    assert group_counts is not None and ics_counts is not None
    return bc.Target(group_counts, ics_counts, *by_quintile), ics_counts.uptake()


@pytest.mark.parametrize("with_comparator", [True, False])
def test_impact_chart_sends_only_what_it_draws(target, with_comparator):
    goal, comparator_uptake = target
    outcomes = [bc.evaluate(bc.INTERVENTIONS[k], goal) for k in ("link_worker", "popup")]
    chart = brief.impact_chart(outcomes, comparator_uptake if with_comparator else None)
    assert_only_drawn(chart)


@pytest.fixture(scope="module")
def lsoa_frame(tiny_con) -> pd.DataFrame:
    return lsoa_boundaries(tiny_con)


def area_frame(tiny_con, lsoa_frame, level, metric, overall_pct):
    """Return the Map page's frame to draw and its legend."""
    protected = protected_uptake(uptake_by(tiny_con, COHORT, (level,)), RULE)
    return maps.area_frame(
        maps.area_shapes(lsoa_frame, level),
        protected,
        level,
        metric,
        LEVELS[level].label,
        RULE.suppressed_text,
        overall_pct,
    )


def test_area_map_chart_sends_only_what_it_draws(tiny_con, lsoa_frame, overall_pct):
    frame, legend = area_frame(tiny_con, lsoa_frame, "msoa", "uptake", overall_pct)
    assert_only_drawn(brief.area_map_chart(frame, legend, "Uptake"))


@pytest.mark.parametrize(
    ("level", "metric"), [("lsoa", "uptake"), ("msoa", "unvaccinated"), ("borough", "gap")]
)
def test_area_layer_sends_only_what_it_draws(tiny_con, lsoa_frame, overall_pct, level, metric):
    frame, _ = area_frame(tiny_con, lsoa_frame, level, metric, overall_pct)
    if level == "lsoa":
        assert {"shown", "suppressed"} <= set(frame["state"])
    for selected in (None, frame["code"].iloc[0]):
        layer = maps.area_layer(frame, selected)
        assert_layers_only_drawn([layer], MAP_SELECTION)
        rows = layer.data
        assert {k for row in rows for k in row} == {
            "code",
            "polygon",
            "fill",
            "line",
            "width",
            "tooltip",
        }


def test_site_and_ring_layers_send_only_what_they_draw(tiny_con):
    sites = open_sites(tiny_con, COHORT.as_at)
    points = maps.site_points(sites, list(maps.SITE_COLOURS))
    assert not points.empty
    assert_layers_only_drawn([maps.ring_layer(points, 800), maps.site_layer(points)])
    assert {k for row in maps.site_layer(points).data for k in row} == {
        "lon",
        "lat",
        "colour",
        "tooltip",
    }


def test_plan_and_route_layers_send_only_what_they_draw():
    demand = with_keys(
        pd.DataFrame(
            {
                "lsoa_code": ["L1", "L2", "L3"],
                "lon": [-0.10, -0.05, 0.0],
                "lat": [51.50, 51.52, 51.54],
                "vaccinated": [100, 200, 40],
                "population": [180, 400, 90],
            }
        )
    )
    candidates = demand[["lsoa_code", "lon", "lat"]].assign(name=["A", "B", "C"], postcode="")
    plan = plan_sites(demand, candidates, 2, Reach(500, 1.0))
    points = maps.plan_points(plan.sites, ["site"] * len(plan.sites), maps.PLAN_RGB)
    assert_layers_only_drawn(maps.plan_layers(points, 800, "popups"))
    itinerary = protect(
        with_keys(
            pd.DataFrame(
                {
                    "day": [1, 1, 2],
                    "order": [1, 2, 1],
                    "name": ["A", "B", "C"],
                    "lon": [-0.10, -0.05, 0.0],
                    "lat": [51.50, 51.52, 51.54],
                    "arrival": ["09:30", "11:00", "09:45"],
                    "vaccinated": [100, 200, 40],
                    "population": [180, 400, 90],
                }
            )
        ),
        RULE,
    )
    paths = maps.route_paths(itinerary, (-0.12, 51.51), "Depot")
    stops = maps.plan_points(itinerary, ["stop"] * len(itinerary), maps.PLAN_RGB)
    assert_layers_only_drawn([maps.route_layer(paths), *maps.plan_layers(stops, 800, "stops")])


def test_delivery_charts_send_only_what_they_draw(tiny_con):
    from phm.analysis import delivery
    from phm.output import delivery_charts
    from phm.queries.delivery import doses_by

    raw = doses_by(tiny_con, COHORT, "delivery_model", "ethnicity_code")
    areas = uptake_by(tiny_con, COHORT, ["msoa", "ethnicity_code"])
    shares = delivery.group_shares(raw, areas, RULE, "ethnicity_code")
    one = shares[shares["unit"] == shares["unit"].iloc[0]]
    assert_only_drawn(delivery_charts.share_chart(one, "ethnicity_code_label", "Ethnicity", "t"))
    across = shares[shares["ethnicity_code"] == "A"]
    assert_only_drawn(delivery_charts.share_chart(across, "unit_label", "Delivery model", "t"))
    assert_only_drawn(delivery_charts.doses_chart(delivery.unit_doses(raw, RULE), "Model", "t"))
