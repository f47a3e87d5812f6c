"""Cached access to the database: one shared read-only connection, query results cached by cohort.

Every result is cached under the dataset version (phm.db.dataset_version), which changes when a
new file is swapped in at the path; the connection follows the swap (phm.db.Readers), so a
page's next run after a swap reads the new file.

Every function that returns figures of a cohort takes the signed-in principal and first narrows
the cohort to what the principal may see (`scope`: a practice's staff see their own practice
only; phm.access refuses the rest). The cache is keyed by the scoped cohort and the dataset
version, never by the principal, so everyone asking for the same cohort shares one result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from components import signin
from phm import access, check, db, disclosure, queries, settings
from phm.access import Principal
from phm.analysis import targeting
from phm.cohort import Cohort
from phm.directcare import benchmark
from phm.directcare.worklist import Worklist, read_worklist
from phm.queries import delivery as delivery_queries
from phm.queries import quality
from phm.queries import trends as trends_queries

TTL = settings.get_int("PHM_CACHE_TTL")


def database_path() -> Path:
    """Return the database the app reads: the active dataset beside PHM_DB, else PHM_DB."""
    from phm.ingest.datasets import active_path

    return active_path(Path(settings.get("PHM_DB")))


@st.cache_resource(show_spinner=False, on_release=db.Readers.close)
def _readers() -> db.Readers:
    """Return the server's read-only connections, which follow a database swapped in."""
    return db.Readers()


@contextmanager
def reading() -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the read-only connection to the current database while the block runs its queries.

    Call no cached function inside the block: a swapped-in file is opened only when every
    block still reading the old one has ended.
    """
    with _readers().reading(database_path()) as con:
        yield con


def version() -> str:
    """Return the dataset version token used in cache keys."""
    return db.dataset_version(database_path())


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def meta(version: str) -> dict[str, str]:
    """Return dataset_meta of the current database."""
    del version
    with reading() as con:
        return queries.dataset_meta(con)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def schema_problems(version: str) -> list[str]:
    """Return what the current database lacks of the schema (empty when it is complete)."""
    del version
    with reading() as con:
        problems = check.check_schema(con.cursor())  # its own cursor: threads share con
    return [f"{p.rule}: {p.examples}" for p in problems]


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def options(version: str) -> dict[str, dict[str, str]]:
    """Return the data-dependent filter options (places, practices, languages)."""
    del version
    with reading() as con:
        return queries.filter_options(con)


def scope(principal: Principal | None, cohort: Cohort, version: str) -> Cohort:
    """Return the cohort narrowed to what the principal may see (raises phm.access.Refused)."""
    return access.scope_cohort(principal, cohort, options(version)["practices"])


def uptake_by(
    principal: Principal | None, cohort: Cohort, dimensions: tuple[str, ...], version: str
) -> pd.DataFrame:
    """Return raw uptake counts (not yet protected) by up to two dimensions, for the principal."""
    return _uptake_by(scope(principal, cohort, version), dimensions, version)


@st.cache_data(ttl=TTL, max_entries=512, show_spinner=False)
def _uptake_by(cohort: Cohort, dimensions: tuple[str, ...], version: str) -> pd.DataFrame:
    """Return raw uptake counts of an already scoped cohort (cached for every principal)."""
    del version
    with reading() as con:
        return queries.uptake_by(con, cohort, dimensions)


def uptake_all_doses(principal: Principal | None, cohort: Cohort, version: str) -> pd.DataFrame:
    """Return raw uptake counts of every dose, for the principal."""
    return _uptake_all_doses(scope(principal, cohort, version), version)


@st.cache_data(ttl=TTL, max_entries=512, show_spinner=False)
def _uptake_all_doses(cohort: Cohort, version: str) -> pd.DataFrame:
    """Return raw uptake counts of every dose of an already scoped cohort."""
    del version
    with reading() as con:
        return queries.uptake_all_doses(con, cohort)


def disclosure_rule() -> disclosure.DisclosureRule:
    """Return the disclosure rule for the current dataset kind and settings."""
    kind = meta(version()).get("kind", "linked extract")
    return disclosure.rule_for(
        kind, settings.get_int("PHM_SUPPRESS_BELOW"), settings.get_int("PHM_ROUND_TO")
    )


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def target_scan(
    cohort: Cohort, level: str, min_size: int, benchmark_rate: float | None, version: str
) -> targeting.Scan:
    """Return the finder's scan of an already scoped cohort (every group below the benchmark), raw.

    Scanning takes seconds at full scale, ranking milliseconds: a page scans once per cohort,
    level, size and benchmark, and ranks per choice of characteristics, order and caps.
    """
    languages = list(options(version)["languages"])
    rule = disclosure_rule()
    with reading() as con:
        return targeting.scan_cohort(con, cohort, level, min_size, languages, rule, benchmark_rate)


def target_findings(
    principal: Principal | None,
    cohort: Cohort,
    level: str,
    min_size: int,
    benchmark_rate: float | None,
    choice: targeting.Choice,
    version: str,
) -> tuple[pd.DataFrame, pd.Series, float]:
    """Return the finder's top findings for one choice, the cohort's uptake and the rate used."""
    scoped = scope(principal, cohort, version)
    return _target_findings(scoped, level, min_size, benchmark_rate, choice, version)


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def _target_findings(
    cohort: Cohort,
    level: str,
    min_size: int,
    benchmark_rate: float | None,
    choice: targeting.Choice,
    version: str,
) -> tuple[pd.DataFrame, pd.Series, float]:
    """Return the findings of an already scoped cohort (cached for every principal)."""
    found = target_scan(cohort, level, min_size, benchmark_rate, version)
    ranked = targeting.rank_choice(found, choice, min_size, disclosure_rule())
    return ranked, found.overall, found.overall_rate


def worklist(principal: Principal | None, cohort: Cohort, dues: tuple[str, ...]) -> Worklist:
    """Return the principal's own practice's people due a dose, audited; never cached.

    Identifiable rows are read afresh for each view (a practice's rows are a few row groups
    of the practice-ordered tables) so they never sit in a cache another session could hit.
    """
    with reading() as con:
        return read_worklist(con, principal, cohort, signin.audit_path(), dues)


def practice_benchmark(principal: Principal | None, cohort: Cohort) -> pd.DataFrame:
    """Return protected uptake of the cohort in the principal's practice, PCN and ICS."""
    with reading() as con:
        return benchmark.practice_benchmark(con, principal, cohort, disclosure_rule())


def completeness(
    principal: Principal | None,
    cohort: Cohort,
    level: str,
    version: str,
    measures: tuple[str, ...] = tuple(quality.MEASURES),
) -> pd.DataFrame:
    """Return raw recording completeness of the principal's cohort by level (or 'ics').

    `measures`: those to count (all by default; the finder's and Explore's caveats need two).
    """
    return _completeness(scope(principal, cohort, version), level, version, measures)


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def _completeness(
    cohort: Cohort, level: str, version: str, measures: tuple[str, ...]
) -> pd.DataFrame:
    """Return raw completeness counts of an already scoped cohort (cached for every principal)."""
    del version
    with reading() as con:
        return quality.completeness(con, cohort, level, measures)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def practice_pcns(version: str) -> dict[str, tuple[str, str]]:
    """Return practice code -> (PCN code, PCN name)."""
    del version
    with reading() as con:
        return quality.practice_pcns(con)


def intervention_weekly(principal: Principal | None, cohort: Cohort, version: str) -> pd.DataFrame:
    """Return raw weekly doses of a target cohort by MSOA, for the principal (What worked)."""
    return _intervention_weekly(scope(principal, cohort, version), version)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _intervention_weekly(cohort: Cohort, version: str) -> pd.DataFrame:
    """Return raw weekly doses by MSOA of an already scoped cohort."""
    del version
    with reading() as con:
        return trends_queries.weekly_doses(con, cohort, "msoa")


def delivery_doses(
    principal: Principal | None, cohort: Cohort, unit: str, dimension: str, version: str
) -> pd.DataFrame:
    """Return raw doses by delivery model or site, group and home MSOA, for the principal."""
    return _delivery_doses(scope(principal, cohort, version), unit, dimension, version)


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def _delivery_doses(cohort: Cohort, unit: str, dimension: str, version: str) -> pd.DataFrame:
    """Return raw doses by unit, group and MSOA of an already scoped cohort."""
    del version
    with reading() as con:
        return delivery_queries.doses_by(con, cohort, unit, dimension)
