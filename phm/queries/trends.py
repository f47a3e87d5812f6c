"""SQL for trends: doses given to a cohort week by week, overall or by one characteristic."""

from __future__ import annotations

import duckdb
import pandas as pd

from phm.cohort import PROGRAMME_START, Cohort
from phm.disclosure import KEY_COLUMNS
from phm.queries import DIMENSIONS, _dose_column, from_clause, sort_by_dimensions


def weekly_doses(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, dimension: str | None = None
) -> pd.DataFrame:
    """Return, per group, the cohort's doses in each week (Monday start) and the group's population.

    The cohort is the one registered and alive at its as-at date; doses count up to that
    date. Columns: [dimension, dimension_label,] week, vaccinated (that week), population,
    and their record-key sums (vaccinated_key that week, population_key). Weeks with no dose are present (as 0) from the week of 8 December 2020.
    """
    if dimension is not None and dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    where, params = cohort.to_where()
    dose = _dose_column(cohort)
    dim = DIMENSIONS[dimension] if dimension else None
    code = dim.code_sql if dim else "'all'"
    name = f"any_value({dim.name_sql})" if dim and dim.name_sql else "NULL"
    sql = (
        f"SELECT {code} AS d0, {name} AS n0, "
        f"date_trunc('week', p.{dose}) AS week, count(*) AS vaccinated, "
        "sum(p.record_key) AS vaccinated_key "
        + from_clause(where, code, name)
        + f" WHERE {where} AND p.{dose} <= $as_at GROUP BY d0, week"
    )
    doses = con.cursor().execute(sql, params).df()
    pop_sql = (
        f"SELECT {code} AS d0, {name} AS n0, count(*) AS population, "
        "sum(p.record_key) AS population_key "
        + from_clause(where, code, name)
        + f" WHERE {where} GROUP BY d0"
    )
    populations = con.cursor().execute(pop_sql, params).df()
    weeks = pd.date_range(
        pd.Timestamp(PROGRAMME_START) - pd.Timedelta(days=PROGRAMME_START.weekday()),
        pd.Timestamp(cohort.as_at),
        freq="W-MON",
    )
    grid = populations.merge(pd.DataFrame({"week": weeks}), how="cross")
    doses["week"] = pd.to_datetime(doses["week"])
    out = grid.merge(
        doses[["d0", "week", "vaccinated", "vaccinated_key"]], on=["d0", "week"], how="left"
    )
    for column in ("vaccinated", "vaccinated_key", "population", "population_key"):
        out[column] = out[column].fillna(0).astype("int64")
    counts = ["vaccinated", "population", *KEY_COLUMNS]
    if dimension is None:
        return out[["week", *counts]].reset_index(drop=True)
    out[dimension] = out["d0"]
    if dim is not None and dim.name_sql:
        out[f"{dimension}_label"] = out["n0"]
    elif dim is not None and dim.labels:
        out[f"{dimension}_label"] = out["d0"].map(dim.labels).fillna(out["d0"].astype(str))
    else:
        out[f"{dimension}_label"] = out["d0"].astype(str)
    out = out[[dimension, f"{dimension}_label", "week", *counts]]
    ordered = sort_by_dimensions(out, (dimension,))
    return ordered.sort_values([dimension, "week"], kind="stable").reset_index(drop=True)
