"""SQL for aggregate mode: NHS England's published uptake (table published_uptake) and MSOA boroughs.

A page is in aggregate mode when `is_aggregate(con)` (dataset_meta kind 'published aggregate').
Then only place (MSOA or borough), age band, dose and date can be chosen; person-level
characteristics do not exist in the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from phm.codes import band_range
from phm.levels import LEVELS as PLACES
from phm.levels import PUBLISHED_LEVELS

# The published level codes ("msoa", "lad") of the levels NHS England publishes.
LEVELS: dict[str, str] = {
    PLACES[key].published_code or key: PLACES[key].label for key in PUBLISHED_LEVELS
}
AGGREGATE_KIND = "published aggregate"


def is_aggregate(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when the dataset holds published aggregate figures, not person records."""
    rows = con.cursor().execute("SELECT value FROM dataset_meta WHERE key = 'kind'").fetchall()
    return bool(rows) and rows[0][0] == AGGREGATE_KIND


def sort_bands(bands: Sequence[str]) -> list[str]:
    """Return age bands youngest first ('Under 60' before '60-64' before '80+')."""
    return sorted(bands, key=lambda b: band_range(b))


def published_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Return the dates, doses and age bands present (bands youngest first, dates latest first)."""
    cur = con.cursor()
    dates = [
        r[0]
        for r in cur.execute(
            "SELECT DISTINCT as_at FROM published_uptake ORDER BY 1 DESC"
        ).fetchall()
    ]
    doses = [
        r[0]
        for r in cur.execute("SELECT DISTINCT dose FROM published_uptake ORDER BY 1").fetchall()
    ]
    bands = [r[0] for r in cur.execute("SELECT DISTINCT age_band FROM published_uptake").fetchall()]
    return {"as_at": dates, "dose": doses, "age_band": sort_bands(bands)}


# The chosen cells, each marked `exceeds` when it has more people vaccinated than its
# population; a borough's cell also when one of its MSOAs' cells does (a sum hides it).
_CELLS = (
    "WITH over_lad AS ("
    " SELECT DISTINCT b.lad_code, m.age_band, m.dose, m.as_at FROM published_uptake m"
    " JOIN (SELECT DISTINCT msoa_code, lad_code FROM lsoa) b ON b.msoa_code = m.area_code"
    " WHERE m.level = 'msoa' AND m.vaccinated > m.population),"
    " cells AS ("
    " SELECT p.*, coalesce(p.vaccinated > p.population, false)"
    " OR o.lad_code IS NOT NULL AS exceeds"
    " FROM published_uptake p LEFT JOIN over_lad o ON p.level = 'lad'"
    " AND o.lad_code = p.area_code AND o.age_band = p.age_band AND o.dose = p.dose"
    " AND o.as_at = p.as_at"
    " WHERE p.level = $level AND p.dose = $dose"
    " AND (len($bands) = 0 OR list_contains($bands, p.age_band)))"
)
# A sum over a missing cell or one above its population is missing, never a partial figure.
_SUMS = (
    " CASE WHEN count(*) = count(vaccinated) AND NOT bool_or(exceeds)"
    " THEN sum(vaccinated) END AS vaccinated,"
    " CASE WHEN count(*) = count(population) THEN sum(population) END AS population,"
    " count(*) - least(count(vaccinated), count(population)) AS missing_cells,"
    " count(*) FILTER (WHERE exceeds) AS exceeding_cells"
)


def published_uptake(
    con: duckdb.DuckDBPyConnection,
    level: str,
    dose: str,
    as_at: date,
    age_bands: Sequence[str] = (),
) -> pd.DataFrame:
    """Return vaccinated and population by area for the chosen bands (all bands when empty).

    Columns: area_code, area_name, vaccinated, population, missing_cells, exceeding_cells.
    A sum that includes a missing cell (unreadable in the published file, or no population
    for the band) is missing, never a partial total; so is vaccinated when a cell has more
    people vaccinated than its population (`exceeding_cells`, which for a borough counts its
    cells over such an MSOA cell), so no rate is made from it. Feed it to
    phm.analysis.summaries.protected_uptake like any raw frame.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {sorted(LEVELS)}, got {level!r}")
    sql = (
        _CELLS + " SELECT area_code, area_name," + _SUMS + " FROM cells WHERE as_at = $as_at"
        " GROUP BY area_code, area_name ORDER BY area_name"
    )
    params = {"level": level, "dose": dose, "as_at": as_at, "bands": list(age_bands)}
    frame = con.cursor().execute(sql, params).df()
    return frame.astype({"vaccinated": "Int64", "population": "Int64"})


def population_gaps(con: duckdb.DuckDBPyConnection, dose: str, as_at: date) -> pd.DataFrame:
    """Return, per age band of a dose and date, the MSOA cells and those without a population."""
    sql = (
        "SELECT age_band, count(*) AS cells, count(*) - count(population) AS without_population"
        " FROM published_uptake WHERE level = 'msoa' AND dose = $dose AND as_at = $as_at"
        " GROUP BY age_band ORDER BY age_band"
    )
    return con.cursor().execute(sql, {"dose": dose, "as_at": as_at}).df()


def msoa_boroughs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each MSOA of the reference geography with its borough (code and name)."""
    sql = (
        "SELECT msoa_code, any_value(lad_code) AS lad_code, any_value(lad_name) AS lad_name"
        " FROM lsoa GROUP BY msoa_code ORDER BY msoa_code"
    )
    return con.cursor().execute(sql).df()
