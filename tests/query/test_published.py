"""Aggregate-mode queries against a small imported file, checked against pandas."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from phm import geo
from phm.disclosure import rule_for
from phm.ingest.published import import_published
from phm.queries import published as q
from phm.summaries import protected_uptake

REF = geo.REFERENCE_ROOT / "north-central-london"
WEEK = (
    ",LTLA Code,LTLA Name,MSOA Code,MSOA Name,1st dose Under 60,1st dose 60-64,1st dose 80+,"
    "2nd dose Under 60,2nd dose 60-64,2nd dose 80+\n"
    ',E09000003,Barnet,E02000024,High Barnet," 1,499 ",577,583,10,20,30\n'
    ",E09000003,Barnet,E02000025,Hadley Wood,1152,397,#VALUE!,5,6,7\n"
    ",E09000007,Camden,E02000166,Hampstead Town,900,300,400,3,4,5\n"
)
NIMS = (
    "MSOA Code,MSOA Name,Under 18,18-59,60-64,65-79,80+,16+\n"
    "E02000024,A,2000,9000,724,1500,606,11900\n"
    "E02000025,B,1700,7000,515,900,375,8900\n"
    "E02000166,C,1000,8000,600,1200,500,10400\n"
)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    folder = tmp_path_factory.mktemp("pub")
    (folder / "week.csv").write_text(WEEK)
    (folder / "nims.csv").write_text(NIMS)
    out = folder / "pub.duckdb"
    import_published([folder / "week.csv", folder / "nims.csv"], out, REF, as_at=date(2021, 3, 7))
    return duckdb.connect(str(out), read_only=True)


def _reference(con, level, dose, bands) -> pd.DataFrame:
    rows = con.execute("SELECT * FROM published_uptake").df()
    rows = rows[(rows["level"] == level) & (rows["dose"] == dose)]
    if bands:
        rows = rows[rows["age_band"].isin(bands)]
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
    shown = protected_uptake(raw, rule_for("published aggregate", 8, 5))
    # ordered by area name (ONS names from the reference geography): 10, 5, 3
    assert shown["vaccinated_suppressed"].tolist() == [False, True, True]


def test_trend_and_dissolved_msoas(con) -> None:
    trend = q.published_trend(con, "lad", "1", ("60-64",))
    assert trend["vaccinated"].tolist() == [577 + 397, 300]  # Barnet, Camden
    areas = q.msoa_areas(con)
    assert areas["msoa_code"].is_unique and len(areas) > 100
    assert areas["geometry"].map(len).min() > 0
