"""Cached data access for Compare and Trends: raw counts keyed by cohort, level and dataset version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.data import TTL, reading
from phm.analysis.inequality import deprivation_summary
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.queries import compare, trends


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def uptake_by_level(cohort: Cohort, level: str, version: str) -> pd.DataFrame:
    """Return raw uptake counts per locality of a level (not yet protected)."""
    del version
    with reading() as con:
        return compare.uptake_by_level(con, cohort, level)


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def uptake_by_level_and_deprivation(
    cohort: Cohort, level: str, deprivation: str, version: str
) -> pd.DataFrame:
    """Return raw uptake counts per locality and IMD group."""
    del version
    with reading() as con:
        return compare.uptake_by_level_and_deprivation(con, cohort, level, deprivation)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def weekly_doses(cohort: Cohort, dimension: str | None, version: str) -> pd.DataFrame:
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
