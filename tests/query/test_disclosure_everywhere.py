"""Disclosure control end to end: random cohorts and breakdowns of the tiny demo, every output.

Properties, on what the Explore page, its downloads, Trends and the targeting finder show:
no count from 1 to 7 appears; every shown count is a multiple of the rounding base within
base-1 of the truth; a hidden count cannot be worked out from a shown total and its shown
siblings, nor by comparing a cohort with the same cohort minus one value; and the same
people always get the same figure, whichever page or query reaches them.
"""

import io
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phm.analysis import explore, targeting, trends
from phm.analysis.summaries import protected_uptake
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE, MIN_REAL_ROUNDING, DisclosureRule, smallest_shown
from phm.output import charts, exports
from phm.queries import DIMENSIONS, uptake_by
from phm.queries.trends import weekly_doses
from tests.query.pandas_reference import cohorts

COUNTS = {"Vaccinated": "vaccinated", "Population": "population", "Unvaccinated": "unvaccinated"}
RULES = [
    DEFAULT_RULE,
    DisclosureRule(threshold=8, rounding=1),
    DisclosureRule(threshold=11, rounding=10),
]
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*$")


def shown_count(text: str) -> int | None:
    """Return a shown count as an int, None when it is hidden or missing."""
    return int(text.replace(",", "")) if NUMBER.match(text) else None


def assert_no_small_counts(table: pd.DataFrame, rule: DisclosureRule) -> None:
    """Every shown measured count is 0 or the rounded threshold or more, and a multiple of the base.

    Unvaccinated is derived (population minus vaccinated, both shown), so it is a multiple
    of the base and never negative, but may be small: it carries nothing the two do not.
    """
    for column in COUNTS:
        for text in table[column]:
            assert text in (rule.suppressed_text, "–") or NUMBER.match(text), text
            value = shown_count(text)
            if value is None:
                continue
            assert value >= 0 and value % rule.rounding == 0, (column, text)
            if column != "Unvaccinated":
                assert value == 0 or value >= smallest_shown(rule), (column, text)


def feasible(total: int, siblings: list[int], rule: DisclosureRule) -> range:
    """Return the values a single hidden cell can take given a perturbed total and siblings."""
    spread = rule.rounding - 1
    low = total - spread - sum(s + spread for s in siblings)
    high = total + spread - sum(max(s - spread, 0) for s in siblings)
    return range(max(low, 0), high + 1)


def assert_not_recoverable(table, total_row, rule, column, raw_values):
    """A lone hidden cell of `column` must have more than one value consistent with the rest."""
    texts = list(table[column])
    hidden = [i for i, t in enumerate(texts) if shown_count(t) is None]
    total = shown_count(total_row[column])
    if len(hidden) != 1 or total is None:
        return
    siblings = [shown_count(t) for i, t in enumerate(texts) if i != hidden[0]]
    candidates = feasible(total, siblings, rule)
    true = raw_values[hidden[0]]
    assert true in candidates
    small = [v for v in candidates if 1 <= v < rule.threshold]
    assert not (1 <= true < rule.threshold and len(small) <= 1 and len(candidates) <= 1), (
        column,
        texts,
        total_row[column],
    )
    if rule.rounding > 1:
        assert len(candidates) > 1, (column, texts)


def one_row_table(raw: pd.DataFrame, rule: DisclosureRule) -> pd.Series:
    """Return the cohort's overall figures as the KPI shows them (text)."""
    overall = explore.overall_uptake(raw, rule)
    frame = overall.to_frame().T.assign(**{"age_band_label": "all"})
    frame["compared"] = None
    frame["gap_pts"] = float("nan")
    return explore.display_table(frame, ("age_band",), rule).iloc[0]


@HYPOTHESIS
@given(data=st.data(), rule=st.sampled_from(RULES))
def test_no_output_shows_a_small_count_or_a_recoverable_one(data, rule, tiny_con, options):
    cohort = data.draw(cohorts(options), label="cohort")
    dims = tuple(
        data.draw(
            st.lists(
                st.sampled_from(sorted(set(DIMENSIONS) - {"lsoa", "age"})),
                min_size=1,
                max_size=2,
                unique=True,
            ),
            label="dims",
        )
    )
    overall_raw = uptake_by(tiny_con, cohort, ())
    total = one_row_table(overall_raw, rule)
    assert_no_small_counts(pd.DataFrame([total]), rule)
    raw = uptake_by(tiny_con, cohort, dims)
    if raw.empty:
        return
    overall_pct = explore.overall_uptake(overall_raw, rule)["uptake_pct"]
    overall_pct = None if pd.isna(overall_pct) else float(overall_pct)
    frame = explore.breakdown(raw, overall_pct, rule)
    table = explore.display_table(frame, dims, rule)
    assert_no_small_counts(table, rule)
    # The download is the same table under a header block.
    header = explore.export_header("c", {"kind": "synthetic"}, rule, "First dose", "v")
    back = pd.read_csv(io.StringIO(exports.to_csv(table, header)), comment="#", dtype=str)
    assert_no_small_counts(back.fillna("–"), rule)
    # Shown rates are those of the shown counts, so they add nothing to them.
    for row in frame[~frame["uptake_suppressed"]].itertuples():
        if row.population:
            assert row.uptake_pct == round(100 * row.vaccinated / row.population, 1)
    raw = raw.assign(unvaccinated=raw["population"] - raw["vaccinated"])
    if rule.rounding < MIN_REAL_ROUNDING:
        return  # exact counts (synthetic data only) give differencing away by design
    if len(dims) == 1:
        for column, name in COUNTS.items():
            assert_not_recoverable(table, total, rule, column, list(raw[name]))
    else:
        # Each row of a two-way table adds up to a one-way figure the user can also see.
        first = dims[0]
        one_way = explore.display_table(
            explore.breakdown(uptake_by(tiny_con, cohort, (first,)), overall_pct, rule),
            (first,),
            rule,
        )
        for code, group in frame.groupby(first, sort=False):
            row_total = one_way.loc[list(frame[first].drop_duplicates()).index(code)]
            for column, name in COUNTS.items():
                assert_not_recoverable(
                    table.loc[group.index],
                    row_total,
                    rule,
                    column,
                    list(raw.loc[group.index, name]),
                )
        grid = explore.full_grid(frame, dims, explore.grid_labels(frame, dims))
        if not explore.heatmap_fits(grid):  # the page shows the table only
            return
        heat = explore.heatmap_frame(grid, dims, rule)
        assert_no_small_counts(heat[heat["status"] != "no residents"], rule)
        chart = charts.uptake_heatmap(heat, f"{dims[0]}_label", f"{dims[1]}_label", "a", "b", "t")
        for dataset in chart.to_dict()["datasets"].values():
            assert_no_small_counts(pd.DataFrame(dataset).query("status != 'no residents'"), rule)


@HYPOTHESIS
@given(data=st.data(), rule=st.sampled_from([DEFAULT_RULE, RULES[2]]))
def test_a_cohort_minus_one_value_does_not_give_that_value_away(data, rule, tiny_con, options):
    field, key = data.draw(
        st.sampled_from(
            [
                ("languages", "languages"),
                ("msoas", "msoas"),
                ("practices", "practices"),
                ("ethnicities", None),
                ("age_bands", None),
            ]
        ),
        label="field",
    )
    choices = (
        sorted(options[key])
        if key
        else sorted(DIMENSIONS["ethnicity_code" if field == "ethnicities" else "age_band"].labels)
    )
    values = data.draw(st.lists(st.sampled_from(choices), min_size=2, max_size=4, unique=True))
    base = data.draw(cohorts(options), label="base")
    with_all = base.with_(**{field: values})
    without = base.with_(**{field: values[:-1]})
    one = base.with_(**{field: values[-1:]})
    shown_all = one_row_table(uptake_by(tiny_con, with_all, ()), rule)
    shown_without = one_row_table(uptake_by(tiny_con, without, ()), rule)
    raw_one = uptake_by(tiny_con, one, ()).assign(
        unvaccinated=lambda f: f["population"] - f["vaccinated"]
    )
    for column, name in COUNTS.items():
        true = int(raw_one[name].iloc[0])
        a, b = shown_count(shown_all[column]), shown_count(shown_without[column])
        if a is None or b is None or not 1 <= true < rule.threshold:
            continue
        spread = rule.rounding - 1
        candidates = [d for d in range(a - b - 2 * spread, a - b + 2 * spread + 1) if d >= 0]
        assert true in candidates
        assert len(candidates) > 1, (column, true, a, b)


@pytest.mark.parametrize("rule", RULES)
def test_finder_sentences_show_only_protected_figures(tiny_con, rule):
    cohort = Cohort(age_min=18)
    ranked, overall = targeting.find_targets(tiny_con, cohort, "msoa", 20, rule=rule)
    rate = float(overall["uptake_pct"]) / 100
    findings = targeting.present(ranked, cohort, "msoa", rate, rule)
    assert findings
    for finding in findings:
        assert shown_count(finding.unvaccinated) is not None
        for text in (finding.unvaccinated, finding.excess):
            if text == rule.suppressed_text:
                continue
            value = shown_count(text)
            assert value is not None and value % rule.rounding == 0
    # Ranked by the excess worked out from shown figures, and never by anything else.
    excess = ranked["excess_unvaccinated"].tolist()
    assert excess == sorted(excess, reverse=True)
    shown = ranked["population"].astype(float) * rate - ranked["vaccinated"].astype(float)
    assert excess == pytest.approx(shown.tolist())


def _explore_row(con, cohort, dimension, code, rule) -> pd.Series:
    """Return the row of `code` in the cohort's Explore breakdown by `dimension`."""
    frame = explore.breakdown(uptake_by(con, cohort, (dimension,)), None, rule)
    return frame[frame[dimension] == code].iloc[0]


SHOWN = ["vaccinated", "population", "unvaccinated", "uptake_pct", "ci_low_pct", "ci_high_pct"]


@HYPOTHESIS
@given(data=st.data())
def test_the_same_people_get_the_same_figures_on_every_page(data, tiny_con, options):
    """A group's figures agree between Explore, the Overview KPI, Trends and the finder."""
    rule = DEFAULT_RULE
    base = data.draw(cohorts(options), label="cohort")
    dimension, field = data.draw(
        st.sampled_from(
            [("main_language", "languages"), ("msoa", "msoas"), ("ethnicity_code", "ethnicities")]
        ),
        label="dimension",
    )
    raw = uptake_by(tiny_con, base, (dimension,))
    if raw.empty:
        return
    code = data.draw(st.sampled_from(sorted(raw[dimension].tolist())), label="value")
    in_explore = _explore_row(tiny_con, base, dimension, code, rule)
    narrowed = base.with_(**{field: (code,)}) if not getattr(base, field) else None
    if narrowed is not None:
        # The same group reached as a cohort (Overview's KPI, a finding's link, the Map).
        overview = protected_uptake(uptake_by(tiny_con, narrowed, ()), rule).iloc[0]
        pd.testing.assert_series_equal(
            in_explore[SHOWN], overview[SHOWN], check_names=False, check_dtype=False
        )
    # Trends: the last week's cumulative count is the same fact as the as-at figure.
    weekly = weekly_doses(tiny_con, base, dimension)
    series = trends.cumulative_uptake(weekly, rule, dimension)
    series = series[series[dimension] == code].sort_values("week")
    if not series.empty:  # no weeks when the as-at date is before the programme began
        pd.testing.assert_series_equal(
            in_explore[SHOWN], series.iloc[-1][SHOWN], check_names=False, check_dtype=False
        )
    # Asking twice, or through a two-way table's margin of another query, changes nothing.
    again = _explore_row(tiny_con, base, dimension, code, rule)
    pd.testing.assert_series_equal(in_explore, again)


def test_a_finding_shows_the_figures_its_link_opens(tiny_con):
    rule = DEFAULT_RULE
    base = Cohort(age_min=18)
    ranked, overall = targeting.find_targets(tiny_con, base, "msoa", 20, top=8, rule=rule)
    assert len(ranked) == 8
    everyone = protected_uptake(uptake_by(tiny_con, base, ()), rule).iloc[0]
    assert overall[SHOWN].tolist() == everyone[SHOWN].tolist()
    for _, row in ranked.iterrows():
        cohort = targeting.finding_cohort(
            base, "msoa", row["place_code"], targeting.conditions_of(row)
        )
        opened = protected_uptake(uptake_by(tiny_con, cohort, ()), rule).iloc[0]
        assert row[SHOWN].tolist() == opened[SHOWN].tolist()
