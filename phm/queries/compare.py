"""SQL for comparing localities: uptake by a locality level, alone or crossed with deprivation."""

from __future__ import annotations

import duckdb
import pandas as pd

from phm.cohort import Cohort
from phm.levels import COMPARE_LEVELS, level_of
from phm.queries import uptake_by

DEPRIVATION: dict[str, str] = {"imd_quintile": "IMD quintile", "imd_decile": "IMD decile"}


def check_level(level: str) -> str:
    """Return the level if localities are compared at it, else raise ValueError."""
    return level_of(level, COMPARE_LEVELS).key


def uptake_by_level(con: duckdb.DuckDBPyConnection, cohort: Cohort, level: str) -> pd.DataFrame:
    """Return raw vaccinated and population of the cohort for each locality of a level."""
    return uptake_by(con, cohort, (check_level(level),))


def uptake_by_level_and_deprivation(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, level: str, deprivation: str
) -> pd.DataFrame:
    """Return raw counts by locality and IMD quintile or decile (one row per combination)."""
    if deprivation not in DEPRIVATION:
        raise ValueError(f"unknown deprivation grouping {deprivation!r}")
    return uptake_by(con, cohort, (check_level(level), deprivation))
