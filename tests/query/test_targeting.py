"""The targeting finder against a brute-force pandas scan of the tiny demo database."""

from datetime import date
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phm import codes
from phm.analysis import targeting
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.queries import targeting as sql
from phm.stats import wilson_interval
from tests.query.pandas_reference import DOSE_COLUMN, cohorts, pandas_cohort

PLACE_COLUMNS = {"msoa": "msoa_code", "borough": "lad_code", "pcn": "pcn_code"}
# Written out here rather than taken from phm.analysis.targeting: the groups the issue asks for.
GROUP_COLUMNS = ["ethnicity_code", "ethnic_group", "main_language", "age_band", "imd_quintile"]


EXACT = DisclosureRule(threshold=8, rounding=1)  # shown figures are the exact ones


def brute_force(people, cohort, level, min_size, columns=GROUP_COLUMNS, flags=True):
    """Return every finding as a set of tuples, by grouping the cohort in pandas once per group."""
    frame = pandas_cohort(people, cohort)
    frame["done"] = frame[DOSE_COLUMN[cohort.dose]] <= pd.Timestamp(cohort.as_at)
    if frame.empty:
        return set(), 0.0
    rate = frame["done"].mean()
    place = PLACE_COLUMNS[level]
    found = set()

    def collect(subset, by, labels, fixed=()):
        grouped = subset.groupby([place, *by])["done"].agg(["sum", "size"]).reset_index()
        for row in grouped.itertuples(index=False):
            values = list(fixed) + list(row[1 : 1 + len(by)])
            v, n = int(row[-2]), int(row[-1])
            if n < min_size or float(wilson_interval(v, n)[1]) >= rate:
                continue
            second = labels[1] if len(labels) > 1 else None
            found.add(
                (
                    row[0],
                    labels[0],
                    _plain(values[0]),
                    second,
                    _plain(values[1]) if second else None,
                    v,
                    n,
                )
            )

    for column in columns:
        collect(frame, [column], [column])
    for a, b in combinations(columns, 2):
        if {a, b} != {"ethnicity_code", "ethnic_group"}:
            collect(frame, [a, b], [a, b])
    flag_names = list(codes.FLAGS) if flags else []
    for i, flag in enumerate(flag_names):
        with_flag = frame[frame[flag]]
        collect(with_flag, [], [flag], [True])
        for column in columns:
            collect(with_flag, [column], [flag, column], [True])
        for other in flag_names[i + 1 :]:
            collect(with_flag[with_flag[other]], [], [flag, other], [True, True])
    return found, rate


def _plain(value):
    """Return a numpy scalar as the matching Python value, and a missing value as None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def finder_cells(con, cohort, level, min_size, columns=GROUP_COLUMNS, flags=True):
    """Return the finder's scan (before ranking) as the same set of tuples."""
    languages = sql.language_list(con)
    raw = sql.member_codes(con, cohort, languages)
    members = targeting.build_members(
        raw, sql.lsoa_lookup(con), sql.practice_lookup(con), languages, level
    )
    if members.size == 0:
        return set()
    rate = members.vaccinated.mean()
    scanned = targeting.scan(members, min_size, rate, columns, flags)
    return {
        (
            r.place_code,
            r.first,
            _plain(r.first_value),
            _plain(r.second),
            _plain(r.second_value),
            int(r.vaccinated),
            int(r.population),
        )
        for r in scanned.itertuples(index=False)
    }


@pytest.mark.parametrize("sparse_cells", [0, 10**9], ids=["counted-over-key-space", "sorted"])
@pytest.mark.parametrize("level", ["msoa", "borough", "pcn"])
def test_scan_finds_exactly_the_groups_a_brute_force_scan_finds(
    tiny_con, people, level, sparse_cells, monkeypatch
):
    # Both ways of collapsing members into cells (a full cohort's, a narrow one's) find the same.
    monkeypatch.setattr(targeting, "SPARSE_CELLS", sparse_cells)
    cohort = Cohort(age_min=18)
    expected, _ = brute_force(people, cohort, level, 20)
    assert len(expected) > 20  # the tiny database has real findings at every level
    assert finder_cells(tiny_con, cohort, level, 20) == expected


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_scan_matches_brute_force_for_random_cohorts_and_choices(data, tiny_con, people, options):
    cohort = data.draw(cohorts(options), label="cohort")
    level = data.draw(st.sampled_from(sorted(PLACE_COLUMNS)), label="level")
    columns = data.draw(
        st.lists(st.sampled_from(GROUP_COLUMNS), unique=True, max_size=5), label="columns"
    )
    columns = [c for c in GROUP_COLUMNS if c in columns]
    flags = data.draw(st.booleans(), label="flags")
    min_size = data.draw(st.sampled_from([5, 20, 60]), label="min_size")
    expected, _ = brute_force(people, cohort, level, min_size, columns, flags)
    assert finder_cells(tiny_con, cohort, level, min_size, columns, flags) == expected


@pytest.mark.parametrize("members", [50, 5000])
def test_cells_of_numbers_distinct_keys_in_order_either_way(members, monkeypatch):
    key = np.random.default_rng(members).integers(0, 3000, members)
    for sparse_cells in (0, 10**9):
        monkeypatch.setattr(targeting, "SPARSE_CELLS", sparse_cells)
        distinct, position = targeting._cells_of(key, 3000)
        np.testing.assert_array_equal(distinct, np.unique(key))
        np.testing.assert_array_equal(distinct[position], key)


def test_find_targets_ranks_by_excess_unvaccinated_and_keeps_the_top(tiny_con, people):
    cohort = Cohort(age_min=18)
    ranked, overall = targeting.find_targets(tiny_con, cohort, "borough", 20, top=10, rule=EXACT)
    reference = pandas_cohort(people, cohort)
    done = int((reference["first_dose_date"] <= pd.Timestamp(cohort.as_at)).sum())
    assert (overall["population"], overall["vaccinated"]) == (len(reference), done)
    # The benchmark is the cohort's uptake as shown (one decimal place), as on the page.
    rate = float(overall["uptake_pct"]) / 100
    assert rate == pytest.approx(done / len(reference), abs=0.0005)
    expected, _ = brute_force(people, cohort, "borough", 20)
    cells = [(v, n) for *_, v, n in expected]
    cells = [(v, n) for v, n in cells if wilson_interval(v, n)[1] < rate]
    excess = sorted((n * rate - v for v, n in cells), reverse=True)
    assert len(ranked) == 10
    assert ranked["excess_unvaccinated"].is_monotonic_decreasing
    assert ranked["excess_unvaccinated"].iloc[0] == pytest.approx(excess[0])
    low, high = wilson_interval(ranked["vaccinated"], ranked["population"])
    assert (high < rate).all()


def test_an_empty_cohort_has_no_findings(tiny_con):
    ranked, overall = targeting.find_targets(
        tiny_con, Cohort(as_at=date(2020, 12, 8), age_min=120), "msoa", 20
    )
    assert len(ranked) == 0
    assert overall["population"] == 0


def test_a_finding_opens_as_a_cohort_with_exactly_its_people(tiny_con, people):
    base = Cohort(age_min=18)
    ranked, _ = targeting.find_targets(tiny_con, base, "msoa", 20, top=5, rule=EXACT)
    for _, row in ranked.iterrows():
        cohort = targeting.finding_cohort(
            base, "msoa", row["place_code"], targeting.conditions_of(row)
        )
        frame = pandas_cohort(people, cohort)
        assert len(frame) == row["population"]
        assert (
            int((frame["first_dose_date"] <= pd.Timestamp(cohort.as_at)).sum()) == row["vaccinated"]
        )


def test_communities_leave_out_groups_that_are_most_of_their_place_and_cap_each_place(
    tiny_con, people
):
    base = Cohort(age_min=18)
    found = targeting.scan_cohort(tiny_con, base, "msoa", 20, rule=EXACT)
    everything = targeting.rank(found.candidates, found.overall_rate, EXACT, 20, top=500)
    communities = targeting.rank(
        found.candidates,
        found.overall_rate,
        EXACT,
        20,
        top=500,
        place_totals=found.place_totals,
        max_share_of_place=0.5,
        per_place=2,
    )
    adults = pandas_cohort(people, base)
    in_place = adults.groupby("msoa_code").size()
    share = everything["population"] / everything["place_code"].map(in_place)
    assert (share > 0.5).any(), "the tiny demo should have area-like findings to leave out"
    assert (communities["population"] / communities["place_code"].map(in_place) <= 0.5).all()
    assert communities.groupby("place_code").size().max() <= 2
    assert len(communities) > 0


def test_lowest_uptake_order_and_a_filtered_scan_match_a_scan_of_the_subset(tiny_con):
    base = Cohort(age_min=18)
    found = targeting.scan_cohort(tiny_con, base, "msoa", 20, rule=EXACT)
    lowest = targeting.rank(found.candidates, found.overall_rate, EXACT, 20, order="uptake")
    assert lowest["uptake_pct"].is_monotonic_increasing
    with pytest.raises(ValueError, match="order"):
        targeting.rank(found.candidates, found.overall_rate, EXACT, order="random")
    # Ranking the scan of everything, filtered to languages, equals scanning languages alone.
    filtered = targeting.rank(
        found.candidates, found.overall_rate, EXACT, 20, 50, ("main_language",), False
    )
    languages = sql.language_list(tiny_con)
    members = targeting.build_members(
        sql.member_codes(tiny_con, base, languages),
        sql.lsoa_lookup(tiny_con),
        sql.practice_lookup(tiny_con),
        languages,
        "msoa",
    )
    alone = targeting.scan(members, 20, found.overall_rate, ("main_language",), False)
    expected = targeting.rank(alone, found.overall_rate, EXACT, 20, 50)
    columns = ["place_code", "first", "first_value", "vaccinated", "population"]
    assert filtered[columns].astype(str).values.tolist() == (
        expected[columns].astype(str).values.tolist()
    )
    assert len(filtered) > 0
