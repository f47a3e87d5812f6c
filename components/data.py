"""Cached access to the database: one read-only connection, query results cached by cohort."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from phm import check, db, disclosure, queries, settings, targeting
from phm.cohort import Cohort

TTL = settings.get_int("PHM_CACHE_TTL")


def database_path() -> Path:
    """Return the database the app reads: the active dataset beside PHM_DB, else PHM_DB."""
    from phm.ingest.datasets import active_path

    return active_path(Path(settings.get("PHM_DB")))


@st.cache_resource(show_spinner=False)
def _connection(path: str, version: str) -> duckdb.DuckDBPyConnection:
    """Return the shared read-only connection of one database version (queries use cursors)."""
    del version  # part of the cache key: a swapped-in database gets a new connection
    return db.connect_read_only(Path(path))


def connection() -> duckdb.DuckDBPyConnection:
    """Return the read-only connection to the current database."""
    path = database_path()
    return _connection(str(path), db.dataset_version(path))


def version() -> str:
    """Return the dataset version token used in cache keys."""
    return db.dataset_version(database_path())


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def meta(version: str) -> dict[str, str]:
    """Return dataset_meta of the current database."""
    del version
    return queries.dataset_meta(connection())


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def schema_problems(version: str) -> list[str]:
    """Return what the current database lacks of the schema (empty when it is complete)."""
    del version
    return [f"{p.rule}: {p.examples}" for p in check.check_schema(connection())]


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def options(version: str) -> dict[str, dict[str, str]]:
    """Return the data-dependent filter options (places, practices, languages)."""
    del version
    return queries.filter_options(connection())


@st.cache_data(ttl=TTL, max_entries=512, show_spinner=False)
def uptake_by(cohort: Cohort, dimensions: tuple[str, ...], version: str) -> pd.DataFrame:
    """Return raw uptake counts (not yet protected) by up to two dimensions."""
    del version
    return queries.uptake_by(connection(), cohort, dimensions)


@st.cache_data(ttl=TTL, max_entries=512, show_spinner=False)
def uptake_all_doses(cohort: Cohort, version: str) -> pd.DataFrame:
    """Return raw uptake counts of every dose."""
    del version
    return queries.uptake_all_doses(connection(), cohort)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def targets(
    cohort: Cohort,
    level: str,
    min_size: int,
    characteristics: tuple[str, ...],
    flags: bool,
    version: str,
) -> tuple[pd.DataFrame, pd.Series]:
    """Return the targeting finder's top findings and the cohort's uptake, both protected."""
    languages = list(options(version)["languages"])
    return targeting.find_targets(
        connection(),
        cohort,
        level,
        min_size,
        20,
        languages,
        characteristics,
        flags,
        disclosure_rule(),
    )


def disclosure_rule() -> disclosure.DisclosureRule:
    """Return the disclosure rule for the current dataset kind and settings."""
    kind = meta(version()).get("kind", "linked extract")
    return disclosure.rule_for(
        kind, settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )
