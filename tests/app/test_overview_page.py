"""The Overview page file run by AppTest against the tiny demo, cohort set through session state."""

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from phm import codes, disclosure, queries, settings
from phm.cohort import Cohort
from tests.chart_fields import sent_vega_lite
from tests.shown_tables import shown_table

PERCENT = re.compile(r"^\d{1,3}\.\d%$")
# A count as the page prints it: digits with thousands separators, nothing else.
COUNT = re.compile(r"^\d{1,3}(,\d{3})*$")


def rule() -> disclosure.DisclosureRule:
    """Return the rule the app applies to a synthetic dataset under the current environment."""
    return disclosure.rule_for(
        "synthetic", settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


def metrics(at: AppTest) -> dict[str, str]:
    """Return the KPI metrics as label -> shown value."""
    return {m.label: m.value for m in at.metric}


def expected_kpis(db: Path, cohort: Cohort) -> dict[str, str]:
    """Compute the three KPI values independently of the page: query, Wilson, disclosure."""
    with duckdb.connect(str(db), read_only=True) as con:
        raw = queries.uptake_all_doses(con, cohort)
    protected = disclosure.protect(raw, rule())
    return {
        row.dose_label: disclosure.format_rate(row.uptake_pct, row.uptake_suppressed, rule())
        for row in protected.itertuples()
    }


def test_overview_renders_banner_kpis_and_cohort_sentence(run_page):
    at = run_page("overview.py", sex=["F"], dose="2")

    assert not at.exception
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)
    shown = metrics(at)
    assert list(shown) == list(codes.DOSES.values())
    for label, value in shown.items():
        assert PERCENT.match(value), f"{label} metric is {value!r}, not a percentage"
    sentences = [m.value for m in at.markdown if m.value.startswith("**Cohort:**")]
    assert sentences == [
        "**Cohort:** Women and girls: second dose of COVID-19 vaccine by 31 March 2022"
    ]
    assert [s.value for s in at.header] == [
        "By borough (second dose)",
        "By deprivation (second dose)",
    ]
    assert any("Deprivation gap" in m.value for m in at.markdown)
    assert any(c.value.startswith("Counts from 1 to 7 are shown as <8") for c in at.caption)
    # Each denominator says whom it counts, beside the count: not the banner's total.
    counted = [c.value for c in at.caption if " registered and alive · " in c.value]
    assert len(counted) == 3
    assert all("banner counts everyone" in m.help for m in at.metric)
    # Five boroughs and five quintiles: short tables, shown whole with every column.
    columns = ["Uptake", "95% CI", "Vaccinated", "Population", "Unvaccinated"]
    assert [list(shown_table(t).columns) for t in at.table] == [
        ["Borough", *columns],
        ["IMD quintile", *columns],
    ]
    assert [len(t.value) for t in at.table] == [5, 5]


def test_kpis_match_an_independent_calculation_and_follow_the_cohort(run_page, tiny_db):
    everyone = run_page("overview.py")
    deprived = run_page("overview.py", imd_quintile=[1])
    assert not everyone.exception and not deprived.exception

    want_all = expected_kpis(tiny_db, Cohort())
    want_deprived = expected_kpis(tiny_db, Cohort(imd_quintiles=(1,)))
    assert metrics(everyone) == want_all
    assert metrics(deprived) == want_deprived
    assert metrics(everyone)["First dose"] != metrics(deprived)["First dose"]

    # And the percentage is plain arithmetic on the shown (protected) counts, and within
    # the protection's reach of the exact figure.
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        raw = queries.uptake_all_doses(con, Cohort(imd_quintiles=(1,)))
    first = disclosure.protect(raw, rule()).iloc[0]
    assert metrics(deprived)["First dose"] == f"{100 * first.vaccinated / first.population:.1f}%"
    exact = raw.iloc[0]
    assert abs(first.vaccinated - exact.vaccinated) < rule().rounding
    assert abs(first.population - exact.population) < rule().rounding
    assert "living in IMD quintile 1 areas (1 = most deprived)" in " ".join(
        m.value for m in deprived.markdown
    )


def small_cohort(db: Path) -> tuple[str, str, str, int]:
    """Return (practice, ethnicity, flag, population) of a cohort of 1-7 people in the demo."""
    threshold = rule().threshold
    with duckdb.connect(str(db), read_only=True) as con:
        practice, ethnicity = con.execute(
            "SELECT practice_code, ethnicity_code FROM person GROUP BY ALL"
            " ORDER BY count(*) DESC, practice_code, ethnicity_code LIMIT 1"
        ).fetchone()
        for flag in codes.FLAGS:
            cohort = Cohort(practices=(practice,), ethnicities=(ethnicity,), flags=((flag, True),))
            population = int(queries.uptake_all_doses(con, cohort)["population"].iloc[0])
            if 1 <= population < threshold:
                return practice, ethnicity, flag, population
    pytest.fail(f"no flag gives a cohort of 1-{threshold - 1} people in {practice}/{ethnicity}")


def shown_counts(at: AppTest) -> list[str]:
    """Return every count cell of every table, and every count in the KPI captions."""
    cells: list[str] = []
    for frame in [*(d.value for d in at.dataframe), *(shown_table(t) for t in at.table)]:
        assert isinstance(frame, pd.DataFrame)
        for column in ("Vaccinated", "Population", "Unvaccinated"):
            cells.extend(str(v) for v in frame[column])
    for caption in at.caption:
        match = re.search(
            r"(\S+) of (\S+) registered and alive · \*\*(\S+) unvaccinated\*\*", caption.value
        )
        if match:
            cells.extend(match.groups())
    return cells


def test_a_tiny_cohort_is_suppressed_and_never_shows_a_count_below_eight(run_page, tiny_db):
    practice, ethnicity, flag, population = small_cohort(tiny_db)
    at = run_page("overview.py", practice=[practice], ethnicity=[ethnicity], **{flag: "yes"})

    assert not at.exception
    assert set(metrics(at).values()) == {"suppressed"}, (practice, ethnicity, flag, population)
    cells = shown_counts(at)
    for cell in cells:
        assert cell in ("<8", "–") or (
            COUNT.match(cell)
            and (int(cell.replace(",", "")) == 0 or int(cell.replace(",", "")) >= 8)
        ), f"count {cell!r} shown for a cohort of {population}"
    # Too few people to break down: no table, chart or gap that could describe them.
    assert any("Fewer than 50 people" in i.value for i in at.info)
    assert not at.dataframe and not at.table and not at.get("arrow_vega_lite_chart")
    assert not [m.value for m in at.markdown if "Deprivation gap" in m.value]
    sentence = next(m.value for m in at.markdown if m.value.startswith("**Cohort:**"))
    assert codes.FLAG_PHRASES[flag] in sentence


def test_booster_dose_changes_the_headings(run_page):
    at = run_page("overview.py", dose="3")
    assert not at.exception
    assert [s.value for s in at.header] == ["By borough (booster)", "By deprivation (booster)"]
    assert "booster of COVID-19 vaccine" in next(
        m.value for m in at.markdown if m.value.startswith("**Cohort:**")
    )


def test_the_dashed_line_and_caption_are_the_comparator_of_a_group(run_page, tiny_db):
    # Women aged 18+ are compared with all adults across the ICS (phm.analysis.comparators),
    # the figure the finder and business case quote for them, not with women themselves.
    at = run_page("overview.py", age_min=18, sex=["F"])
    assert not at.exception
    with duckdb.connect(str(tiny_db), read_only=True) as con:
        adults = disclosure.protect(queries.uptake_by(con, Cohort(age_min=18), ()), rule())
    pct = float(adults["uptake_pct"].iloc[0])
    caption = next(c.value for c in at.caption if c.value.startswith("**Compared with**"))
    assert f"{pct:.1f}% for adults (18 and over) across" in caption
    assert "Every group is compared with everyone in the same age range" in caption
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    specs = [sent_vega_lite(c.proto) for c in charts]
    lines = [
        row["comparator"]
        for spec in specs
        for rows in spec["datasets"].values()
        for row in rows
        if "comparator" in row
    ]
    assert len(lines) == 2 and all(abs(value - pct) < 1e-9 for value in lines)
