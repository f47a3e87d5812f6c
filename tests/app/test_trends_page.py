"""The Trends page file run by AppTest against the tiny demo."""

import duckdb

from phm import disclosure, settings
from phm.analysis.trends import MILESTONES, cumulative_uptake
from phm.cohort import Cohort
from phm.gap_words import gap_words
from phm.queries.trends import weekly_doses


def rule() -> disclosure.DisclosureRule:
    """Return the rule the app applies to the synthetic demo under the current environment."""
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def test_trends_by_imd_quintile_shows_charts_milestones_and_gap_sentence(run_page, tiny_db):
    at = run_page("trends.py", age_min=18)
    at.selectbox(key="trends_dimension").set_value("imd_quintile").run()
    assert not at.exception
    assert [s.value for s in at.header] == [
        "Cumulative uptake by week (first dose)",
        "Is the gap closing?",
        "Weekly first doses given to the whole cohort",
        "SPC view (NHS Making Data Count)",
    ]
    captions = " ".join(c.value for c in at.caption)
    assert "08 Dec 2020 Rollout begins" in captions
    assert "15 Feb 2021" in captions
    assert len(at.get("vega_lite_chart")) == 4
    # The gap sentence uses the last week's protected figures for quintile 1 vs quintile 5.
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        weekly = weekly_doses(con, Cohort(age_min=18), "imd_quintile")
    cumulative = cumulative_uptake(weekly, rule(), "imd_quintile")
    last = cumulative[cumulative["week"] == cumulative["week"].max()].set_index("imd_quintile")
    gap = (
        last.loc[1, "vaccinated"] / last.loc[1, "population"]
        - last.loc[5, "vaccinated"] / last.loc[5, "population"]
    )
    sentence = next(m.value for m in at.markdown if "the gap has" in m.value)
    assert f"and {gap_words(100 * gap)} (95% CI" in sentence


def test_trends_for_chosen_localities_and_booster(run_page):
    at = run_page("trends.py", dose="3")
    at.segmented_control(key="trends_mode").set_value("localities").run()
    assert not at.exception
    at.selectbox(key="trends_level").set_value("pcn").run()
    assert not at.exception
    chosen = at.multiselect(key="trends_localities_pcn")
    assert len(chosen.value) == 4
    assert at.header[0].value == "Cumulative uptake by week (booster)"
    assert any("SPC" in s.value for s in at.header)
    assert len(MILESTONES) == 8


def test_the_localities_view_adds_the_comparator_line_named_by_the_rule(run_page):
    at = run_page("trends.py", age_min=18, sex=["F"])
    at.segmented_control(key="trends_mode").set_value("localities").run()
    assert not at.exception
    assert at.toggle(key="trends_ics_line").label == "Add the comparator"
    name = "Comparator: adults (18 and over) across North Central London"
    assert name in at.selectbox(key="trends_first_borough").options
    assert any(c.value.startswith("The comparator line: adults (18 and over)") for c in at.caption)
