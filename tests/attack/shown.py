"""What an outsider sees: the figures the pages show, read cell by cell as a person reads them.

Tables (Explore, Compare, Map) are `phm.queries.uptake_by` then `phm.analysis.summaries.protected_uptake`;
the Trends page draws `phm.queries.trends.weekly_doses` then `phm.analysis.trends.cumulative_uptake`
(cumulative uptake per week) and `phm.analysis.trends.weekly_new` (doses given each week). Only
the shown counts are read (vaccinated, unvaccinated where the page sends it, population) and a
hidden count is unknown; the only thing read besides a number is the mark a person sees on a
hidden count: "<8" (small itself) or, where the page has it, "*" (hidden to protect another).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace

import duckdb
import pandas as pd

from phm.analysis.summaries import protected_uptake
from phm.analysis.trends import cumulative_uptake, weekly_new
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE
from phm.queries import filter_options, uptake_by
from phm.queries.trends import weekly_doses

DOSES: tuple[str, ...] = ("1", "2", "3")


@dataclass(frozen=True)
class Cell:
    """One shown count: its value, or None when hidden; `small` when it is marked as a small count."""

    value: int | None
    small: bool = False


@dataclass(frozen=True)
class Row:
    """One shown row: vaccinated and population, and unvaccinated when the page sends it."""

    vaccinated: Cell
    population: Cell
    unvaccinated: Cell | None = None


@dataclass(frozen=True)
class Trend:
    """One dose's figures on the Trends page: the cumulative series and the weekly doses bars."""

    cumulative: list[Row]
    weekly: list[Row] = field(default_factory=list)  # empty when not read


def show_table(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, dimensions: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Return a table as Explore, Compare and Map show it."""
    return protected_uptake(uptake_by(con, cohort, dimensions), DEFAULT_RULE)


def show_trend(con: duckdb.DuckDBPyConnection, cohort: Cohort, bars: bool = True) -> Trend:
    """Return the Trends page's figures of one cohort and dose, read row by row."""
    weekly = weekly_doses(con, cohort, None)
    if weekly.empty:
        return Trend([])
    cumulative = cumulative_uptake(weekly, DEFAULT_RULE)
    return Trend(
        read_rows(cumulative.sort_values("week").reset_index(drop=True)),
        read_rows(show_weekly_new(weekly, cumulative)) if bars else [],
    )


def show_weekly_new(weekly: pd.DataFrame, cumulative: pd.DataFrame) -> pd.DataFrame:
    """Return the weekly doses bars as the page draws them (protected, or derived from cumulative)."""
    if "rule" in inspect.signature(weekly_new).parameters:
        bars = weekly_new(weekly, DEFAULT_RULE)  # type: ignore[call-arg]
    else:
        bars = weekly_new(cumulative)  # type: ignore[call-arg]
    return bars.sort_values("week").reset_index(drop=True)


def show_trends(
    con: duckdb.DuckDBPyConnection, cohort: Cohort, bars: bool = True
) -> dict[str, Trend]:
    """Return the Trends page's figures of a cohort for each of the three doses."""
    return {dose: show_trend(con, replace(cohort, dose=dose), bars) for dose in DOSES}


def show_population(con: duckdb.DuckDBPyConnection, cohort: Cohort) -> int | None:
    """Return the population a table shows for a whole cohort (None when hidden or empty)."""
    frame = show_table(con, cohort)
    return read_rows(frame)[0].population.value if len(frame) else 0


def list_languages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the first languages the cohort picker offers."""
    return list(filter_options(con)["languages"])


def read_column(frame: pd.DataFrame, column: str) -> list[Cell] | None:
    """Return one count column as a person reads it: numbers, or hidden with their marks."""
    if column not in frame.columns:
        return None
    protecting = f"{column}_protecting"
    stars = frame[protecting].tolist() if protecting in frame.columns else [False] * len(frame)
    return [
        Cell(None, small=not bool(star)) if pd.isna(value) else Cell(int(value))
        for value, star in zip(frame[column].tolist(), stars, strict=True)
    ]


def read_rows(frame: pd.DataFrame) -> list[Row]:
    """Return every row of a shown frame as counts a person can read."""
    hidden = [Cell(None)] * len(frame)
    vaccinated = read_column(frame, "vaccinated") or hidden
    population = read_column(frame, "population") or hidden
    unvaccinated = read_column(frame, "unvaccinated") or [None] * len(frame)
    return [Row(*cells) for cells in zip(vaccinated, population, unvaccinated, strict=True)]
