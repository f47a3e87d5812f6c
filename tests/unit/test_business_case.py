"""The business-case model: hand-computed outcomes, caps, and how results move with assumptions."""

import math

import pandas as pd
import pytest

from phm.analysis.business_case import (
    ASSUMPTION,
    INTERVENTION_PARAM,
    INTERVENTIONS,
    URL_PARAMS,
    Counts,
    Range,
    Target,
    additional_vaccinations,
    assumption_rows,
    evaluate,
    interventions_from_url,
    link_params,
    quintile_gap,
    target_from,
    units_from_url,
)

TARGET = Target(
    group=Counts(vaccinated=600, population=1000),
    comparator=Counts(vaccinated=7000, population=10000),
    group_by_quintile={1: Counts(400, 700), 3: Counts(200, 300)},
    comparator_by_quintile={1: Counts(1000, 2000), 5: Counts(1600, 2000)},
)
POPUP = INTERVENTIONS[
    "popup"
]  # £1,500 a session, 10 sessions, 150 a session, reach 5/10/20%, conversion 20/30/40%


def test_popup_defaults_by_hand():
    outcome = evaluate(POPUP, TARGET)
    # 400 unvaccinated: reached 5%, 10%, 20% -> 20, 40, 80; converted 20%, 30%, 40% -> 4, 12, 32.
    assert outcome.reached == Range(20, 40, 80)
    assert outcome.additional == Range(4, 12, 32)
    assert outcome.cost == 15_000
    assert outcome.cost_per_vaccination == Range(15_000 / 32, 1_250, 3_750)
    assert outcome.uptake_before == 60
    assert outcome.uptake_after == pytest.approx(Range(60.4, 61.2, 63.2))
    # comparator 70% -> 7012/10000 = 70.12% in the central case: gap -10 -> -8.92.
    assert outcome.gap_to_comparator_before == -10
    assert outcome.gap_to_comparator_after.central == pytest.approx(61.2 - 70.12)
    # quintile 1 holds 300 of the group's 400 unvaccinated: 9 of the 12 go there.
    assert outcome.quintile_gap_before == -30
    assert outcome.quintile_gap_after.central == pytest.approx(100 * 1009 / 2000 - 80)
    assert outcome.capacity_limited == (False, False, False)


def test_capacity_caps_additional_vaccinations():
    small = POPUP.with_(capacity_per_unit=1.0)  # 10 sessions x 1 = 10
    outcome = evaluate(small, TARGET)
    assert outcome.additional == Range(4, 10, 10)
    assert outcome.capacity_limited == (False, True, True)
    assert outcome.cost_per_vaccination.low == 1_500


def test_additional_never_exceeds_the_unvaccinated():
    everyone = POPUP.with_(reach=Range(1, 1, 1), conversion=Range(1, 1, 1), capacity_per_unit=None)
    reached, added, capped = additional_vaccinations(everyone, 400, "central")
    assert (reached, added, capped) == (400, 400, False)
    assert evaluate(everyone, TARGET).uptake_after == Range(100, 100, 100)


def test_doubling_cost_doubles_cost_per_vaccination():
    base = evaluate(POPUP, TARGET).cost_per_vaccination
    doubled = evaluate(POPUP.with_(cost_per_unit=3_000.0), TARGET).cost_per_vaccination
    assert doubled.central == pytest.approx(2 * base.central)
    assert doubled.low == pytest.approx(2 * base.low)


def test_doubling_conversion_doubles_additional_and_halves_cost_per_vaccination():
    double = POPUP.with_(conversion=Range(0.4, 0.6, 0.8))
    base, more = evaluate(POPUP, TARGET), evaluate(double, TARGET)
    assert more.additional.central == pytest.approx(2 * base.additional.central)
    assert more.reached == base.reached
    assert more.cost_per_vaccination.central == pytest.approx(base.cost_per_vaccination.central / 2)
    assert more.uptake_after.central > base.uptake_after.central


def test_more_units_cost_more_but_do_not_add_reach_without_a_capacity_limit():
    more = evaluate(POPUP.with_(units=20), TARGET)
    base = evaluate(POPUP, TARGET)
    assert more.cost == 2 * base.cost
    assert more.additional == base.additional


def test_vaccinating_the_most_deprived_narrows_the_quintile_gap():
    core20 = Target(
        TARGET.group, TARGET.comparator, {1: Counts(600, 1000)}, TARGET.comparator_by_quintile
    )
    least = Target(
        TARGET.group, TARGET.comparator, {5: Counts(600, 1000)}, TARGET.comparator_by_quintile
    )
    assert evaluate(POPUP, core20).quintile_gap_after.central > -30
    assert evaluate(POPUP, least).quintile_gap_after.central < -30


def test_no_unvaccinated_means_no_cost_per_vaccination():
    done = Target(Counts(50, 50), Counts(70, 100), {}, {})
    outcome = evaluate(POPUP, done)
    assert outcome.additional == Range(0, 0, 0)
    assert outcome.cost_per_vaccination is None
    assert outcome.quintile_gap_before is None


def test_quintile_gap_needs_both_quintiles():
    assert quintile_gap({1: Counts(1, 2)}) is None
    assert quintile_gap({1: Counts(1, 2), 5: Counts(0, 0)}) is None


def test_every_default_is_sourced_or_labelled_as_an_assumption():
    for intervention in INTERVENTIONS.values():
        for row in assumption_rows(intervention):
            assert row["Source"]
        assert intervention.source("conversion") == ASSUMPTION
    assert "Agenda for Change" in INTERVENTIONS["link_worker"].source("cost_per_unit")
    assert math.isinf(INTERVENTIONS["translated_comms"].capacity)
    assert len(INTERVENTIONS) == 6


def test_bad_assumptions_are_rejected():
    with pytest.raises(ValueError):
        Range(0.3, 0.2, 0.4)
    with pytest.raises(ValueError):
        POPUP.with_(reach=Range(0.5, 1.0, 1.5))
    with pytest.raises(ValueError):
        POPUP.with_(cost_per_unit=-1.0)


def test_interventions_from_url_keeps_known_keys_in_order_once_and_at_most_two():
    assert interventions_from_url(["bus", " POPUP ", "bus", "x", "home_visits"]) == [
        "bus",
        "popup",
    ]
    assert interventions_from_url(["=cmd|' /C calc'!A0", ""]) == []


def test_units_from_url_takes_whole_numbers_in_range_for_known_interventions():
    params = {
        "popup_units": ["10"],
        "bus_units": ["3", "4"],
        "home_visits_units": ["-1"],
        "door_knocking_units": ["1e9"],
        "link_worker_units": ["99999"],
        "nonsense_units": ["5"],
    }
    units, warnings = units_from_url(params)
    assert units == {"popup": 10, "bus": 4}
    assert sorted(warnings) == [
        "Ignored door_knocking_units='1e9': not a whole number from 0 to 10,000.",
        "Ignored home_visits_units='-1': not a whole number from 0 to 10,000.",
        "Ignored link_worker_units='99999': not a whole number from 0 to 10,000.",
    ]
    assert units_from_url({}) == ({}, [])


def _protected_row(vaccinated, population, hidden=False):
    """Return a protected whole-cohort row (counts as shown)."""
    return pd.Series(
        {
            "vaccinated": vaccinated,
            "population": population,
            "vaccinated_suppressed": hidden,
            "population_suppressed": False,
        }
    )


def _by_quintile(rows):
    """Return protected rows by IMD quintile: (quintile, vaccinated, population, hidden)."""
    return pd.DataFrame(
        [
            {
                "imd_quintile": q,
                "vaccinated": v,
                "population": n,
                "vaccinated_suppressed": hidden,
                "population_suppressed": False,
            }
            for q, v, n, hidden in rows
        ]
    )


def test_target_from_takes_shown_counts_and_leaves_out_hidden_quintiles():
    target = target_from(
        _protected_row(600, 1000),
        _protected_row(7000, 10000),
        _by_quintile([(1, 400, 700, False), (2, None, 5, True), (3, 200, 300, False)]),
        _by_quintile([(1, 1000, 2000, False), (5, 1600, 2000, False)]),
    )
    assert target == TARGET


def test_target_from_is_none_when_the_group_cannot_be_costed():
    quintiles = _by_quintile([(1, 400, 700, False)])
    assert (
        target_from(
            _protected_row(None, 5, True), _protected_row(7000, 10000), quintiles, quintiles
        )
        is None
    )
    assert (
        target_from(_protected_row(600, 1000), _protected_row(None, 9, True), quintiles, quintiles)
        is None
    )
    assert (
        target_from(_protected_row(0, 0), _protected_row(7000, 10000), quintiles, quintiles) is None
    )


def test_link_params_name_the_intervention_and_its_units_as_the_page_reads_them():
    params = link_params("popup", 10)
    assert params == {"intervention": ["popup"], "popup_units": "10"}
    assert set(params) <= set(URL_PARAMS)
    assert interventions_from_url(params[INTERVENTION_PARAM]) == ["popup"]
    assert units_from_url({k: [v] if isinstance(v, str) else v for k, v in params.items()}) == (
        {"popup": 10},
        [],
    )
    with pytest.raises(ValueError, match="Unknown intervention"):
        link_params("rocket", 1)


def test_units_read_as_words_in_the_singular_and_plural():
    from phm.analysis.business_case import INTERVENTIONS

    said = {i.key: (i.units_text(1), i.units_text(3)) for i in INTERVENTIONS.values()}
    assert said["bus"] == ("1 bus day", "3 bus days")
    assert said["link_worker"] == ("1 year-long post", "3 year-long posts")
    assert all(not one.endswith("s") and many.endswith("s") for one, many in said.values())
