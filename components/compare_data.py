"""Cached data access for Compare and Trends: raw counts keyed by cohort, level and dataset version.

Each public function takes the signed-in principal and narrows the cohort first
(components.data.scope); the cached functions behind them are keyed by the scoped cohort.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.data import TTL, reading, scope
from phm.access import Principal
from phm.analysis.inequality import deprivation_summary
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.queries import compare, trends


def uptake_by_level(
    principal: Principal | None, cohort: Cohort, level: str, version: str
) -> pd.DataFrame:
    """Return raw uptake counts per locality of a level, for the principal."""
    return _uptake_by_level(scope(principal, cohort, version), level, version)


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def _uptake_by_level(cohort: Cohort, level: str, version: str) -> pd.DataFrame:
    """Return raw uptake counts per locality of a level (not yet protected)."""
    del version
    with reading() as con:
        return compare.uptake_by_level(con, cohort, level)


def uptake_by_level_and_deprivation(
    principal: Principal | None, cohort: Cohort, level: str, deprivation: str, version: str
) -> pd.DataFrame:
    """Return raw uptake counts per locality and IMD group, for the principal."""
    scoped = scope(principal, cohort, version)
    return _uptake_by_level_and_deprivation(scoped, level, deprivation, version)


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def _uptake_by_level_and_deprivation(
    cohort: Cohort, level: str, deprivation: str, version: str
) -> pd.DataFrame:
    """Return raw uptake counts per locality and IMD group."""
    del version
    with reading() as con:
        return compare.uptake_by_level_and_deprivation(con, cohort, level, deprivation)


def weekly_doses(
    principal: Principal | None, cohort: Cohort, dimension: str | None, version: str
) -> pd.DataFrame:
    """Return raw doses per week (and group) with group populations, for the principal."""
    return _weekly_doses(scope(principal, cohort, version), dimension, version)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def _weekly_doses(cohort: Cohort, dimension: str | None, version: str) -> pd.DataFrame:
    """Return raw doses per week (and group) with group populations."""
    del version
    with reading() as con:
        return trends.weekly_doses(con, cohort, dimension)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def deprivation_indices(
    raw: pd.DataFrame, deprivation: str, rule: DisclosureRule, group: str | None
) -> pd.DataFrame:
    """Return the gap, SII and RII per locality (the simulation is the slow part, so cache it)."""
    return deprivation_summary(raw, deprivation, rule, group)
