"""The Compare page file run by AppTest against the tiny demo."""

import json

import duckdb
import pandas as pd

from phm import disclosure, settings
from phm.analysis.comparators import comparator_for
from phm.analysis.comparison import benchmark_table
from phm.analysis.inequality import SII_COLUMN
from phm.analysis.summaries import protected_uptake
from phm.cohort import Cohort
from phm.queries import uptake_by
from phm.queries.compare import uptake_by_level
from tests.shown_tables import shown_table


def rule() -> disclosure.DisclosureRule:
    """Return the rule the app applies to the synthetic demo under the current environment."""
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def expected_table(db, cohort: Cohort, level: str) -> pd.DataFrame:
    """Compute the benchmark table independently of the page: against the cohort's comparator."""
    ics = comparator_pct(db, cohort)
    with duckdb.connect(str(db), read_only=True) as con:
        raw = uptake_by_level(con, cohort, level)
    # The page allows for variation between areas by default when there is overdispersion.
    spread = benchmark_table(raw, level, rule(), ics, allow_for_spread=True).attrs.get("spread")
    return benchmark_table(raw, level, rule(), ics, spread is not None and spread.found)


def comparator_pct(db, cohort: Cohort) -> float:
    """Return the shown uptake of everyone in the cohort's age range across the ICS."""
    with duckdb.connect(str(db), read_only=True) as con:
        row = protected_uptake(uptake_by(con, comparator_for(cohort).cohort, ()), rule())
    return float(row["uptake_pct"].iloc[0])


def frame_with(at, column: str) -> pd.DataFrame:
    """Return the first dataframe element that has a column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_compare_by_borough_shows_ranked_table_with_significance(run_page, tiny_db):
    at = run_page("compare.py", age_min=18)
    assert not at.exception
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)
    assert [t.label for t in at.tabs] == [
        "Ranked",
        "Funnel plot",
        "Table and download",
        "Inequality",
    ]
    want = expected_table(tiny_db, Cohort(age_min=18), "borough")
    shown = frame_with(at, "Compared with comparator")
    assert list(shown["Borough"]) == list(want["label"])
    assert list(shown["Compared with comparator"]) == list(want["compared"])
    assert set(want["compared"]) <= {"higher", "similar", "lower"}
    metrics = {m.label: int(m.value) for m in at.metric}
    assert sum(metrics.values()) == len(want)
    ics = comparator_pct(tiny_db, Cohort(age_min=18))
    assert any(
        m.value.startswith(f"**Comparator (first dose):** {ics:.1f}% for adults (18 and over)")
        for m in at.markdown
    )


def test_a_group_is_compared_with_everyone_of_its_ages_as_on_the_finder(run_page, tiny_db):
    # The one rule (phm.analysis.comparators): Black adults in each borough are compared
    # with all adults across the ICS, not with Black adults across the ICS.
    group = Cohort(age_min=18, ethnicities=("M",))
    at = run_page("compare.py", age_min=18, ethnicity=["M"])
    assert not at.exception
    adults = comparator_pct(tiny_db, Cohort(age_min=18))
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        own = protected_uptake(uptake_by(con, group, ()), rule())["uptake_pct"].iloc[0]
    assert round(adults, 1) != round(float(own), 1), "the test needs the two figures to differ"
    assert any(f"{adults:.1f}% for adults (18 and over)" in m.value for m in at.markdown)
    shown = frame_with(at, "Compared with comparator")
    assert list(shown["Compared with comparator"]) == list(
        expected_table(tiny_db, group, "borough")["compared"]
    )
    assert any(c.value.startswith("Every group is compared with everyone") for c in at.caption)


def test_switching_level_to_pcn_lists_every_pcn_and_the_download_has_a_header(run_page, tiny_db):
    at = run_page("compare.py")
    at.segmented_control(key="compare_level").set_value("pcn").run()
    assert not at.exception
    want = expected_table(tiny_db, Cohort(), "pcn")
    shown = frame_with(at, "Compared with comparator")
    assert list(shown["PCN"]) == list(want["label"])
    assert any("PCN" in s.value for s in at.header)
    outlier_lines = [
        m.value for m in at.markdown if m.value.startswith("**Outside the 99.8% limits:**")
    ]
    assert outlier_lines == [
        f"**Outside the 99.8% limits:** {int(want['funnel'].isin(['lower (99.8%)', 'higher (99.8%)']).sum())} PCN(s)"
    ]


def test_inequality_tab_shows_ics_gap_sii_and_rii(run_page):
    at = run_page("compare.py", age_min=18)
    assert not at.exception
    summary = next(shown_table(t) for t in at.table if SII_COLUMN in shown_table(t).columns)
    first = summary.iloc[0]
    assert first["Locality"] == "ICS (whole cohort)"
    assert first[SII_COLUMN] != "–"
    assert first["RII (95% CI)"] != "–"
    assert any(s.value == "Gaps by ethnic group and first language" for s in at.header)


def test_a_tiny_cohort_never_shows_a_count_below_eight(run_page, tiny_db):
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        practice = con.execute(
            "SELECT practice_code FROM person GROUP BY 1 ORDER BY count(*) LIMIT 1"
        ).fetchone()[0]
    at = run_page("compare.py", practice=[practice], age_min=80)
    assert not at.exception
    for frame in (d.value for d in at.dataframe):
        for column in ("Vaccinated", "Population", "Unvaccinated"):
            if column in frame.columns:
                for cell in frame[column]:
                    assert cell in ("<8", "*", "–", "0") or int(str(cell).replace(",", "")) >= 8


def test_a_cohort_whose_every_borough_is_suppressed_shows_no_funnel_and_no_error(run_page, tiny_db):
    # Found by the fuzz test: 85 and over, first dose: the ICS figure is shown but every
    # borough's uptake is suppressed, and the funnel plot had no populations to span.
    cohort = Cohort().with_(age_min=85, dose="1")
    assert expected_table(tiny_db, cohort, "borough")["uptake_suppressed"].all()
    at = run_page("compare.py", age_min=85, dose="1")
    assert not at.exception, [e.value for e in at.exception]
    assert any("no funnel plot to draw" in i.value for i in at.info)
    assert "Outside the 99.8% limits:** 0" in " ".join(m.value for m in at.markdown)


def vega_specs(at) -> list[dict]:
    """Return the Vega-Lite specs of the page's Altair charts."""
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    return [json.loads(c.proto.spec) for c in charts]


def test_funnel_allows_for_overdispersion_by_default_and_says_so(run_page):
    at = run_page("compare.py", compare_level="pcn")
    assert not at.exception
    toggle = at.toggle(key="compare_spread_pcn")
    caption = next(c.value for c in at.caption if "Control limits" in c.value)
    assert "phi = " in caption
    if "times as much as chance" in caption:  # overdispersed: the allowance is on by default
        assert toggle.value is True and "tau =" in caption and "allow for that" in caption
    toggle.set_value(not toggle.value).run()
    assert not at.exception
    assert next(c.value for c in at.caption if "Control limits" in c.value) != caption


def test_every_locality_keeps_its_label_and_the_funnel_fills_its_axes(run_page):
    at = run_page("compare.py", compare_level="practice")
    assert not at.exception
    text = json.dumps(vega_specs(at))
    assert '"labelOverlap": false' in text
    funnel = next(s for s in vega_specs(at) if "log scale" in json.dumps(s))
    scales = [
        layer["encoding"]["x"]["scale"]
        for layer in funnel.get("layer", [])
        if "x" in layer.get("encoding", {}) and "scale" in layer["encoding"]["x"]
    ]
    assert scales and all(s.get("nice") is False and "domain" in s for s in scales)


def test_the_inequality_tab_opens_on_localities_whose_gradient_can_be_measured(run_page):
    # On the full demo 4 of 5 boroughs have no residents in the most or least deprived fifth;
    # the first view must still show figures, and say which were left out and why.
    at = run_page("compare.py", compare_level="pcn")
    assert not at.exception
    summary = next(shown_table(t) for t in at.table if SII_COLUMN in shown_table(t).columns)
    chosen = summary.iloc[1:]
    assert len(chosen) == len(at.multiselect(key="compare_localities_pcn").value) > 0
    assert (chosen[SII_COLUMN] != "–").all()
    left_out = [c.value for c in at.caption if c.value.startswith("Not chosen at first")]
    assert left_out, "the tiny demo has PCNs without a measurable gradient: the test needs one"
    assert "(no residents in IMD quintile" in left_out[0] or "(a deprivation group" in left_out[0]
