"""The Plan outreach page run by AppTest on the tiny demo: pop-up sites and a bus itinerary."""

import csv
import io
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


def csv_rows(text: str) -> list[list[str]]:
    """Return a CSV export's rows after its '# ' header lines, as parsed by a spreadsheet."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.reader(io.StringIO(body)))


def test_small_cohort_is_offered_only_sites_that_reach_someone(run_page, downloads):
    # Housebound people aged 90 to 95: a handful, so most of 10 sites would reach no one.
    at = run_page("outreach.py", age_min=90, age_max=95)
    at.number_input(key="popup_n").set_value(10)
    at.button[0].click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) < 10
    assert "0" not in set(table["Unvaccinated within reach (counted once)"])
    assert any(f"Only {len(table)} of the 10 sites" in i.value for i in at.info)
    costed = [link for link in at.get("page_link") if "pop-up sessions" in link.proto.label]
    assert costed and costed[0].proto.label.startswith(f"Cost {len(table)} pop-up sessions")
    rows = csv_rows(downloads["popup-sites.csv"])
    assert rows[0][-2:] == ["Longitude", "Latitude"]
    for row in rows[1:]:
        assert -1 < float(row[-2]) < 1 and 51 < float(row[-1]) < 52  # London
    text = downloads["popup-sites.csv"]
    assert not re.search(r'"\d{1,3}(,\d{3})+"', text), "a count is quoted text"


def test_bus_depot_is_the_nearest_to_the_group_and_the_itinerary_is_printable(run_page, downloads):
    at = run_page("outreach.py", dose="3", borough=["E09000010"])  # Enfield
    sites = at.selectbox(key="bus_depot").options
    assert sites  # which one is offered first: tests/unit/test_outreach_output.py
    at.number_input(key="bus_days").set_value(2)
    at.number_input(key="bus_stops").set_value(3)
    at.button[1].click().run()
    assert not at.exception
    page = downloads["bus-itinerary.html"]
    assert "<svg" in page and "Depot" in page
    days = re.findall(
        r"<h2>Day (\d), (\w+day \d{2} \w+ \d{4}): leaves .+? at 09:00,"
        r" back at the depot at (\d\d:\d\d)</h2>",
        page,
    )
    assert [d[0] for d in days] == ["1", "2"][: len(days)] and days
    rows = csv_rows(downloads["bus-itinerary.csv"])
    assert rows[0][:3] == ["Day", "Date", "Order"]


def test_a_planned_bus_is_recorded_as_an_intervention_in_one_click(run_page, audit_db):
    import os
    from pathlib import Path

    from phm.access import Role
    from phm.audit import log
    from phm.interventions import register
    from tests.signin import demo_user

    at = run_page("outreach.py", principal=demo_user(Role.PLANNER))
    at.number_input(key="bus_days").set_value(2)
    at.number_input(key="bus_stops").set_value(3)
    at.button[1].click().run()
    assert not at.exception
    at.button(key="bus_record").click().run()
    assert not at.exception, at.exception
    stored = register.stored(Path(os.environ["PHM_STATE_DB"]))
    assert len(stored) == 1
    bus = stored[0].record
    assert bus.kind == "bus" and bus.msoas and bus.cost_gbp == 2 * 2_500.0
    assert (bus.end - bus.start).days >= 1
    saved = [e for e in log.entries(audit_db) if e.kind == "intervention_saved"]
    assert [e.page for e in saved] == ["outreach"]
    assert any("Recorded 'Vaccine bus from" in s.value for s in at.success)
