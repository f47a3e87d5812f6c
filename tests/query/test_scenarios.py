"""Every workshop scenario opens a valid, non-empty cohort on an existing page."""

import pytest

from components.pages import PAGES
from phm import queries
from phm.analysis.scenarios import SCENARIOS
from phm.cohort import Cohort


def test_there_are_at_least_six_scenarios_with_distinct_keys():
    assert len(SCENARIOS) >= 6
    assert len({s.key for s in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_scenario_cohort_is_valid_non_empty_and_survives_the_url(scenario, tiny_con):
    assert scenario.page in PAGES
    known = {k: set(v) for k, v in queries.filter_options(tiny_con).items()}
    back, warnings = Cohort.from_query_params(scenario.query_params(), known)
    assert warnings == []
    assert back == scenario.cohort
    raw = queries.uptake_by(tiny_con, scenario.cohort)
    assert int(raw["population"].iloc[0]) >= 10  # the tiny demo is 1% of the full one
    assert int(raw["population"].iloc[0]) > int(raw["vaccinated"].iloc[0])
