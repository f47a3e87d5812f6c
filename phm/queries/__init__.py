"""Every SQL statement of the app: each takes a Cohort, binds values as parameters, returns a frame."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from phm import codes
from phm.cohort import AGE_SQL, FIELDS, Cohort, Field, age_sql
from phm.disclosure import KEY_COLUMNS
from phm.levels import LEVELS
from phm.schema import DOSE_DATE_COLUMNS

BASE_FROM = (
    "FROM person p JOIN lsoa l ON l.lsoa_code = p.lsoa_code "
    "JOIN practice pr ON pr.practice_code = p.practice_code"
)
_USES_LSOA = re.compile(r"\bl\.")
_USES_PRACTICE = re.compile(r"\bpr\.")


def from_clause(*fragments: str) -> str:
    """Return FROM person p, joined to lsoa l and practice pr only where the SQL uses them.

    Every person's LSOA and practice exist (phm check and ingest enforce it), so the
    inner joins drop no one; skipping an unused one saves a hash join of every person.
    """
    text = " ".join(fragments)
    sql = "FROM person p"
    if _USES_LSOA.search(text):
        sql += " JOIN lsoa l ON l.lsoa_code = p.lsoa_code"
    if _USES_PRACTICE.search(text):
        sql += " JOIN practice pr ON pr.practice_code = p.practice_code"
    return sql


@dataclass(frozen=True)
class Dimension:
    """A characteristic to break uptake down by: SQL for its code and, for places, its name."""

    label: str
    code_sql: str
    name_sql: str | None = None
    labels: dict | None = None  # code -> label for fixed code lists, in display order
    # Derived codes (age band, broad group, quintile) are counted by the stored column they
    # come from, then mapped: mapping a few hundred groups is cheaper than every person.
    stored_sql: str | None = None
    derive: Callable[[str], str] | None = None


def _dimension_of(f: Field) -> Dimension:
    """Return the breakdown of a cohort field (places with their names)."""
    name_sql = LEVELS[f.dimension].name_sql if f.place else None
    labels = dict(f.values) if f.values is not None else None
    return Dimension(f.dimension_label, f.sql, name_sql, labels, f.stored_sql, f.derive)


# Every cohort field is a breakdown too; age in years, the count of at-risk conditions and
# each flag are breakdowns only.
DIMENSIONS: dict[str, Dimension] = {
    FIELDS[0].dimension: _dimension_of(FIELDS[0]),  # age band, then age in years beside it
    "age": Dimension("Age (years)", AGE_SQL, stored_sql="p.birth_date", derive=age_sql),
    **{f.dimension: _dimension_of(f) for f in FIELDS[1:]},
    "ltc_count": Dimension(
        "At-risk conditions", "least(p.ltc_count, 3)", labels=codes.LTC_COUNT_LABELS
    ),
    **{
        flag: Dimension(label, f"p.{flag}", labels={True: "Yes", False: "No"})
        for flag, label in codes.FLAGS.items()
    },
}


def _dose_column(cohort: Cohort) -> str:
    """Return the person column holding the date of the cohort's dose (from a fixed map)."""
    return DOSE_DATE_COLUMNS[cohort.dose]


def uptake_by(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, dimensions: Sequence[str] = ()
) -> pd.DataFrame:
    """Return vaccinated and population of the cohort, broken down by up to two dimensions.

    Columns: for each dimension its code (named as the dimension) and `<dimension>_label`,
    then vaccinated, population and their record-key sums (vaccinated_key, population_key)
    for phm.disclosure. Only combinations with residents appear.
    """
    if len(dimensions) > 2 or len(set(dimensions)) != len(dimensions):
        raise ValueError("break uptake down by at most two different dimensions")
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension(s) {unknown}; choose from {sorted(DIMENSIONS)}")
    where, params = cohort.to_where()
    dims = [DIMENSIONS[name] for name in dimensions]
    selects, groups = [], []
    for i, dim in enumerate(dims):
        selects.append(f"{dim.stored_sql if dim.derive else dim.code_sql} AS d{i}")
        groups.append(f"d{i}")
        if dim.name_sql:
            selects.append(f"any_value({dim.name_sql}) AS n{i}")
    dose_date = _dose_column(cohort)
    sql = (
        "SELECT "
        + "".join(s + ", " for s in selects)
        + f"count(*) FILTER (WHERE p.{dose_date} <= $as_at) AS vaccinated, count(*) AS population, "
        + f"coalesce(sum(p.record_key) FILTER (WHERE p.{dose_date} <= $as_at), 0) AS vaccinated_key, "
        + "coalesce(sum(p.record_key), 0) AS population_key "
        + from_clause(where, *selects)
        + " WHERE "
        + where
        + (" GROUP BY " + ", ".join(groups) if groups else "")
    )
    if any(dim.derive for dim in dims):
        outer = [
            f"{dim.derive(f'd{i}') if dim.derive else f'd{i}'} AS d{i}"
            for i, dim in enumerate(dims)
        ]
        outer += [f"any_value(n{i}) AS n{i}" for i, dim in enumerate(dims) if dim.name_sql]
        sql = (
            "SELECT "
            + "".join(s + ", " for s in outer)
            + "sum(vaccinated)::BIGINT AS vaccinated, sum(population)::BIGINT AS population, "
            + "sum(vaccinated_key) AS vaccinated_key, sum(population_key) AS population_key"
            + f" FROM ({sql}) GROUP BY ALL"
        )
    # Results are small (at most a few thousand groups): plain numpy arrays and one frame
    # built at the end cost less than a chain of pandas operations.
    result = con.cursor().execute(sql, params).fetchnumpy()
    columns: dict[str, np.ndarray] = {}
    keys = []
    for i, (name, dim) in enumerate(zip(dimensions, dims, strict=True)):
        code = np.asarray(result[f"d{i}"])
        columns[name] = code
        if dim.name_sql:
            columns[f"{name}_label"] = np.asarray(result[f"n{i}"], dtype=object)
        elif dim.labels:
            columns[f"{name}_label"] = np.array(
                [dim.labels.get(c, str(c)) for c in code.tolist()], dtype=object
            )
        else:
            columns[f"{name}_label"] = code.astype(str).astype(object)
        keys.append(_natural_key(name, code, columns[f"{name}_label"]))
    columns["vaccinated"] = np.asarray(result["vaccinated"], dtype="int64")
    columns["population"] = np.asarray(result["population"], dtype="int64")
    for key in KEY_COLUMNS:  # record-key sums, for phm.disclosure only (cell keys = sum mod 256)
        columns[key] = np.asarray(result[key], dtype="int64")
    if keys:
        order = np.lexsort(keys[::-1])  # lexsort sorts by its last key first
        columns = {name: values[order] for name, values in columns.items()}
    return pd.DataFrame(columns)


def _natural_key(name: str, code: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Return a key that puts a dimension's values in natural order (code list, else label)."""
    dim = DIMENSIONS[name]
    if dim.labels or name == "main_language":
        listed = dim.labels or codes.LANGUAGES
        order = {c: i for i, c in enumerate(listed)}
        return np.array([order.get(c, len(order)) for c in code.tolist()])
    if name == "age":
        return code
    return label.astype(str)


def sort_by_dimensions(frame: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame:
    """Return rows in each dimension's natural order (code-list order, else by label)."""
    if not dimensions:
        return frame.reset_index(drop=True)
    keys = [
        _natural_key(name, frame[name].to_numpy(), frame[f"{name}_label"].to_numpy())
        for name in dimensions
    ]
    order = np.lexsort(keys[::-1])  # lexsort sorts by its last key first
    return frame.iloc[order].reset_index(drop=True)


def uptake_all_doses(con: duckdb.DuckDBPyConnection, cohort: Cohort) -> pd.DataFrame:
    """Return one row per dose: dose, dose_label, vaccinated, population (and key sums) for the cohort."""
    where, params = cohort.to_where()
    sql = (
        "SELECT count(*) FILTER (WHERE p.first_dose_date <= $as_at) AS d1, "
        "count(*) FILTER (WHERE p.second_dose_date <= $as_at) AS d2, "
        "count(*) FILTER (WHERE p.booster_date <= $as_at) AS d3, count(*) AS population, "
        "coalesce(sum(p.record_key) FILTER (WHERE p.first_dose_date <= $as_at), 0) AS k1, "
        "coalesce(sum(p.record_key) FILTER (WHERE p.second_dose_date <= $as_at), 0) AS k2, "
        "coalesce(sum(p.record_key) FILTER (WHERE p.booster_date <= $as_at), 0) AS k3, "
        "coalesce(sum(p.record_key), 0) AS population_key " + from_clause(where) + " WHERE " + where
    )
    row = con.cursor().execute(sql, params).fetchone()
    assert row is not None
    return pd.DataFrame(
        {
            "dose": list(codes.DOSES),
            "dose_label": list(codes.DOSES.values()),
            "vaccinated": [int(row[0]), int(row[1]), int(row[2])],
            "population": [int(row[3])] * 3,
            "vaccinated_key": [int(row[4]), int(row[5]), int(row[6])],
            "population_key": [int(row[7])] * 3,
        }
    )


def dataset_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Return the dataset_meta table as a dict."""
    rows = con.cursor().execute("SELECT key, value FROM dataset_meta").fetchall()
    return dict(rows)


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Return code -> name for each data-dependent filter (places, practices, languages)."""
    cur = con.cursor()
    # Level names, tables and columns come from the fixed registry, never from user text.
    options = {
        level.cohort_field: f"SELECT DISTINCT {level.code_column}, {level.name_column}"
        f" FROM {level.table} ORDER BY {level.name_column}"
        for level in LEVELS.values()
    }
    options["languages"] = (
        "SELECT main_language, main_language FROM person GROUP BY main_language "
        "ORDER BY main_language <> 'English', count(*) DESC"
    )
    return {name: dict(cur.execute(sql).fetchall()) for name, sql in options.items()}
