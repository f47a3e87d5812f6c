"""SQL for the targeting finder: every cohort member as small integer codes, and the lookups."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from phm import codes
from phm.cohort import AGE_SQL, Cohort
from phm.queries import BASE_FROM, _dose_column

# Flags are packed into one integer per person, bit i for codes.FLAGS' i-th flag.
FLAG_BITS_SQL = " | ".join(f"(p.{flag}::INTEGER << {i})" for i, flag in enumerate(codes.FLAGS))


def member_codes(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, languages: list[str]
) -> dict[str, np.ndarray]:
    """Return one entry per cohort member: LSOA and practice rows, codes, age, flags, dose, record key.

    Ethnicity and language are 1-based positions in codes.ETHNICITIES and `languages`
    (0 when not in the list), so the finder can count with numpy instead of strings.
    """
    where, params = cohort.to_where()
    sql = (
        "SELECT l.rowid::INTEGER AS lsoa_row, pr.rowid::INTEGER AS practice_row, "
        "coalesce(list_position($ethnicities, p.ethnicity_code), 0)::TINYINT AS ethnicity, "
        "coalesce(list_position($languages, p.main_language), 0)::SMALLINT AS language, "
        f"least({AGE_SQL}, 127)::TINYINT AS age, ({FLAG_BITS_SQL})::INTEGER AS flags, "
        f"coalesce(p.{_dose_column(cohort)} <= $as_at, false) AS vaccinated, "
        "p.record_key AS record_key " + BASE_FROM + " WHERE " + where
    )
    params = {**params, "ethnicities": list(codes.ETHNICITY_LABELS), "languages": languages}
    return con.cursor().execute(sql, params).fetchnumpy()


def lsoa_lookup(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each LSOA's row number with its MSOA, borough and IMD decile."""
    return (
        con.cursor()
        .execute(
            "SELECT rowid::INTEGER AS row, msoa_code, msoa_name, lad_code, lad_name, imd_decile "
            "FROM lsoa ORDER BY rowid"
        )
        .df()
    )


def practice_lookup(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each practice's row number with its PCN."""
    return (
        con.cursor()
        .execute("SELECT rowid::INTEGER AS row, pcn_code, pcn_name FROM practice ORDER BY rowid")
        .df()
    )


def language_list(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the first languages recorded, English first, then by number of speakers."""
    rows = (
        con.cursor()
        .execute(
            "SELECT main_language FROM person GROUP BY main_language "
            "ORDER BY main_language <> 'English', count(*) DESC, main_language"
        )
        .fetchall()
    )
    return [r[0] for r in rows]
