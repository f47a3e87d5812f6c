"""Aggregate-mode queries against a small imported file, checked against pandas."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from phm.analysis.summaries import protected_uptake
from phm.disclosure import key_published, rule_for
from phm.queries import published as q


@pytest.fixture(scope="module")
def con(published_db) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(published_db), read_only=True)


def _reference(con, level, dose, bands) -> pd.DataFrame:
    rows = con.execute("SELECT * FROM published_uptake").df()
    rows = rows[(rows["level"] == level) & (rows["dose"] == dose)]
    if bands:
        rows = rows[rows["age_band"].isin(bands)]
    # A cell above its population leaves the vaccinated sum missing, as a missing cell does.
    rows = rows.assign(vaccinated=rows["vaccinated"].mask(rows["vaccinated"] > rows["population"]))
    out = rows.groupby(["area_code", "area_name"]).agg(
        vaccinated=("vaccinated", lambda s: s.sum() if s.notna().all() else pd.NA),
        population=("population", lambda s: s.sum() if s.notna().all() else pd.NA),
    )
    return out.reset_index().sort_values("area_name", ignore_index=True)


@pytest.mark.parametrize("level", ["msoa", "lad"])
@pytest.mark.parametrize("bands", [(), ("80+",), ("60-64", "80+"), ("Under 60",)])
@pytest.mark.parametrize("dose", ["1", "2"])
def test_published_uptake_matches_pandas(con, level, bands, dose) -> None:
    got = q.published_uptake(con, level, dose, date(2021, 3, 7), bands)
    expected = _reference(con, level, dose, bands)
    assert list(got["area_code"]) == list(expected["area_code"])
    assert (
        got["vaccinated"].astype("Float64").tolist()
        == expected["vaccinated"].astype("Float64").tolist()
    )
    assert (
        got["population"].astype("Float64").tolist()
        == expected["population"].astype("Float64").tolist()
    )


def test_a_missing_cell_makes_the_total_missing(con) -> None:
    got = q.published_uptake(con, "lad", "1", date(2021, 3, 7), ("80+",)).set_index("area_code")
    assert pd.isna(got.loc["E09000003", "vaccinated"])  # Hadley Wood 80+ was #VALUE!
    assert got.loc["E09000007", "vaccinated"] == 400
    assert got.loc["E09000003", "missing_cells"] == 1


def test_aggregate_mode_and_options(con) -> None:
    assert q.is_aggregate(con)
    options = q.published_options(con)
    assert options["age_band"] == ["Under 60", "60-64", "80+"]
    assert options["dose"] == ["1", "2"] and options["as_at"] == [date(2021, 3, 7)]


def test_not_aggregate_for_person_level_data(tiny_con) -> None:
    assert not q.is_aggregate(tiny_con)


def test_rows_pass_through_disclosure_control(con) -> None:
    raw = q.published_uptake(con, "msoa", "2", date(2021, 3, 7), ("Under 60",)).dropna()
    shown = protected_uptake(key_published(raw), rule_for("published aggregate", 8, 5))
    # ordered by area name (ONS names from the reference geography): 10, 5, 3
    assert shown["vaccinated_suppressed"].tolist() == [False, True, True]


def test_a_cell_above_its_population_leaves_the_area_and_its_borough_without_a_figure(
    exceeding_db,
) -> None:
    con = duckdb.connect(str(exceeding_db), read_only=True)
    when = date(2021, 3, 7)
    msoa = q.published_uptake(con, "msoa", "1", when, ("60-64",)).set_index("area_code")
    assert pd.isna(msoa.loc["E02000166", "vaccinated"])  # Camden 001: 700 of 600
    assert msoa.loc["E02000166", "population"] == 600
    assert msoa.loc["E02000166", "exceeding_cells"] == 1
    assert (
        msoa.loc["E02000024", "vaccinated"] == 577 and msoa.loc["E02000024", "exceeding_cells"] == 0
    )
    # Kept out even where the sum over bands would fit (1,600 of 8,700).
    both = q.published_uptake(con, "msoa", "1", when, ("Under 60", "60-64")).set_index("area_code")
    assert pd.isna(both.loc["E02000166", "vaccinated"])
    # Camden's borough row is NHS England's sum, but it has no figure either.
    lad = q.published_uptake(con, "lad", "1", when, ("Under 60", "60-64")).set_index("area_code")
    assert (
        pd.isna(lad.loc["E09000007", "vaccinated"]) and lad.loc["E09000007", "exceeding_cells"] == 1
    )
    stored = con.execute(
        "SELECT vaccinated FROM published_uptake WHERE level = 'lad' AND area_code = 'E09000007'"
        " AND dose = '1' AND age_band = '60-64'"
    ).fetchone()[0]
    assert stored == 700
    # Every other figure matches the pandas reference, which leaves such cells out too.
    for level in ("msoa", "lad"):
        got = q.published_uptake(con, level, "2", when, ())
        expected = _reference(con, level, "2", ())
        assert got["vaccinated"].astype("Float64").tolist() == (
            expected["vaccinated"].astype("Float64").tolist()
        )
    con.close()
