"""Small-number suppression, rounding and secondary suppression (phm.disclosure)."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phm.disclosure import (
    COUNT_COLUMNS,
    DEFAULT_RULE,
    MISSING_TEXT,
    DisclosureRule,
    format_count,
    format_rate,
    protect,
    protect_one,
    rule_for,
    to_display,
)
from phm.stats import add_uptake, wilson_interval

NO_ROUNDING = DisclosureRule(threshold=8, rounding=1)


def _frame(vaccinated, population, **extra):
    return add_uptake(pd.DataFrame({**extra, "vaccinated": vaccinated, "population": population}))


def _visible(out, column):
    return out.loc[~out[f"{column}_suppressed"], column]


@pytest.mark.parametrize("small", [1, 2, 3, 4, 5, 6, 7])
def test_counts_from_1_to_7_are_suppressed_and_shown_as_less_than_8(small):
    out = protect(_frame([small], [500]), partitions=())
    assert bool(out["vaccinated_suppressed"].iat[0])
    assert pd.isna(out["vaccinated"].iat[0])
    assert to_display(out)["vaccinated"].iat[0] == "<8"


def test_8_is_the_smallest_count_shown():
    out = protect(_frame([8], [500]), rule=NO_ROUNDING, partitions=())
    assert not out["vaccinated_suppressed"].iat[0]
    assert out["vaccinated"].iat[0] == 8


def test_zero_is_shown_not_suppressed():
    out = protect(_frame([0], [500]), partitions=())
    assert out["vaccinated"].iat[0] == 0
    assert not out["vaccinated_suppressed"].iat[0]
    assert out["uptake_pct"].iat[0] == 0.0
    assert to_display(out)["vaccinated"].iat[0] == "0"


@pytest.mark.parametrize(
    ("count", "shown"),
    [(8, 10), (12, 10), (13, 15), (40, 40), (1002, 1000), (1003, 1005), (123_457, 123_455)],
)
def test_shown_counts_are_rounded_to_the_nearest_5(count, shown):
    out = protect(pd.DataFrame({"vaccinated": [count], "population": [200_000]}), partitions=())
    assert out["vaccinated"].iat[0] == shown


def test_without_rounding_rates_keep_one_decimal_place_of_the_exact_counts():
    out = protect(_frame([81], [263]), rule=NO_ROUNDING, partitions=())
    assert out["uptake_pct"].iat[0] == 30.8  # 81/263 = 30.798%
    assert out["ci_low_pct"].iat[0] == 25.5
    assert out["ci_high_pct"].iat[0] == 36.6


def test_with_rounding_rates_and_intervals_come_from_the_shown_counts():
    # 81/263 shows as 80 of 265: the rate is 30.2%, not 30.8%, so that the rate cannot
    # be used to find the exact counts behind the rounded ones.
    out = protect(_frame([81], [263]), partitions=())
    assert (out["vaccinated"].iat[0], out["population"].iat[0]) == (80, 265)
    assert out["uptake_pct"].iat[0] == 30.2
    low, high = (round(100 * float(v), 1) for v in wilson_interval(80, 265))
    assert (out["ci_low_pct"].iat[0], out["ci_high_pct"].iat[0]) == (low, high)


def test_rate_is_hidden_when_its_numerator_is_suppressed():
    out = protect(_frame([3], [40]), partitions=())
    assert out["population"].iat[0] == 40
    assert bool(out["uptake_suppressed"].iat[0])
    for column in ("uptake_pct", "ci_low_pct", "ci_high_pct"):
        assert pd.isna(out[column].iat[0])


def test_rate_and_every_count_are_hidden_when_the_denominator_is_suppressed():
    out = protect(_frame([0], [5]), partitions=())
    assert out[[f"{c}_suppressed" for c in COUNT_COLUMNS]].iloc[0].tolist() == [True] * 3
    assert bool(out["uptake_suppressed"].iat[0])
    assert pd.isna(out["uptake_pct"].iat[0])


def test_unvaccinated_from_1_to_7_hides_the_vaccinated_count_too():
    # 95 of 100 vaccinated: 95 and 100 would give away the 5 unvaccinated.
    out = protect(_frame([95], [100]), partitions=())
    assert bool(out["unvaccinated_suppressed"].iat[0])
    assert bool(out["vaccinated_suppressed"].iat[0])
    assert not out["population_suppressed"].iat[0]
    assert out["population"].iat[0] == 100
    assert pd.isna(out["uptake_pct"].iat[0])


def test_one_suppressed_sibling_makes_the_next_smallest_sibling_hidden_too():
    out = protect(_frame([3, 50, 80, 200], [40, 100, 120, 300], g=list("abcd")))
    assert out["vaccinated_suppressed"].tolist() == [True, True, False, False]
    assert out["unvaccinated_suppressed"].tolist() == [True, True, False, False]
    assert out["population_suppressed"].tolist() == [False] * 4
    assert out["vaccinated"].tolist()[2:] == [80, 200]
    assert out["uptake_suppressed"].tolist() == [True, True, False, False]


def test_without_partitions_rows_are_not_treated_as_siblings():
    out = protect(_frame([3, 50, 80, 200], [40, 100, 120, 300]), partitions=[])
    assert out["vaccinated_suppressed"].tolist() == [True, False, False, False]


def test_secondary_suppression_skips_zero_siblings_for_the_next_smallest_positive_one():
    out = protect(_frame([3, 0, 80, 20], [40, 100, 120, 300]))
    # Vaccinated: the 0 could not hide the 3, so 20 is the next smallest shown count.
    assert out["vaccinated_suppressed"].tolist() == [True, False, False, True]
    assert out["vaccinated"].iat[1] == 0


def test_a_suppressed_population_hides_the_next_smallest_population_row():
    out = protect(_frame([0, 30, 400, 60], [5, 90, 1000, 70]))
    # Population: 5 is suppressed alone, so 70 (the next smallest) goes with all its counts.
    assert out["population_suppressed"].tolist() == [True, False, False, True]
    # Vaccinated: the hidden 0 of the first row alone is covered by the smallest positive, 30.
    assert out["vaccinated_suppressed"].tolist() == [True, True, False, True]
    assert out["population"].tolist()[1:3] == [90, 1000]


def test_two_way_breakdown_protects_rows_and_columns_of_the_table():
    # a x b table; margins over a and over b are shown elsewhere.
    frame = _frame([3, 50, 80, 200], [40, 100, 120, 300], a=["x", "x", "y", "y"], b=list("pqpq"))
    out = protect(frame, partitions=[("a",), ("b",)])
    # x/p is small -> x/q (same a) and y/p (same b) hidden -> y/q (same b as x/q) hidden.
    assert out["vaccinated_suppressed"].tolist() == [True, True, True, True]
    assert out["population_suppressed"].tolist() == [False] * 4


def test_two_way_breakdown_leaves_no_row_or_column_with_a_single_hidden_cell():
    a = ["x"] * 3 + ["y"] * 3 + ["z"] * 3
    b = ["p", "q", "r"] * 3
    vaccinated = [4, 60, 90, 70, 80, 75, 50, 65, 85]
    population = [100, 100, 120, 100, 110, 100, 90, 100, 110]
    out = protect(_frame(vaccinated, population, a=a, b=b), partitions=[("a",), ("b",)])
    assert out["vaccinated_suppressed"].sum() >= 4
    for by in ("a", "b"):
        per_group = out.groupby(by)["vaccinated_suppressed"].sum()
        assert set(per_group.tolist()) <= {0, 2, 3}, per_group


def test_protect_needs_vaccinated_and_population():
    with pytest.raises(ValueError, match="population"):
        protect(pd.DataFrame({"vaccinated": [1]}))


def test_protect_one_suppresses_a_single_small_figure():
    shown = protect_one(5, 100)
    assert shown["vaccinated_suppressed"]
    assert shown["population"] == 100
    assert pd.isna(shown["uptake_pct"])
    big = protect_one(812, 1003)
    assert big["vaccinated"] == 810
    assert big["population"] == 1005
    assert big["uptake_pct"] == 80.6  # from the shown counts 810 / 1005, not 812 / 1003


def test_rule_for_refuses_to_switch_control_off_for_a_linked_extract():
    for threshold in (0, 1):
        with pytest.raises(ValueError, match="linked extract"):
            rule_for("linked extract", threshold, 1)
    with pytest.raises(ValueError):
        rule_for("published aggregate", 0, 1)
    assert rule_for("linked extract", 10, 5) == DisclosureRule(threshold=10, rounding=5)


def test_rule_for_allows_switching_control_off_for_synthetic_data():
    rule = rule_for("synthetic", 0, 1)
    assert rule == DisclosureRule(threshold=0, rounding=1)
    assert rule.describe() == "No small-number suppression (synthetic data only)."
    out = protect(_frame([3, 1002], [40, 1003]), rule=rule)
    assert out["vaccinated"].tolist() == [3, 1002]
    assert not out["vaccinated_suppressed"].any()


@pytest.mark.parametrize(("threshold", "rounding"), [(-1, 5), (8, 0)])
def test_rule_for_rejects_impossible_settings(threshold, rounding):
    with pytest.raises(ValueError):
        rule_for("synthetic", threshold, rounding)


def test_a_higher_threshold_suppresses_more_and_changes_the_marker():
    rule = DisclosureRule(threshold=10, rounding=1)
    out = protect(_frame([9, 10], [500, 500]), rule=rule, partitions=[])
    assert out["vaccinated_suppressed"].tolist() == [True, False]
    assert to_display(out, rule)["vaccinated"].tolist() == ["<10", "10"]
    assert "counts from 1 to 9 are shown as <10" in rule.describe().lower()


def test_suppressed_and_missing_cells_render_differently():
    assert format_count(None, True) == "<8"
    assert format_count(pd.NA, False) == MISSING_TEXT
    assert format_count(12345, False) == "12,345"
    assert format_rate(float("nan"), True) == "suppressed"
    assert format_rate(float("nan"), False) == MISSING_TEXT
    assert format_rate(66.66, False) == "66.7%"
    assert MISSING_TEXT not in ("<8", "suppressed")


def test_to_display_marks_a_suppressed_rate_and_a_missing_rate_differently():
    # Row 0: a suppressed numerator. Row 1: nobody in the group, so no rate at all.
    out = to_display(protect(_frame([3, 0], [40, 0]), partitions=[]), labels={"vaccinated": "Vacc"})
    assert out["Vacc"].tolist() == ["<8", "0"]
    assert out["uptake_pct"].tolist() == ["suppressed", MISSING_TEXT]
    assert out["population"].tolist() == ["40", "0"]


def test_to_display_refuses_an_unprotected_frame():
    with pytest.raises(ValueError):
        to_display(_frame([3], [40]))


def test_default_rule_is_8_and_5():
    assert (DEFAULT_RULE.threshold, DEFAULT_RULE.rounding) == (8, 5)
    assert DEFAULT_RULE.suppressed_text == "<8"


# --- property: no small count shown, no hidden cell recoverable from the total -------------

_count = st.one_of(st.integers(0, 20), st.integers(0, 5_000))
_row = _count.flatmap(lambda population: st.tuples(st.integers(0, population), st.just(population)))


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(_row, min_size=1, max_size=8), rounding=st.sampled_from([1, 5]))
def test_protected_siblings_show_no_small_count_and_no_recoverable_hidden_cell(rows, rounding):
    rule = DisclosureRule(threshold=8, rounding=rounding)
    raw = pd.DataFrame(rows, columns=["vaccinated", "population"])
    raw["unvaccinated"] = raw["population"] - raw["vaccinated"]
    out = protect(add_uptake(raw[["vaccinated", "population"]]), rule=rule, partitions=[()])
    for column in COUNT_COLUMNS:
        visible = _visible(out, column)
        assert not visible.isna().any()
        assert not ((visible >= 1) & (visible <= 7)).any(), (column, out)
        hidden = out[f"{column}_suppressed"].to_numpy()
        if hidden.sum() == 1:
            # total - visible siblings would give the hidden cell exactly, unless every
            # other cell is 0 (then the hidden cell equals the total, which is protected too).
            others = raw.loc[~hidden, column]
            assert (others == 0).all(), (column, raw, out)
    # A rate is shown only with both its numerator and its denominator.
    shown_rate = out["uptake_pct"].notna()
    assert not (shown_rate & (out["vaccinated_suppressed"] | out["population_suppressed"])).any()


def _no_single_hidden_cell(raw, out, by):
    """Assert each group of `by` has 0 or >= 2 hidden cells per count column (or only zeros)."""
    for column in COUNT_COLUMNS:
        hidden = out[f"{column}_suppressed"]
        for index in out.groupby(by).groups.values():
            group_hidden = hidden.loc[index].to_numpy()
            if group_hidden.sum() == 1:
                others = raw.loc[index, column][~group_hidden]
                assert (others == 0).all(), (column, by, raw, out)


@settings(max_examples=50, deadline=None)
@given(
    shape=st.tuples(st.integers(2, 4), st.integers(2, 4)),
    cells=st.lists(_row, min_size=16, max_size=16),
)
def test_two_way_protection_leaves_no_row_or_column_with_one_recoverable_cell(shape, cells):
    n_a, n_b = shape
    grid = [(f"a{i}", f"b{j}") for i in range(n_a) for j in range(n_b)]
    raw = pd.DataFrame(
        [(a, b, v, p) for (a, b), (v, p) in zip(grid, cells, strict=False)],
        columns=["a", "b", "vaccinated", "population"],
    )
    raw["unvaccinated"] = raw["population"] - raw["vaccinated"]
    out = protect(
        add_uptake(raw[["a", "b", "vaccinated", "population"]]), partitions=[("a",), ("b",)]
    )
    for column in COUNT_COLUMNS:
        visible = _visible(out, column)
        assert not ((visible >= 1) & (visible <= 7)).any()
    _no_single_hidden_cell(raw, out, "a")
    _no_single_hidden_cell(raw, out, "b")


def test_cells_hidden_to_protect_a_small_one_are_marked_apart_from_small_cells():
    # Barnet-like row: 4 vaccinated of 125 -> vaccinated is small ("<8"); unvaccinated (121)
    # is hidden only because population minus it would give the 4, so it shows "*".
    frame = add_uptake(pd.DataFrame({"vaccinated": [4, 300, 410], "population": [125, 500, 600]}))
    out = protect(frame, partitions=[()])
    shown = to_display(out)
    assert shown.loc[0, "vaccinated"] == "<8"
    assert shown.loc[0, "unvaccinated"] == "*"
    # Secondary suppression in the column hides the next-smallest vaccinated (300) as "*".
    assert shown.loc[1, "vaccinated"] == "*"
    assert shown.loc[2, "vaccinated"] == "410"
