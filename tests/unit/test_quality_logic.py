"""Data quality logic on hand-made protected frames: sensitivity bounds, caveats, feedback."""

import pandas as pd
import pytest

from phm.analysis import quality
from phm.disclosure import DisclosureRule

EXACT = DisclosureRule(threshold=1, rounding=1)


def _groups(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ethnic_group": [r[0] for r in rows],
            "vaccinated": [r[1] for r in rows],
            "population": [r[2] for r in rows],
            "uptake_suppressed": [False] * len(rows),
        }
    )


def test_sensitivity_bounds_on_a_hand_made_case() -> None:
    # A 80/100 (80%), B 50/100 (50%); 100 people with no known group, 20 of them vaccinated.
    groups = _groups([("A", 80, 100), ("B", 50, 100), ("Not stated or not known", 20, 100)])
    got = quality.sensitivity(groups, "ethnic_group").set_index(["scenario", "group"])
    assert got.loc[("recorded", "A"), "uptake_pct"] == pytest.approx(80)
    assert got.loc[("recorded", "B"), "gap_pts"] == pytest.approx(-30)
    # All in the lowest group: B = 70/200 = 35%, gap -45.
    assert got.loc[("lowest", "B"), "uptake_pct"] == pytest.approx(35)
    assert got.loc[("lowest", "B"), "gap_pts"] == pytest.approx(-45)
    # All in the highest group: A = 100/200 = 50%, the gap closes to 0.
    assert got.loc[("highest", "A"), "uptake_pct"] == pytest.approx(50)
    assert got.loc[("highest", "B"), "gap_pts"] == pytest.approx(0)
    # In proportion: each gets 50 people, 10 vaccinated: A 90/150 = 60%, B 60/150 = 40%.
    assert got.loc[("proportional", "A"), "uptake_pct"] == pytest.approx(60)
    assert got.loc[("proportional", "B"), "uptake_pct"] == pytest.approx(40)
    summary = quality.sensitivity_summary(got.reset_index()).set_index("Ethnic group")
    assert summary.at["B", "Finding"] == "could be an artefact of missing ethnicity"
    assert summary.at["A", "Finding"].startswith("reference")


def test_a_gap_far_larger_than_the_unknowns_holds() -> None:
    groups = _groups([("A", 900, 1000), ("B", 300, 1000), ("Not stated or not known", 5, 10)])
    summary = quality.sensitivity_summary(quality.sensitivity(groups, "ethnic_group"))
    assert summary.set_index("Ethnic group").at["B", "Finding"] == "holds under every assumption"


def test_no_unknowns_leave_every_scenario_as_recorded() -> None:
    got = quality.sensitivity(_groups([("A", 8, 10), ("B", 5, 10)]), "ethnic_group")
    for _, rows in got.groupby("group"):
        assert rows["uptake_pct"].nunique() == 1


def test_hidden_groups_are_left_out() -> None:
    groups = _groups([("A", 80, 100), ("B", 50, 100), ("C", 1, 3)])
    groups.loc[2, "uptake_suppressed"] = True
    assert set(quality.sensitivity(groups, "ethnic_group")["group"]) == {"A", "B"}


def _shown(code: str, name: str, measure: str, recorded: int, population: int) -> dict:
    return {
        "code": code,
        "name": name,
        "measure": measure,
        "recorded": recorded,
        "population": population,
        "recorded_key": 3 * recorded,
        "population_key": 3 * population,
    }


def test_completeness_is_protected_and_small_practices_are_not_broken_down() -> None:
    rule = DisclosureRule()
    raw = pd.DataFrame(
        [_shown("P1", "Big", "ethnicity", 700, 1000), _shown("P2", "Small", "ethnicity", 20, 30)]
    )
    shown = quality.protect_completeness(raw, rule)
    assert shown["code"].tolist() == ["P1"]
    assert int(shown["recorded"].iat[0]) % 5 == 0 and int(shown["population"].iat[0]) % 5 == 0
    assert shown["completeness_pct"].iat[0] == pytest.approx(
        round(100 * int(shown["recorded"].iat[0]) / int(shown["population"].iat[0]), 1)
    )
    assert "recorded_key" not in shown.columns


def test_caveat_only_for_findings_about_poorly_recorded_characteristics() -> None:
    ics = quality.protect_completeness(
        pd.DataFrame(
            [
                _shown("ICS", "ICS", "ethnicity", 900, 1000),
                _shown("ICS", "ICS", "language", 950, 1000),
            ]
        ),
        EXACT,
    )
    low = quality.low_measures(ics)
    assert low == {"ethnicity": 90.0}
    assert "ethnicity is recorded for only 90.0%" in quality.completeness_caveat(
        ["ethnicity_code", "sex"], low
    )
    assert quality.completeness_caveat(["main_language"], low) == ""
    assert quality.completeness_caveat(["age_band"], low) == ""


def test_worst_practice_and_its_feedback() -> None:
    rows = []
    for code, gp in (("P1", 400), ("P2", 800)):
        rows += [
            _shown(code, f"Practice {code}", "ethnicity_gp", gp, 1000),
            _shown(code, f"Practice {code}", "ethnicity", 900, 1000),
            _shown(code, f"Practice {code}", "language", 850, 1000),
            _shown(code, f"Practice {code}", "ethnic_group_known", 880, 1000),
        ]
    practices = quality.protect_completeness(pd.DataFrame(rows), EXACT)
    assert quality.worst_area(practices) == ("P1", "Practice P1")
    pcn = practices.groupby("measure", as_index=False).agg(
        {c: "sum" for c in ("recorded", "population")}
    )
    pcns = quality.protect_completeness(
        pd.DataFrame(
            [_shown("U1", "PCN 1", m, int(r), int(n)) for m, r, n in pcn.itertuples(index=False)]
        ),
        EXACT,
    )
    ics = pcns.assign(code="ICS", name="ICS")
    fb = quality.feedback("P1", practices, pcns, ics, {"P1": ("U1", "PCN 1")})
    assert fb is not None
    assert fb.no_ethnicity == "100" and fb.no_language == "150" and fb.pcn_name == "PCN 1"
    gp_row = fb.table.set_index("Measure").loc[quality.MEASURE_LABELS["ethnicity_gp"]]
    assert gp_row["This practice"].startswith("40.0%")
    assert gp_row["Its PCN"].startswith("60.0%")
    assert quality.feedback("P9", practices, pcns, ics, {}) is None


def test_explore_caveat_reads_the_breakdown_and_the_cohorts_own_filters() -> None:
    from phm.cohort import Cohort

    ics = quality.protect_completeness(
        pd.DataFrame(
            [
                _shown("ICS", "ICS", "ethnicity", 990, 1000),
                _shown("ICS", "ICS", "language", 800, 1000),
            ]
        ),
        EXACT,
    )
    assert quality.explore_caveat(Cohort(), ["age_band"], ics) == ""
    assert "first language" in quality.explore_caveat(Cohort(), ["main_language"], ics)
    narrowed = Cohort(languages=("Polish",))
    assert "first language" in quality.explore_caveat(narrowed, ["sex"], ics)
    assert quality.without_recorded_filters(narrowed) == Cohort()
    assert quality.explore_caveat(Cohort(), ["ethnicity_code"], ics) == ""


def test_finding_caveat_uses_its_own_place() -> None:
    areas = quality.protect_completeness(
        pd.DataFrame(
            [
                _shown("M1", "Low", "ethnicity", 800, 1000),
                _shown("M2", "High", "ethnicity", 990, 1000),
            ]
        ),
        EXACT,
    )
    by_area = quality.low_by_area(areas)
    assert set(by_area) == {"M1"}
    assert quality.finding_caveat(("ethnic_group",), "M1", by_area).startswith("Low completeness")
    assert quality.finding_caveat(("ethnic_group",), "M2", by_area) == ""


def test_low_by_area_is_low_measures_of_each_area() -> None:
    # Below, at and above each standard; suppressed; a missing measure; repeated areas.
    rows = []
    for i, (eth, lang) in enumerate([(800, 700), (990, 950), (940, 899), (3, 2), (949, None)]):
        rows.append(_shown(f"M{i}", f"Area {i}", "ethnicity", eth, 1000 if eth > 10 else 5))
        if lang is not None:
            rows.append(_shown(f"M{i}", f"Area {i}", "language", lang, 1000))
        rows.append(_shown(f"M{i}", f"Area {i}", "has_diabetes", 10, 1000))
    for rule in (EXACT, DisclosureRule()):
        areas = quality.protect_completeness(pd.DataFrame(rows), rule)
        expected = {}
        for code, part in areas.groupby("code", sort=False):
            if low := quality.low_measures(part):
                expected[str(code)] = low
        got = quality.low_by_area(areas)
        assert got == expected
        assert list(got) == list(expected)
    exact = quality.low_by_area(quality.protect_completeness(pd.DataFrame(rows), EXACT))
    assert exact == {
        "M0": {"ethnicity": 80.0, "language": 70.0},
        "M2": {"ethnicity": 94.0, "language": 89.9},
        "M3": {"ethnicity": 60.0, "language": 0.2},
        "M4": {"ethnicity": 94.9},
    }
    assert set(quality.CAVEAT_MEASURES) == set(quality.MEASURE_DIMENSIONS)
