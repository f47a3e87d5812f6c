"""The one query that reads identifiable details: a practice's patients who are due a dose.

Only phm.directcare calls it, for a principal of that practice (tests/unit/test_layers.py
checks that no other module's SQL names the identity table). Both tables are stored in
practice order (phm.schema.PERSON_ORDER), so DuckDB's zone maps skip other practices' rows.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from phm import codes
from phm.cohort import AGE_SQL, Cohort
from phm.directcare import rules
from phm.queries import from_clause

IDENTITY_COLUMNS = (
    "nhs_number",
    "given_name",
    "family_name",
    "birth_date",
    "mobile",
    "postcode",
    "contact_method",
    "accepts_messages",
    "is_deceased",
)


def _not_given(column: str) -> str:
    """Return SQL true when a dose date is empty or after the as-at date."""
    return f"coalesce(p.{column} > $as_at, true)"


def due_sql() -> tuple[str, dict[str, object]]:
    """Return the SQL CASE giving each person's due dose ('first', 'second', 'booster' or NULL)."""
    params: dict[str, object] = {
        "d2_days": rules.SECOND_DOSE_MIN_DAYS,
        "d2_days_young": rules.SECOND_DOSE_MIN_DAYS_UNDER_18,
        "age_16": codes.AGE_16_17_FIRST_OFFERED,
        "age_12": codes.AGE_12_15_FIRST_OFFERED,
        "youngest": rules.YOUNGEST_OFFERED,
    }
    cohorts = []
    for cohort, day in sorted(codes.JCVI_FIRST_OFFERED.items()):
        cohorts.append(f"WHEN p.jcvi_cohort = {int(cohort)} THEN $jcvi_{int(cohort)}")
        params[f"jcvi_{int(cohort)}"] = day
    offered = (
        f"CASE {' '.join(cohorts)} WHEN {AGE_SQL} >= 16 THEN $age_16"
        f" WHEN {AGE_SQL} >= $youngest THEN $age_12 END"
    )
    boosters = []
    for i, rule in enumerate(rules.BOOSTER_RULES):
        who = (
            f"p.jcvi_cohort BETWEEN 1 AND $b{i}_cohort"
            if rule.max_jcvi_cohort is not None
            else f"{AGE_SQL} >= $b{i}_age"
        )
        boosters.append(
            f"($as_at >= $b{i}_from AND {who}"
            f" AND p.second_dose_date + CAST($b{i}_days AS INTEGER) <= $as_at)"
        )
        params[f"b{i}_from"] = rule.from_day
        params[f"b{i}_days"] = rule.min_days
        if rule.max_jcvi_cohort is not None:
            params[f"b{i}_cohort"] = rule.max_jcvi_cohort
        else:
            params[f"b{i}_age"] = rule.min_age
    interval = f"CASE WHEN {AGE_SQL} < 18 THEN $d2_days_young ELSE $d2_days END"
    sql = (
        f"CASE WHEN {_not_given('first_dose_date')} THEN"
        f" CASE WHEN ({offered}) <= $as_at THEN 'first' END"
        f" WHEN {_not_given('second_dose_date')} THEN"
        f" CASE WHEN p.first_dose_date + CAST({interval} AS INTEGER) <= $as_at THEN 'second' END"
        f" WHEN {_not_given('booster_date')} THEN"
        f" CASE WHEN {' OR '.join(boosters)} THEN 'booster' END"
        " END"
    )
    return sql, params


def due_patients(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, practice_code: str
) -> pd.DataFrame:
    """Return the cohort's people registered with one practice who are due a dose, with identities.

    One row per person due: their identity, age, JCVI cohort, flags, language, dose dates, the
    dose due and their LSOA's centroid (for the nearest site). People recorded as deceased are
    included with is_deceased so the caller can count and leave them out.
    """
    if cohort.practices != (practice_code,):
        raise ValueError("a worklist's cohort must be narrowed to exactly its practice")
    where, params = cohort.to_where()
    due, due_params = due_sql()
    identity = ", ".join(f"i.{c}" for c in IDENTITY_COLUMNS)
    flags = ", ".join(f"p.{flag}" for flag in codes.FLAGS)
    select = (
        f"SELECT p.person_id, {identity}, {AGE_SQL} AS age, p.sex, p.jcvi_cohort, p.ltc_count,"
        f" p.main_language, {flags}, p.first_dose_date, p.second_dose_date, p.booster_date,"
        f" l.centroid_lon AS lon, l.centroid_lat AS lat, {due} AS due"
    )
    sql = (
        f"SELECT * FROM ({select} "
        + from_clause(where, "l.")
        + " JOIN identity i ON i.person_id = p.person_id AND i.practice_code = $practice"
        + f" WHERE p.practice_code = $practice AND {where}) WHERE due IS NOT NULL"
        + " ORDER BY person_id"
    )
    return con.cursor().execute(sql, {**params, **due_params, "practice": practice_code}).df()


def practices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every practice's code, name and PCN."""
    sql = "SELECT practice_code, practice_name, pcn_code, pcn_name FROM practice ORDER BY 1"
    return con.cursor().execute(sql).df()
