"""The Plan outreach page run by AppTest on the tiny demo: pop-up sites and a bus itinerary."""

import re

import duckdb
import pandas as pd

from phm import disclosure, geo, queries, settings
from phm.cohort import Cohort
from phm.outreach.candidates import lsoa_candidates
from phm.outreach.coverage import Reach, weighted_points
from phm.outreach.plan import COUNTS, plan_sites
from phm.outreach.tables import reach_summary
from phm.queries.geography import lsoa_boundaries

COUNT = re.compile(r"^(<8|\*|–|\d{1,3}(,\d{3})*)$")


def rule() -> disclosure.DisclosureRule:
    """Return the rule the app applies to the synthetic tiny demo."""
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def expected_popups(db, cohort: Cohort, n_sites: int):
    """Plan the pop-ups independently of the page and return the protected summary."""
    with duckdb.connect(str(db), read_only=True) as con:
        lsoas = lsoa_boundaries(con)
        raw = queries.uptake_by(con, cohort, ("lsoa",)).rename(columns={"lsoa": "lsoa_code"})
    postcodes = geo.load_postcodes(geo.REFERENCE_ROOT / settings.get("PHM_ICB"))
    points = weighted_points(postcodes[postcodes["lsoa_code"].isin(lsoas["lsoa_code"])])
    demand = points.merge(raw[["lsoa_code", *COUNTS]], on="lsoa_code", how="left")
    demand[list(COUNTS)] = demand[list(COUNTS)].fillna(0)
    plan = plan_sites(
        demand.astype(dict.fromkeys(COUNTS, "int64")),
        lsoa_candidates(points, lsoas),
        n_sites,
        Reach(800),
        min_population=rule().threshold,
        rule=rule(),
    )
    return plan, reach_summary(plan, rule())


def test_popup_plan_matches_an_independent_plan_and_beats_the_naive_one(run_page, tiny_db):
    # Boosters: enough people unvaccinated per LSOA of the tiny demo to be shown (hidden
    # counts weigh nothing in a plan).
    at = run_page("outreach.py", dose="3")
    assert not at.exception
    at.number_input(key="popup_n").set_value(6)
    at.button[0].click().run()
    assert not at.exception
    plan, summary = expected_popups(tiny_db, Cohort(dose="3"), 6)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Unvaccinated people reached"] == summary.optimised
    assert metrics["Naive plan: the 6 lowest-uptake LSOAs"] == summary.naive
    assert metrics["More people reached by the optimised plan"] == summary.extra
    assert plan.solution.covered >= plan.naive_covered
    assert any("Proven optimal" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert isinstance(table, pd.DataFrame) and len(table) == 6
    assert table["Site"].tolist() == plan.sites["name"].tolist()
    for count in table["Unvaccinated within reach (counted once)"]:
        assert COUNT.match(count), count
    assert len(at.get("deck_gl_json_chart")) == 1


def test_bus_itinerary_fits_the_days_and_is_protected(run_page):
    at = run_page("outreach.py")
    at.number_input(key="bus_days").set_value(2)
    at.number_input(key="bus_stops").set_value(4)
    at.button[1].click().run()
    assert not at.exception
    itinerary = at.dataframe[-1].value
    assert set(itinerary["Day"]) <= {1, 2}
    assert itinerary.groupby("Day").size().max() <= 4
    assert (itinerary["Arrive"] >= "09:00").all()
    for count in itinerary["Unvaccinated within reach (counted once)"]:
        assert COUNT.match(count), count
        if count[0].isdigit():
            assert int(count.replace(",", "")) >= 8 or count == "0"
    assert any("Assumptions: 2 day(s), up to 4 stops" in c.value for c in at.caption)
