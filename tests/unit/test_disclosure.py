"""The cell key method with small-number suppression (phm.disclosure)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phm.disclosure import (
    DEFAULT_RULE,
    KEY_RANGE,
    MISSING_TEXT,
    DisclosureRule,
    breakdown_allowed,
    breakdown_allowed_rows,
    cell_keys,
    format_count,
    format_rate,
    key_published,
    perturb,
    perturbation_table,
    protect,
    rule_for,
    to_display,
)
from phm.stats import wilson_interval
from tests.record_keys import with_keys

NO_ROUNDING = DisclosureRule(threshold=8, rounding=1)
ALL_KEYS = np.arange(KEY_RANGE)


def _frame(vaccinated, population, seed=0, **extra):
    return with_keys(
        pd.DataFrame({**extra, "vaccinated": vaccinated, "population": population}), seed
    )


def _keyed(vaccinated, population, vaccinated_key, population_key):
    return pd.DataFrame(
        {
            "vaccinated": vaccinated,
            "population": population,
            "vaccinated_key": vaccinated_key,
            "population_key": population_key,
        }
    )


@pytest.mark.parametrize("small", [1, 2, 3, 4, 5, 6, 7])
def test_counts_from_1_to_7_are_suppressed_and_shown_as_less_than_8(small):
    out = protect(_frame([small], [500]))
    assert bool(out["vaccinated_suppressed"].iat[0])
    assert pd.isna(out["vaccinated"].iat[0])
    assert to_display(out)["vaccinated"].iat[0] == "<8"


def test_8_is_the_smallest_count_shown_and_never_shown_below_10_when_rounding():
    assert protect(_frame([8], [500]), rule=NO_ROUNDING)["vaccinated"].iat[0] == 8
    shown = perturb(np.full(KEY_RANGE, 8), ALL_KEYS, DEFAULT_RULE)
    assert set(shown) == {10}
    assert set(perturb(np.full(KEY_RANGE, 9), ALL_KEYS, DEFAULT_RULE)) == {10}


def test_zero_is_shown_as_zero_whatever_the_key():
    assert set(perturb(np.zeros(KEY_RANGE, dtype=int), ALL_KEYS, DEFAULT_RULE)) == {0}
    out = protect(_frame([0], [500]))
    assert out["vaccinated"].iat[0] == 0
    assert not out["vaccinated_suppressed"].iat[0]
    assert out["uptake_pct"].iat[0] == 0.0
    assert to_display(out)["vaccinated"].iat[0] == "0"


@pytest.mark.parametrize("count", [10, 11, 12, 13, 14, 40, 1002, 1003, 123_457])
def test_counts_round_to_a_neighbouring_multiple_of_5_unbiased_over_cell_keys(count):
    shown = perturb(np.full(KEY_RANGE, count), ALL_KEYS, DEFAULT_RULE)
    below = count - count % 5
    assert set(shown) <= {below, below + 5}
    assert (shown % 5 == 0).all()
    # Over the 256 cell keys the mean shown value is the count (to within one key's share).
    assert abs(shown.mean() - count) <= 5 / KEY_RANGE


def test_the_same_people_get_the_same_figure_and_a_different_set_an_independent_one():
    a = protect(_keyed([812], [1003], [9_000], [130_001]))
    again = protect(_keyed([812], [1003], [9_000], [130_001]))
    pd.testing.assert_frame_equal(a, again)
    # Sets of the same size but with other keys are rounded both ways over the keys.
    shown = {int(protect(_keyed([812], [1003], [k], [k]))["vaccinated"].iat[0]) for k in range(256)}
    assert shown == {810, 815}


def test_cell_keys_are_key_sums_modulo_256():
    assert cell_keys(np.array([0, 255, 256, 1000])).tolist() == [0, 255, 0, 1000 % 256]


def test_unvaccinated_is_derived_from_the_two_shown_counts():
    for seed in range(30):
        out = protect(_frame([812, 40, 9_999], [1003, 77, 12_345], seed=seed))
        assert (out["unvaccinated"] == out["population"] - out["vaccinated"]).all()


def test_rates_and_intervals_come_from_the_shown_counts():
    out = protect(_frame([812, 31], [1003, 77]))
    v = out["vaccinated"].astype(float)
    n = out["population"].astype(float)
    assert out["uptake_pct"].tolist() == pytest.approx((100 * v / n).round(1).tolist())
    low, high = wilson_interval(v.to_numpy(), n.to_numpy())
    assert out["ci_low_pct"].tolist() == pytest.approx(np.round(100 * low, 1).tolist())
    assert out["ci_high_pct"].tolist() == pytest.approx(np.round(100 * high, 1).tolist())


def test_rate_and_both_counts_are_hidden_when_vaccinated_or_unvaccinated_is_small():
    out = protect(_frame([3, 95], [100, 100]))
    assert out["vaccinated_suppressed"].tolist() == [True, True]
    assert out["unvaccinated_suppressed"].tolist() == [True, True]
    assert out["uptake_pct"].isna().all()
    assert not out["population_suppressed"].any()


def test_rate_and_every_count_are_hidden_when_the_population_is_small():
    out = protect(_frame([3], [5]))
    assert (
        out[["vaccinated_suppressed", "population_suppressed", "uptake_suppressed"]].iloc[0].all()
    )
    assert to_display(out)["population"].iat[0] == "<8"


def test_no_secondary_cell_is_hidden_and_key_sums_never_leave_protect():
    out = protect(_frame([3, 400, 500], [100, 1000, 1000]))
    assert out["vaccinated_suppressed"].tolist() == [True, False, False]
    assert not any(c.endswith("_key") or c.endswith("_protecting") for c in out.columns)


def test_protect_needs_counts_and_their_key_sums():
    with pytest.raises(ValueError, match="population"):
        protect(pd.DataFrame({"vaccinated": [1]}))
    with pytest.raises(ValueError, match="key"):
        protect(pd.DataFrame({"vaccinated": [1], "population": [2]}))


def test_published_counts_go_through_the_same_table_keyed_by_themselves():
    published = pd.DataFrame({"vaccinated": [812, 3], "population": [1003, 50]})
    out = protect(key_published(published))
    assert out["vaccinated"].iat[0] in (810, 815)
    assert bool(out["vaccinated_suppressed"].iat[1])


def test_perturbation_table_has_ons_layout_and_suppresses_small_counts():
    table = perturbation_table()
    assert list(table.columns) == ["pcv", "ckey", "pvalue"]
    assert len(table) == 750 * 256
    assert table.loc[table["pcv"] < 8, "pvalue"].isna().all()
    big = table[table["pcv"] >= 10]
    assert big["pvalue"].between(-4, 4).all()
    assert ((big["pcv"] + big["pvalue"]) % 5 == 0).all()


def test_rule_for_refuses_to_weaken_control_for_a_linked_extract():
    for threshold, rounding in ((0, 5), (1, 5), (8, 1), (8, 3)):
        with pytest.raises(ValueError, match="linked extract"):
            rule_for("linked extract", threshold, rounding)
    with pytest.raises(ValueError):
        rule_for("published aggregate", 0, 1)
    assert rule_for("linked extract", 10, 5) == DisclosureRule(threshold=10, rounding=5)


def test_rule_for_allows_switching_control_off_for_synthetic_data():
    rule = rule_for("synthetic", 0, 1)
    assert rule == DisclosureRule(threshold=0, rounding=1)
    assert rule.describe().startswith("No disclosure control (synthetic data only)")
    out = protect(_frame([3, 1002], [40, 1003]), rule=rule)
    assert out["vaccinated"].tolist() == [3, 1002]
    assert not out["vaccinated_suppressed"].any()


@pytest.mark.parametrize(("threshold", "rounding"), [(-1, 5), (8, 0)])
def test_rule_for_rejects_impossible_settings(threshold, rounding):
    with pytest.raises(ValueError):
        rule_for("synthetic", threshold, rounding)


def test_a_higher_threshold_suppresses_more_and_changes_the_marker():
    rule = DisclosureRule(threshold=10, rounding=1)
    out = protect(_frame([9, 10], [500, 500]), rule=rule)
    assert out["vaccinated_suppressed"].tolist() == [True, False]
    assert to_display(out, rule)["vaccinated"].tolist() == ["<10", "10"]
    assert "counts from 1 to 9 are shown as <10" in rule.describe().lower()


def test_the_rule_is_described_in_plain_words():
    words = DEFAULT_RULE.describe()
    assert "<8" in words and "cell key" in words and "same figure" in words


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
    out = to_display(protect(_frame([3, 0], [40, 0])), labels={"vaccinated": "Vacc"})
    assert out["Vacc"].tolist() == ["<8", "0"]
    assert out["uptake_pct"].tolist() == ["suppressed", MISSING_TEXT]
    assert out["population"].tolist() == ["40", "0"]


def test_to_display_refuses_an_unprotected_frame():
    with pytest.raises(ValueError):
        to_display(_frame([3], [40]))


def test_default_rule_is_8_and_5():
    assert (DEFAULT_RULE.threshold, DEFAULT_RULE.rounding) == (8, 5)
    assert DEFAULT_RULE.suppressed_text == "<8"


# --- properties -----------------------------------------------------------------------------

_count = st.one_of(st.integers(0, 20), st.integers(0, 5_000))
_row = _count.flatmap(lambda population: st.tuples(st.integers(0, population), st.just(population)))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(_row, min_size=1, max_size=8),
    rounding=st.sampled_from([1, 5, 10]),
    seed=st.integers(0, 10_000),
)
def test_no_small_count_is_shown_and_every_shown_count_is_within_the_base(rows, rounding, seed):
    rule = DisclosureRule(threshold=8, rounding=rounding)
    frame = _frame([v for v, _ in rows], [n for _, n in rows], seed=seed)
    out = protect(frame, rule)
    for column, true in (
        ("vaccinated", frame["vaccinated"]),
        ("population", frame["population"]),
    ):
        shown = out.loc[~out[f"{column}_suppressed"], column].astype(int)
        assert ((shown == 0) | (shown >= 8)).all()
        assert (shown % rule.rounding == 0).all()
        assert ((shown - true[shown.index]).abs() < rule.rounding).all()
        assert ((shown == 0) == (true[shown.index] == 0)).all()
    visible = ~out["uptake_suppressed"]
    assert (out.loc[visible, "unvaccinated"] >= 0).all()
    assert (out.loc[visible, "vaccinated"] <= out.loc[visible, "population"]).all()


def test_a_group_is_broken_down_only_when_50_or_more_people_are_shown():
    shown = protect(_frame([20, 30, 3], [45, 55, 5]))
    assert [breakdown_allowed(row, DEFAULT_RULE) for _, row in shown.iterrows()] == [
        shown["population"].iat[0] >= 50,
        True,
        False,  # a suppressed population is never broken down
    ]
    off = DisclosureRule(threshold=0, rounding=1)
    assert breakdown_allowed(protect(_frame([1], [1]), off).iloc[0], off)


@pytest.mark.parametrize("rule", [DEFAULT_RULE, NO_ROUNDING, DisclosureRule(0, 1)])
def test_breakdown_allowed_rows_is_breakdown_allowed_of_each_row(rule):
    shown = protect(_frame([20, 30, 3, 0, 40, 0], [45, 55, 5, 0, 50, 52]), rule)
    expected = [breakdown_allowed(row, rule) for _, row in shown.iterrows()]
    assert breakdown_allowed_rows(shown, rule).tolist() == expected
    assert breakdown_allowed_rows(shown.iloc[0:0], rule).tolist() == []
