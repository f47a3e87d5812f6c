"""SQL for comparing localities: uptake by a locality level, alone or crossed with deprivation."""

from __future__ import annotations

import duckdb
import pandas as pd

from phm.cohort import Cohort
from phm.queries import uptake_by

# Locality levels users compare: registration (practice, PCN) or residence (borough, MSOA).
LEVELS: dict[str, str] = {
    "borough": "Borough (residence)",
    "pcn": "PCN (registration)",
    "practice": "GP practice (registration)",
    "msoa": "MSOA (residence)",
}
DEPRIVATION: dict[str, str] = {"imd_quintile": "IMD quintile", "imd_decile": "IMD decile"}


def check_level(level: str) -> str:
    """Return the level if it is on the allow-list, else raise ValueError."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {sorted(LEVELS)}")
    return level


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
