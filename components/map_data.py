"""Cached data for the Map and outreach pages: shapes, area figures, sites, points, plans.

Functions of a cohort take the page's scoped cohort (`Frame.cohort`, narrowed by
components.data.scope when the page opened) and read counts through data's cached queries.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, render
from phm import geo, settings
from phm.analysis.summaries import protected_uptake
from phm.cohort import Cohort
from phm.disclosure import DisclosureRule
from phm.levels import LEVELS
from phm.output import maps
from phm.outreach import candidates as candidate_points
from phm.outreach.coverage import Reach, weighted_points
from phm.outreach.plan import COUNTS, BusPlan, SitePlan, plan_bus, plan_sites
from phm.outreach.routes import Timetable
from phm.queries import geography

TTL = data.TTL


@st.cache_data(ttl=TTL, max_entries=4, show_spinner=False)
def lsoas(version: str) -> pd.DataFrame:
    """Return every LSOA with its parents, centroid and WKB boundary."""
    del version
    with data.reading() as con:
        return geography.lsoa_boundaries(con)


# Three levels for the current version and the one before it: a swapped-out version's polygons
# are let go rather than kept for the life of the server.
@st.cache_resource(show_spinner=False, max_entries=6)
def shapes(level: str, version: str) -> pd.DataFrame:
    """Return the polygons of each area of a level (decoded and dissolved once per dataset).

    One frame shared read-only by every session (callers merge or select from it, never
    change it): as a data-cache value it was unpickled, nested coordinate lists and all,
    on every call (about 0.1 s at LSOA level, several times per map view).
    """
    return maps.area_shapes(lsoas(version), level)


@st.cache_resource(show_spinner=False, max_entries=6)
def shape_polygons(level: str, version: str) -> tuple:
    """Return the polygon of each row of shapes(level), decoded once and shared read-only.

    A tuple, never mutated: the choropleth of every cohort reuses it, so the polygons are
    not unpickled from the data cache on every rerun.
    """
    return tuple(shapes(level, version)["polygon"])


@st.cache_data(ttl=TTL, max_entries=12, show_spinner=False)
def polygons(level: str, version: str) -> dict[str, list]:
    """Return code -> list of polygons (rings) of each area, for GeoJSON exports."""
    frame = shapes(level, version)
    return frame.groupby("code")["polygon"].agg(list).to_dict()


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def postcodes(version: str) -> pd.DataFrame:
    """Return the reference postcodes of the dataset's LSOAs."""
    ref = geo.load_postcodes(geo.REFERENCE_ROOT / settings.get("PHM_ICB"))
    return ref[ref["lsoa_code"].isin(lsoas(version)["lsoa_code"])].reset_index(drop=True)


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def lsoa_points(version: str) -> pd.DataFrame:
    """Return the population-weighted point (a postcode) of each LSOA."""
    return weighted_points(postcodes(version))


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def default_candidates(version: str) -> pd.DataFrame:
    """Return one candidate location per LSOA, at its population-weighted point."""
    return candidate_points.lsoa_candidates(lsoa_points(version), lsoas(version))


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def sites(as_at, version: str) -> pd.DataFrame:
    """Return the vaccination sites open on the as-at date."""
    del version
    with data.reading() as con:
        return geography.open_sites(con, as_at)


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def protected_areas(cohort: Cohort, level: str, rule: DisclosureRule, version: str) -> pd.DataFrame:
    """Return protected uptake of the cohort by area (LSOA, MSOA or borough)."""
    raw = data._uptake_by(cohort, (level,), version)
    return protected_uptake(raw, rule)


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def area_map(
    cohort: Cohort, level: str, metric: str, rule: DisclosureRule, version: str
) -> tuple[pd.DataFrame, list[maps.LegendEntry], float | None]:
    """Return the frame to draw (without polygons), its legend and the ICS-wide uptake."""
    overall = protected_uptake(data._uptake_by(cohort, (), version), rule)
    overall_pct = None if overall["uptake_suppressed"].iloc[0] else overall["uptake_pct"].iloc[0]
    frame, legend = maps.area_frame(
        shapes(level, version),
        protected_areas(cohort, level, rule, version),
        level,
        metric,
        LEVELS[level].label,
        rule.suppressed_text,
        None if overall_pct is None or pd.isna(overall_pct) else float(overall_pct),
    )
    # Polygons are joined back on the page from shape_polygons() (same row order).
    return (
        frame.drop(columns="polygon"),
        legend,
        None if overall_pct is None else float(overall_pct),
    )


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def area_deck(
    cohort: Cohort,
    level: str,
    metric: str,
    rule: DisclosureRule,
    version: str,
    selected: str | None,
    models: tuple[str, ...],
    ring_m: float | None,
    basemap: bool,
    fit_px: float = maps.FIT_PX,
) -> str:
    """Return the Map page's deck as JSON: the choropleth, rings and existing sites.

    The view fits the areas into `fit_px` pixels of height (smaller when presenting).

    Cached as a string (a few hundred kB for 800 LSOAs), shared by every session that shows
    the same map: a rerun that changes nothing, and a room opening the same link, reuse it
    rather than rebuilding the layers' records and serialising the polygons again; Streamlit
    sends the same bytes, which a browser that already has them is not sent again.
    """
    frame, _, _ = area_map(cohort, level, metric, rule, version)
    frame = frame.assign(polygon=shape_polygons(level, version))
    points = maps.site_points(sites(cohort.as_at, version), models)
    # A cohort narrowed to places opens on them; otherwise the whole ICS.
    narrowed = any(getattr(cohort, level_.cohort_field, ()) for level_ in LEVELS.values())
    lived_in = frame.loc[frame["state"] != "empty", "code"] if narrowed else []
    view = maps.view_for_areas(lsoas(version), level, lived_in, fit_px)
    layers = maps.area_map_layers(frame, selected, points, ring_m)
    return maps.deck(layers, view, basemap).to_json()


@st.cache_data(ttl=TTL, max_entries=128, show_spinner=False)
def flag_uptake(cohort: Cohort, version: str) -> pd.DataFrame:
    """Return vaccinated and population among those with each flag."""
    del version
    with data.reading() as con:
        return geography.flag_uptake(con, cohort)


def demand(cohort: Cohort, version: str) -> pd.DataFrame:
    """Return one demand row per LSOA: its weighted point and the cohort's raw counts there."""
    points = lsoa_points(version)
    raw = data._uptake_by(cohort, ("lsoa",), version)[["lsoa", *COUNTS]]
    frame = points.merge(raw.rename(columns={"lsoa": "lsoa_code"}), on="lsoa_code", how="left")
    frame[list(COUNTS)] = frame[list(COUNTS)].fillna(0).astype("int64")
    return frame


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def site_plan(
    cohort: Cohort,
    n_sites: int,
    reach: Reach,
    existing_models: tuple[str, ...],
    candidates: pd.DataFrame | None,
    min_population: int,
    version: str,
) -> SitePlan:
    """Return the optimised pop-up plan (and the naive one) for a cohort and settings."""
    pool = default_candidates(version) if candidates is None else candidates
    existing = None
    if existing_models:
        open_now = sites(cohort.as_at, version)
        existing = open_now[open_now["delivery_model"].isin(existing_models)]
    return plan_sites(
        demand(cohort, version),
        pool,
        n_sites,
        reach,
        existing,
        min_population=min_population,
        rule=data.disclosure_rule(),
    )


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def bus_plan(
    cohort: Cohort,
    depot: tuple[float, float],
    depot_name: str,
    reach: Reach,
    timetable: Timetable,
    existing_models: tuple[str, ...],
    version: str,
) -> BusPlan:
    """Return the bus itinerary for a cohort, depot, reach and timetable."""
    existing = None
    if existing_models:
        open_now = sites(cohort.as_at, version)
        existing = open_now[open_now["delivery_model"].isin(existing_models)]
    return plan_bus(
        demand(cohort, version),
        default_candidates(version),
        depot,
        depot_name,
        reach,
        timetable,
        existing,
        rule=data.disclosure_rule(),
    )


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def area_table(cohort: Cohort, level: str, rule: DisclosureRule, version: str) -> pd.DataFrame:
    """Return the displayed table of areas, lowest uptake first, with their codes."""
    protected = protected_areas(cohort, level, rule, version)
    table = protected.sort_values("uptake_pct", na_position="last")
    display = render.display_table(table, f"{level}_label", LEVELS[level].label)
    display.insert(1, "Code", table[level].to_numpy())
    return display
