"""The Find target groups and Explore page files, run by AppTest against the tiny demo."""

import re

import duckdb
import pytest

from phm import disclosure, queries, settings
from phm.analysis import explore, targeting
from phm.analysis.comparators import comparator_for
from phm.cohort import Cohort

SMALL = re.compile(r"(?<![\d.,])[1-7](?![\d.,%])")


def rule() -> disclosure.DisclosureRule:
    """Return the rule the app applies to a synthetic dataset under the current environment."""
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def table_of(at):
    """Return the page's first dataframe as shown."""
    return at.dataframe[0].value


def test_explore_one_way_table_matches_the_protected_query(run_page, app_env):
    at = run_page("explore.py", sex=["M"], explore_by="ethnicity_code", explore_then="nothing")
    assert not at.exception
    shown = table_of(at)
    cohort = Cohort(sexes=("M",))
    with duckdb.connect(str(app_env), read_only=True) as con:
        raw = queries.uptake_by(con, cohort, ("ethnicity_code",))
        # Men are compared with everyone across the ICS (phm.analysis.comparators).
        overall = queries.uptake_by(con, comparator_for(cohort).cohort, ())
    overall_pct = float(explore.overall_uptake(overall, rule())["uptake_pct"])
    expected = explore.display_table(
        explore.breakdown(raw, overall_pct, rule()),
        ("ethnicity_code",),
        rule(),
    )
    assert list(shown["Ethnicity"]) == list(expected["Ethnicity"])
    assert list(shown["Uptake"]) == list(expected["Uptake"])
    assert list(shown["Vaccinated"]) == list(expected["Vaccinated"])
    assert set(shown["Interval vs comparator"]) <= {"lower", "similar", "higher", "suppressed"}
    assert list(shown["Gap to comparator (pts)"]) == list(expected["Gap to comparator (pts)"])
    assert any("for everyone (all ages) across" in c.value for c in at.caption)
    assert any(m.value.startswith("**Cohort:** Men and boys") for m in at.markdown)


def test_explore_sorts_by_number_unvaccinated(run_page):
    at = run_page(
        "explore.py", explore_by="borough", explore_then="nothing", explore_sort="unvaccinated"
    )
    counts = [int(v.replace(",", "")) for v in table_of(at)["Unvaccinated"]]
    assert counts == sorted(counts, reverse=True)


def test_explore_two_way_shows_heatmap_and_table_and_suppression_holds(run_page):
    at = run_page(
        "explore.py",
        borough=["E09000007"],
        explore_by="main_language",
        explore_then="imd_quintile",
    )
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Heatmap", "Table"]
    shown = table_of(at)
    assert {"First language", "IMD quintile"} <= set(shown.columns)
    for column in ("Vaccinated", "Population", "Unvaccinated"):
        values = set(shown[column])
        assert not any(SMALL.fullmatch(v) for v in values), (column, values)
    assert (shown["Vaccinated"] == "<8").any()  # small groups exist in a tiny Camden
    assert set(shown.loc[shown["Vaccinated"] == "<8", "Uptake"]) == {"suppressed"}


def test_explore_two_way_too_big_for_a_heatmap_says_so_and_keeps_the_table(run_page):
    at = run_page("explore.py", explore_by="msoa", explore_then="practice")
    assert not at.exception
    assert any("too many for a readable heatmap" in i.value for i in at.info)
    assert not at.get("arrow_vega_lite_chart")
    assert len(table_of(at)) > 2_500 // 10  # the table is still there


def test_targets_page_lists_findings_from_the_finder(run_page, app_env):
    at = run_page("targets.py", targets_level="borough", targets_min_size=20)
    assert not at.exception
    sentences = [m.value for m in at.markdown if re.match(r"^\*\*\d+\.\*\* ", m.value)]
    with duckdb.connect(str(app_env), read_only=True) as con:
        found = targeting.scan_cohort(
            con, Cohort(age_min=18), "borough", 20, queries.filter_options(con)["languages"], rule()
        )
    ranked = targeting.rank_choice(found, targeting.Choice(), 20, rule())
    rate = found.overall_rate
    findings = targeting.present(ranked, Cohort(age_min=18), "borough", rate, rule())
    assert len(sentences) == len(findings) > 0
    assert findings[0].group in sentences[0] and findings[0].unvaccinated in sentences[0]
    assert any("People aged 18 and over" in m.value for m in at.markdown)


def test_targets_page_without_the_adults_toggle_includes_children(run_page):
    at = run_page("targets.py", targets_level="borough", targets_adults=False)
    assert not at.exception
    assert any("aged under 18" in m.value for m in at.markdown)


@pytest.mark.parametrize("page", ["targets.py", "explore.py"])
def test_pages_say_so_when_the_cohort_is_empty(run_page, page):
    at = run_page(page, age_min=120, age_max=120)
    assert not at.exception
    assert any(
        "No one in this cohort" in i.value or "Fewer than 50 people" in i.value for i in at.info
    ) or any("suppressed" in m.value for m in at.metric)
