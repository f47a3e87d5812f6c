"""Completeness and sensitivity figures against an independent pandas computation."""

import numpy as np
import pandas as pd
import pytest

from phm import codes
from phm.analysis import quality
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule, protect
from phm.queries import uptake_by
from phm.queries.quality import MEASURES, completeness
from tests.query.pandas_reference import pandas_cohort

EXACT = DisclosureRule(threshold=1, rounding=1)  # synthetic data only: counts shown as they are
LEVEL_COLUMN = {"practice": "practice_code", "pcn": "pcn_code", "borough": "lad_code"}


def _recorded(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Return measure -> whether each person's record holds it, computed in pandas."""
    out = {
        "ethnicity": frame["ethnicity_code"] != "99",
        "ethnicity_gp": frame["ethnicity_source"] == "gp",
        "ethnicity_hospital": frame["ethnicity_source"] == "hospital",
        "ethnic_group_known": ~frame["ethnicity_code"].isin(["99", "Z"]),
        "language": frame["main_language"] != codes.LANGUAGE_NOT_RECORDED,
    }
    out.update({flag: frame[flag].astype(bool) for flag in codes.FLAGS})
    return out


@pytest.mark.parametrize(
    "cohort",
    [Cohort(), Cohort(age_min=18, sexes=("M",)), Cohort(ethnic_groups=("Asian or Asian British",))],
    ids=["everyone", "adult men", "one ethnic group"],
)
@pytest.mark.parametrize("level", ["ics", "practice", "pcn", "borough"])
def test_completeness_counts_match_pandas(tiny_con, people, cohort, level) -> None:
    mine = pandas_cohort(people, cohort)
    group = mine.assign(_all="ICS") if level == "ics" else mine
    key = "_all" if level == "ics" else LEVEL_COLUMN[level]
    recorded = _recorded(mine)
    assert set(recorded) == set(MEASURES)
    got = completeness(tiny_con, cohort, level)
    for measure, flags in recorded.items():
        expected = (
            group.assign(r=flags.astype(int), k=mine["record_key"].where(flags, 0))
            .groupby(key)
            .agg(recorded=("r", "sum"), population=("r", "size"), recorded_key=("k", "sum"))
        )
        rows = got[got["measure"] == measure].set_index("code").sort_index()
        assert rows.index.tolist() == sorted(str(c) for c in expected.index)
        for column in ("recorded", "population", "recorded_key"):
            assert rows[column].tolist() == expected[column].sort_index().astype(int).tolist()


def test_completeness_rates_come_from_the_counts_with_wilson_intervals(tiny_con, people) -> None:
    shown = quality.protect_completeness(completeness(tiny_con, Cohort(), "ics"), EXACT)
    row = quality.of_measure(shown, "ethnicity_gp").iloc[0]
    expected = 100 * (pandas_cohort(people, Cohort())["ethnicity_source"] == "gp").mean()
    assert row["completeness_pct"] == pytest.approx(expected, abs=0.05)
    assert row["ci_low_pct"] < row["completeness_pct"] < row["ci_high_pct"]
    # The demo reproduces the seed: about 70% GP-only, about 93.6% with linked records.
    assert quality.ics_value(shown, "ethnicity_gp") == pytest.approx(70, abs=1.5)
    assert quality.ics_value(shown, "ethnicity") == pytest.approx(93.6, abs=1.5)


def test_linkage_table_matches_pandas_by_practice(tiny_con, people) -> None:
    shown = quality.protect_completeness(completeness(tiny_con, Cohort(), "practice"), EXACT)
    table = quality.linkage_table(shown).set_index("code")
    by = pandas_cohort(people, Cohort()).groupby("practice_code")
    gp = 100 * by["ethnicity_source"].apply(lambda s: (s == "gp").mean())
    linked = 100 * by["ethnicity_code"].apply(lambda s: (s != "99").mean())
    added = by["ethnicity_source"].apply(lambda s: int((s == "hospital").sum()))
    for code in table.index:
        assert table.at[code, "gp_pct"] == pytest.approx(gp[code], abs=0.05)
        assert table.at[code, "linked_pct"] == pytest.approx(linked[code], abs=0.05)
        assert int(table.at[code, "added"]) == added[code]
    assert table["gp_pct"].is_monotonic_increasing


def test_sensitivity_matches_pandas_on_the_demo(tiny_con, people) -> None:
    cohort = Cohort(age_min=18)
    groups = protect(uptake_by(tiny_con, cohort, ("ethnic_group",)), EXACT)
    got = quality.sensitivity(groups, "ethnic_group")
    mine = pandas_cohort(people, cohort)
    vaccinated = mine["first_dose_date"].notna() & (
        mine["first_dose_date"] <= pd.Timestamp(cohort.as_at)
    )
    unknown = mine["ethnicity_code"].isin(["Z", "99"])
    v_u, n_u = int(vaccinated[unknown].sum()), int(unknown.sum())
    known = mine[~unknown].assign(v=vaccinated[~unknown]).groupby("ethnic_group")["v"]
    v, n = known.sum().astype(float), known.size().astype(float)
    low, high = (v / n).idxmin(), (v / n).idxmax()
    expected = {
        "recorded": 100 * v / n,
        "lowest": 100 * (v + v_u * (v.index == low)) / (n + n_u * (v.index == low)),
        "highest": 100 * (v + v_u * (v.index == high)) / (n + n_u * (v.index == high)),
        "proportional": 100 * (v + v_u * n / n.sum()) / (n + n_u * n / n.sum()),
    }
    for scenario, uptake in expected.items():
        rows = got[got["scenario"] == scenario].set_index("group")
        np.testing.assert_allclose(rows.loc[uptake.index, "uptake_pct"], uptake, atol=1e-9)
        np.testing.assert_allclose(
            rows.loc[uptake.index, "gap_pts"], uptake - uptake[high], atol=1e-9
        )


class _CursorsOnly:
    """A connection the app's threads share: its own execute is refused (use a cursor)."""

    def __init__(self, con) -> None:
        self._con = con

    def cursor(self):
        return self._con.cursor()

    def execute(self, *args, **kwargs):
        raise AssertionError("shared connection used directly: threads must use con.cursor()")


@pytest.mark.parametrize("level", ["ics", "msoa"])
def test_completeness_of_chosen_measures_is_their_rows_of_all(tiny_con, level) -> None:
    cohort = Cohort(age_min=18)
    everything = completeness(tiny_con, cohort, level)
    chosen = quality.CAVEAT_MEASURES
    part = completeness(_CursorsOnly(tiny_con), cohort, level, chosen)
    assert set(part["measure"]) == set(chosen)
    expected = everything[everything["measure"].isin(chosen)]
    order = ["measure", "code"]
    pd.testing.assert_frame_equal(
        part.sort_values(order).reset_index(drop=True),
        expected.sort_values(order).reset_index(drop=True),
    )
    for one in ("language", "has_diabetes"):  # measures with and without bound values
        assert set(completeness(tiny_con, cohort, level, (one,))["measure"]) == {one}


def test_completeness_refuses_unknown_measures(tiny_con) -> None:
    with pytest.raises(ValueError, match="unknown measure"):
        completeness(tiny_con, Cohort(), "ics", ("ethnicity", "shoe_size"))
    with pytest.raises(ValueError, match="unknown measure"):
        completeness(tiny_con, Cohort(), "ics", ())
