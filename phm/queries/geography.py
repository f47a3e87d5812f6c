"""SQL for maps and outreach: area boundaries, vaccination sites, and flag breakdowns of a cohort."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from phm import codes
from phm.cohort import Cohort
from phm.queries import _dose_column, from_clause


def lsoa_boundaries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every LSOA with its MSOA and borough, centroid and WKB boundary."""
    sql = (
        "SELECT lsoa_code, lsoa_name, msoa_code, msoa_name, lad_code, lad_name,"
        " centroid_lon, centroid_lat, geometry FROM lsoa ORDER BY lsoa_code"
    )
    return con.cursor().execute(sql).df()


def open_sites(con: duckdb.DuckDBPyConnection, as_at: date) -> pd.DataFrame:
    """Return the vaccination sites open on a date, with delivery model, postcode and location."""
    sql = (
        "SELECT site_id, site_name, delivery_model, postcode, lon, lat FROM site"
        " WHERE opened <= $as_at AND (closed IS NULL OR closed >= $as_at)"
        " ORDER BY delivery_model, site_name"
    )
    return con.cursor().execute(sql, {"as_at": as_at}).df()


def flag_uptake(con: duckdb.DuckDBPyConnection, cohort: Cohort) -> pd.DataFrame:
    """Return, for each clinical or social flag, vaccinated and population among those with it.

    Columns: flag, flag_label, vaccinated, population and their record-key sums (flags with
    nobody are left out).
    """
    where, params = cohort.to_where()
    dose_date = _dose_column(cohort)
    selects = []
    for i, flag in enumerate(codes.FLAGS):  # flag names from the fixed code list
        vaccinated = f"p.{flag} AND p.{dose_date} <= $as_at"
        selects.append(f"count(*) FILTER (WHERE p.{flag}) AS pop{i}")
        selects.append(f"count(*) FILTER (WHERE {vaccinated}) AS vac{i}")
        selects.append(f"coalesce(sum(p.record_key) FILTER (WHERE p.{flag}), 0) AS popkey{i}")
        selects.append(f"coalesce(sum(p.record_key) FILTER (WHERE {vaccinated}), 0) AS vackey{i}")
    sql = "SELECT " + ", ".join(selects) + " " + from_clause(where) + " WHERE " + where
    row = con.cursor().execute(sql, params).fetchone()
    assert row is not None
    n = len(codes.FLAGS)
    frame = pd.DataFrame(
        {
            "flag": list(codes.FLAGS),
            "flag_label": list(codes.FLAGS.values()),
            "vaccinated": [int(row[4 * i + 1]) for i in range(n)],
            "population": [int(row[4 * i]) for i in range(n)],
            "vaccinated_key": [int(row[4 * i + 3]) for i in range(n)],
            "population_key": [int(row[4 * i + 2]) for i in range(n)],
        }
    )
    return frame[frame["population"] > 0].reset_index(drop=True)
