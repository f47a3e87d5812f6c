"""Use what we observed (phm.interventions.observed) and plans recorded in one click (plans)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from phm.analysis import business_case as bc
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.interventions import evaluate as E
from phm.interventions import plans
from phm.interventions.observed import OBSERVED_PARAM, link_params, observed
from tests.unit.test_evaluate import COMPARISON, START, TREATED, record, weekly

OPEN = DisclosureRule(threshold=1, rounding=1)  # counts shown as they are, to check arithmetic


def test_observed_reach_times_conversion_gives_back_the_additional_doses():
    rows, _truth = weekly(np.random.default_rng(3), extra_per_week=40)
    r = record()
    estimate = E.estimate(rows, r, COMPARISON)
    seen = observed(r, estimate, rows, OPEN)
    assert seen is not None
    # Unvaccinated at the start: everyone minus the first doses before the period's first week.
    before = rows[rows["week"].dt.date < START]
    people = rows.groupby("msoa")["population"].first()
    done = before.groupby("msoa")["vaccinated"].sum()
    mine = int(people[list(TREATED)].sum() - done[list(TREATED)].sum())
    everyone = int(people.sum() - done.sum())
    assert (seen.unvaccinated_in_areas, seen.unvaccinated_everywhere) == (mine, everyone)
    assert seen.reach == pytest.approx(mine / everyone)
    assert seen.conversion.central == pytest.approx(estimate.additional / mine)
    assert seen.conversion.low == pytest.approx(estimate.low / mine)
    assert seen.reach * seen.conversion.central * everyone == pytest.approx(estimate.additional)
    assert seen.cost == E.cost_per_additional(r.cost_gbp, estimate)


def test_observed_figures_replace_the_business_cases_assumptions_and_name_their_source():
    rows, _truth = weekly(np.random.default_rng(4), extra_per_week=40)
    r = record(name="Bus <b>")
    seen = observed(r, E.estimate(rows, r, COMPARISON), rows, OPEN)
    assert seen is not None
    bus = seen.apply(bc.INTERVENTIONS["bus"])
    assert bus.reach == bc.Range(seen.reach, seen.reach, seen.reach)
    assert bus.conversion == seen.conversion
    assert seen.source == "Observed in Bus <b> (04 Oct 2021 to 14 Nov 2021)"
    for name in ("reach", "conversion"):
        assert bus.source(name).startswith(seen.source)
    assert bus.source("cost_per_unit") == bc.ASSUMPTION  # the cost stays the user's
    assert seen.matches(bus.reach, bus.conversion)
    assert not seen.matches(bus.reach, bc.INTERVENTIONS["bus"].conversion)


def test_no_effect_gives_a_conversion_from_zero_never_below():
    rows, _truth = weekly(np.random.default_rng(5), extra_per_week=0)
    r = record()
    seen = observed(r, E.estimate(rows, r, COMPARISON), rows, OPEN)
    assert seen is not None
    assert 0 <= seen.conversion.low <= seen.conversion.central <= seen.conversion.high <= 1


def test_the_link_carries_the_kind_the_id_and_the_cohort():
    params = link_params(1000001, record())
    assert params[bc.INTERVENTION_PARAM] == ["bus"]
    assert params[OBSERVED_PARAM] == "1000001"
    assert params["ethnicity"] == ["C"]
    assert OBSERVED_PARAM in bc.URL_PARAMS


def test_a_bus_plan_becomes_an_intervention_in_the_msoas_its_stops_are_in():
    days = [date(2021, 10, 4), date(2021, 10, 5), date(2021, 10, 6)]
    lsoas = pd.DataFrame(
        {
            "lsoa_code": ["L1", "L2", "L3"],
            "msoa_code": ["M1", "M1", "M2"],
            "centroid_lon": [-0.10, -0.11, -0.20],
            "centroid_lat": [51.60, 51.61, 51.60],
        }
    )
    got = plans.from_bus_plan(
        depot="Depot",
        stops=[(-0.101, 51.601), (-0.19, 51.60), (-0.111, 51.609)],
        dates=days,
        cohort=Cohort(age_min=18, boroughs=("E09000014",), ethnicities=("C",)),
        lsoas=lsoas,
    )
    assert (got.kind, got.msoas, got.start, got.end) == ("bus", ("M1", "M2"), days[0], days[-1])
    assert got.cohort == Cohort(age_min=18, ethnicities=("C",))  # places go in msoas
    assert got.cost_gbp == 3 * bc.INTERVENTIONS["bus"].cost_per_unit
    with pytest.raises(ValueError, match="no days"):
        plans.from_bus_plan(depot="D", stops=[(0.0, 51.0)], dates=[], cohort=Cohort(), lsoas=lsoas)


def test_a_business_case_becomes_an_intervention_in_its_cohorts_places():
    got = plans.from_business_case(
        key="popup",
        units=4,
        cost_gbp=6000.0,
        cohort=Cohort(boroughs=("B1",), lsoas=("L1",), languages=("Polish",)),
        lsoa_msoa={"L1": "M9"},
        borough_msoas={"B1": ("M1", "M2")},
        start=date(2021, 10, 4),
        end=date(2021, 10, 31),
    )
    assert (got.kind, got.msoas, got.cost_gbp) == ("popup", ("M1", "M2", "M9"), 6000.0)
    assert got.cohort == Cohort(languages=("Polish",))
    with pytest.raises(ValueError, match="choose the areas"):
        plans.from_business_case(
            key="popup",
            units=4,
            cost_gbp=6000.0,
            cohort=Cohort(),
            lsoa_msoa={},
            borough_msoas={},
            start=date(2021, 10, 4),
            end=date(2021, 10, 31),
        )
