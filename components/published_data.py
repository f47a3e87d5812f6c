"""Cached data of aggregate mode (NHS England's published figures), keyed by dataset version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.data import TTL, reading
from phm.analysis import aggregate
from phm.queries import published


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def is_aggregate(version: str) -> bool:
    """Return True when the active dataset holds published aggregate figures."""
    del version
    with reading() as con:
        return published.is_aggregate(con)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def options(version: str) -> dict[str, list]:
    """Return the published dates (latest first), doses and age bands (youngest first)."""
    del version
    with reading() as con:
        return published.published_options(con)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def msoa_boroughs(version: str) -> pd.DataFrame:
    """Return each MSOA with its borough."""
    del version
    with reading() as con:
        return published.msoa_boroughs(con)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def area_counts(
    choice: aggregate.PublishedChoice, level: str, version: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return raw counts by area for a choice, and the areas without published figures."""
    with reading() as con:
        rows = published.published_uptake(con, "msoa", choice.dose, choice.as_at, choice.age_bands)
    return aggregate.area_counts(rows, msoa_boroughs(version), choice, level)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def denominator_sentences(choice: aggregate.PublishedChoice, version: str) -> list[str]:
    """Return what the page says about chosen figures without a population, and why."""
    del version
    with reading() as con:
        gaps = published.population_gaps(con, choice.dose, choice.as_at)
    return aggregate.denominator_sentences(gaps, choice)
