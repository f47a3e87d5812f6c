"""Ground truth for scoring the attacks: exact counts by SQL straight on the database.

Written independently of phm's queries: a person is in the population on a day when registered
by then, not yet deregistered, and born by then (the cohort definition in docs and
phm.cohort).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from phm.codes import ETHNICITY_GROUP

PRESENT = (
    "p.registered_from <= $day AND coalesce(p.registered_to, DATE '9999-12-31') > $day"
    " AND p.birth_date <= $day"
)


def count_by_msoa(
    con: duckdb.DuckDBPyConnection, day: date, column: str | None = None
) -> pd.DataFrame:
    """Return the exact population on a day by MSOA, or by MSOA and a person column."""
    extra = f", p.{column}" if column else ""
    sql = (
        f"SELECT l.msoa_code AS msoa{extra}, count(*) AS population FROM person p"
        f" JOIN lsoa l ON l.lsoa_code = p.lsoa_code WHERE {PRESENT} GROUP BY ALL ORDER BY ALL"
    )
    return con.execute(sql, {"day": day}).df()


def msoa_populations(con: duckdb.DuckDBPyConnection, day: date) -> pd.DataFrame:
    """Return msoa, population on a day."""
    return count_by_msoa(con, day)


def msoa_group_populations(con: duckdb.DuckDBPyConnection, day: date) -> pd.DataFrame:
    """Return msoa, ethnic_group (broad), population on a day."""
    frame = count_by_msoa(con, day, "ethnicity_code")
    frame["ethnic_group"] = frame["ethnicity_code"].map(ETHNICITY_GROUP)
    return frame.groupby(["msoa", "ethnic_group"], as_index=False)["population"].sum()


def msoa_language_populations(con: duckdb.DuckDBPyConnection, day: date) -> pd.DataFrame:
    """Return msoa, main_language, population on a day."""
    return count_by_msoa(con, day, "main_language")


def msoa_changes(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    """Return msoa, day, before, after: populations on each day from first to last and the next day."""
    sql = (
        "WITH days AS (SELECT unnest(generate_series($first::DATE, $last::DATE, INTERVAL 1 DAY))"
        "::DATE AS day), counts AS (SELECT l.msoa_code AS msoa, d.day,"
        " count(*) FILTER (WHERE p.registered_from <= d.day"
        " AND coalesce(p.registered_to, DATE '9999-12-31') > d.day AND p.birth_date <= d.day)"
        " AS before, count(*) FILTER (WHERE p.registered_from <= d.day + 1"
        " AND coalesce(p.registered_to, DATE '9999-12-31') > d.day + 1"
        " AND p.birth_date <= d.day + 1) AS after"
        " FROM person p JOIN lsoa l ON l.lsoa_code = p.lsoa_code CROSS JOIN days d GROUP BY ALL)"
        " SELECT * FROM counts ORDER BY msoa, day"
    )
    return con.execute(sql, {"first": first, "last": last}).df()


def counts_by(
    con: duckdb.DuckDBPyConnection, day: date, keys: dict[str, str], dose_column: str
) -> pd.DataFrame:
    """Return exact vaccinated and population on a day, grouped by named SQL key expressions."""
    selects = ", ".join(f"{sql} AS {name}" for name, sql in keys.items())
    sql = (
        f"SELECT {selects}, count(*) FILTER (WHERE p.{dose_column} <= $day) AS vaccinated,"
        " count(*) AS population FROM person p JOIN lsoa l ON l.lsoa_code = p.lsoa_code"
        f" WHERE {PRESENT} GROUP BY ALL"
    )
    return con.execute(sql, {"day": day}).df()
