"""Recording completeness: how many of a cohort's people have each characteristic recorded.

One scan of `person` per level counts, for each measure of `MEASURES`, the people whose record
holds it (`recorded`) among the cohort (`population`), with their record-key sums, so that
phm.disclosure protects both counts as it protects uptake.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from phm import codes
from phm.cohort import Cohort
from phm.levels import LEVELS
from phm.queries import from_clause

ICS = "ics"  # the whole cohort, one row
QUALITY_LEVELS: tuple[str, ...] = ("practice", "pcn", "borough")  # the page's; any level works

# measure -> SQL predicate over person p that is true when the record holds it (fixed text;
# values bound as parameters). Ethnicity: a usable record is any code but 99 ('not stated', Z,
# is an answer); GP-only counts the codes the GP record held, before linkage.
MEASURES: dict[str, str] = {
    "ethnicity": "p.ethnicity_code <> $not_known",
    "ethnicity_gp": "p.ethnicity_source = 'gp'",
    "ethnicity_hospital": "p.ethnicity_source = 'hospital'",
    "ethnic_group_known": "p.ethnicity_code NOT IN ($not_known, $not_stated)",
    "language": "p.main_language <> $language_not_recorded",
    **{flag: f"p.{flag}" for flag in codes.FLAGS},
}
# The person column each completeness measure reads (for the load's data-quality section).
COLUMN_MEASURES: dict[str, str] = {
    "ethnicity_code": "ethnicity",
    "ethnicity_source": "ethnicity_gp",
    "main_language": "language",
}
PARAMS = {
    "not_known": codes.ETHNICITY_NOT_KNOWN,
    "not_stated": codes.ETHNICITY_NOT_STATED,
    "language_not_recorded": codes.LANGUAGE_NOT_RECORDED,
}


def completeness(
    con: duckdb.DuckDBPyConnection,
    cohort: Cohort,
    level: str,
    measures: tuple[str, ...] = tuple(MEASURES),
) -> pd.DataFrame:
    """Return recorded and population of each of `measures` for each area of `level` (or 'ics').

    Columns: code, name, measure, recorded, population, recorded_key, population_key; one row
    per area and measure (areas with people in the cohort only). Every measure is two filtered
    aggregates of the scan: a caller that needs a few (the finder's and Explore's caveats need
    ethnicity and language) asks for those, and the scan costs a fraction of all 27.
    """
    if level != ICS and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {[ICS, *LEVELS]}")
    unknown = [m for m in measures if m not in MEASURES]
    if unknown or not measures:
        raise ValueError(f"unknown measure(s) {unknown}; choose from {list(MEASURES)}")
    where, params = cohort.to_where()
    counts = ", ".join(
        f"count(*) FILTER (WHERE {MEASURES[name]}) AS r_{name},"
        f" coalesce(sum(p.record_key) FILTER (WHERE {MEASURES[name]}), 0) AS k_{name}"
        for name in measures
    )
    if level == ICS:
        area, group = "'ICS' AS code, 'ICS' AS name", ""
    else:
        spec = LEVELS[level]
        area = f"{spec.code_sql} AS code, any_value({spec.name_sql}) AS name"
        group = " GROUP BY 1"
    sql = (
        f"SELECT {area}, count(*) AS population, coalesce(sum(p.record_key), 0) AS population_key,"
        f" {counts} " + from_clause(area, where) + " WHERE " + where + group
    )
    used = {name: value for name, value in PARAMS.items() if f"${name}" in counts}
    wide = con.cursor().execute(sql, {**params, **used}).df()  # a cursor: threads share con
    if level == ICS and not wide.empty and int(wide["population"].iat[0]) == 0:
        wide = wide.iloc[0:0]
    rows = [
        wide[["code", "name", "population", "population_key"]].assign(
            measure=name,
            recorded=wide[f"r_{name}"].astype("int64"),
            recorded_key=wide[f"k_{name}"].astype("int64"),
        )
        for name in measures
    ]
    out = pd.concat(rows, ignore_index=True)
    out["population"] = out["population"].astype("int64")
    out["population_key"] = out["population_key"].astype("int64")
    out["code"] = out["code"].astype(str)
    out["name"] = out["name"].astype(str)
    return out[
        ["code", "name", "measure", "recorded", "population", "recorded_key", "population_key"]
    ]


def practice_pcns(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Return practice code -> (PCN code, PCN name)."""
    rows = con.cursor().execute("SELECT practice_code, pcn_code, pcn_name FROM practice").fetchall()
    return {str(p): (str(c), str(n)) for p, c, n in rows}
