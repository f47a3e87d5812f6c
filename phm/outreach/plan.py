"""Outreach plans as tables: pop-up sites and bus itineraries over LSOA demand, ready to protect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from phm.analysis.summaries import largest_shown, protected_uptake
from phm.disclosure import DEFAULT_RULE, KEY_COLUMNS, DisclosureRule
from phm.outreach.coverage import (
    Reach,
    assign_demand,
    coverage_matrix,
    covered_count,
    lowest_uptake_sites,
)
from phm.outreach.routes import DEFAULT_ROUTE_TIME_LIMIT_S, Timetable, route_days, travel_seconds
from phm.outreach.sites import DEFAULT_TIME_LIMIT_S, CoverSolution, solve_mclp

COUNTS = ("vaccinated", "population", *KEY_COLUMNS)  # counts and record-key sums, summed alike
DEMAND_COLUMNS = ("lsoa_code", "lon", "lat", *COUNTS)
CANDIDATE_COLUMNS = ("name", "postcode", "lon", "lat")


@dataclass(frozen=True)
class SitePlan:
    """An optimised set of pop-up sites, the naive plan beside it, and the raw counts behind both."""

    sites: pd.DataFrame  # rank, name, postcode, lon, lat, lsoa_codes, vaccinated, population
    naive: pd.DataFrame  # the same columns for the N lowest-uptake areas
    solution: CoverSolution
    naive_covered: int
    eligible: pd.DataFrame  # one row: vaccinated, population of the demand the plan aims at
    reach: Reach
    excluded_lsoas: tuple[str, ...]  # already within reach of an existing site (when asked)
    asked: int = 0  # sites asked for; `sites` holds only those that reach someone


def reaching_someone(sites: pd.DataFrame) -> pd.DataFrame:
    """Return the sites that reach at least one unvaccinated person, ranked again from 1.

    The covering model may fill the number asked with sites that add no one (everyone is
    already reached); a plan offers, and a business case costs, only the useful ones.
    """
    useful = sites[(sites["population"] - sites["vaccinated"]) > 0].reset_index(drop=True)
    return useful.assign(rank=np.arange(1, len(useful) + 1))


@dataclass(frozen=True)
class BusPlan:
    """A bus itinerary over several days, the stops that did not fit, and the assumptions."""

    itinerary: pd.DataFrame  # day, order, name, postcode, lon, lat, arrival, ..., lsoa_codes
    dropped: pd.DataFrame
    solution: CoverSolution
    timetable: Timetable
    reach: Reach
    depot_name: str
    back_at_depot: tuple[str, ...] = ()  # per day (1, 2, ...): when the bus is back, HH:MM


def _check_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Raise ValueError naming the columns a frame lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def shown_demand(demand: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return each demand point's protected counts (vaccinated, unvaccinated, population; NaN if hidden).

    Plans choose and rank places by these, never by exact or merely perturbed counts: a 0
    is exact, so weighting by unsuppressed counts would let a chosen site reveal that a
    place's one cohort member is unvaccinated. Hidden counts weigh nothing.
    """
    shown = protected_uptake(demand[list(COUNTS)].reset_index(drop=True), rule)
    return pd.DataFrame(
        {
            c: shown[c].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            for c in ("vaccinated", "unvaccinated", "population")
        }
    )


def unvaccinated_weights(
    demand: pd.DataFrame, rule: DisclosureRule, excluded: np.ndarray | None = None
) -> np.ndarray:
    """Return shown unvaccinated people per demand point, zero where hidden or excluded."""
    shown = shown_demand(demand, rule)["unvaccinated"].to_numpy()
    weights = np.nan_to_num(shown, nan=0.0).astype(np.int64)
    if excluded is not None:
        weights = np.where(excluded, 0, weights)
    return weights


def within_existing(demand: pd.DataFrame, existing: pd.DataFrame, reach: Reach) -> np.ndarray:
    """Return True for demand points already within reach of an existing site."""
    if existing.empty:
        return np.zeros(len(demand), dtype=bool)
    matrix = coverage_matrix(existing["lon"], existing["lat"], demand["lon"], demand["lat"], reach)
    return matrix.any(axis=0)


def _site_rows(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    coverage: np.ndarray,
    chosen: list[int],
    counted: np.ndarray,
) -> pd.DataFrame:
    """Return one row per chosen site with the demand it counts (each LSOA counted once)."""
    owner = np.where(counted, assign_demand(coverage, chosen), -1)
    rows = []
    for position, site in enumerate(chosen):
        mine = owner == position
        rows.append(
            {
                "rank": position + 1,
                "name": candidates["name"].iloc[site],
                "postcode": candidates["postcode"].iloc[site],
                "lon": float(candidates["lon"].iloc[site]),
                "lat": float(candidates["lat"].iloc[site]),
                "lsoa_codes": tuple(demand["lsoa_code"].to_numpy()[mine]),
                **{c: int(demand[c].to_numpy()[mine].sum()) for c in COUNTS},
            }
        )
    columns = ["rank", "name", "postcode", "lon", "lat", "lsoa_codes", *COUNTS]
    return pd.DataFrame(rows, columns=columns)


def plan_sites(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    n_sites: int,
    reach: Reach,
    existing: pd.DataFrame | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    min_population: int = 1,
    rule: DisclosureRule = DEFAULT_RULE,
) -> SitePlan:
    """Choose n pop-up sites among the candidates to reach the most unvaccinated people.

    `demand`: one row per LSOA (lsoa_code, lon, lat of its population-weighted point,
    vaccinated, population of the cohort). `candidates`: name, postcode, lon, lat; when
    they carry an `lsoa_code`, the naive plan puts a site in each of the N LSOAs with the
    lowest uptake (among LSOAs with at least `min_population` people in the cohort, outside
    existing catchments). `existing`: sites whose catchments are left out of the demand.
    """
    _check_columns(demand, DEMAND_COLUMNS, "demand")
    _check_columns(candidates, CANDIDATE_COLUMNS, "candidates")
    if candidates.empty:
        raise ValueError("there are no candidate locations")
    excluded = (
        within_existing(demand, existing, reach)
        if existing is not None
        else np.zeros(len(demand), dtype=bool)
    )
    weights = unvaccinated_weights(demand, rule, excluded)
    coverage = coverage_matrix(
        candidates["lon"], candidates["lat"], demand["lon"], demand["lat"], reach
    )
    solution = solve_mclp(coverage, weights, n_sites, time_limit_s)
    counted = ~excluded
    sites = reaching_someone(
        _site_rows(candidates, demand, coverage, list(solution.chosen), counted)
    )

    naive_chosen: list[int] = []
    if "lsoa_code" in candidates.columns:
        shown = shown_demand(demand, rule)
        population = shown["population"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            uptake = np.where(population > 0, shown["vaccinated"].to_numpy() / population, np.nan)
        eligible_points = ~np.isnan(uptake) & (np.nan_to_num(population) >= min_population)
        eligible_points &= counted
        lowest = lowest_uptake_sites(uptake, eligible_points, n_sites)
        where = {code: i for i, code in enumerate(candidates["lsoa_code"])}
        naive_chosen = [where[c] for c in demand["lsoa_code"].iloc[lowest] if c in where]
    naive = _site_rows(candidates, demand, coverage, naive_chosen, counted)
    eligible = pd.DataFrame({c: [int(demand[c].to_numpy()[counted].sum())] for c in COUNTS})
    return SitePlan(
        sites=sites,
        naive=naive,
        solution=solution,
        naive_covered=covered_count(coverage, weights, naive_chosen),
        eligible=eligible,
        reach=reach,
        excluded_lsoas=tuple(demand["lsoa_code"].to_numpy()[excluded]),
        asked=n_sites,
    )


def plan_bus(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    depot: tuple[float, float],
    depot_name: str,
    reach: Reach,
    timetable: Timetable,
    existing: pd.DataFrame | None = None,
    route_time_limit_s: float = DEFAULT_ROUTE_TIME_LIMIT_S,
    rule: DisclosureRule = DEFAULT_RULE,
) -> BusPlan:
    """Choose days x stops bus stops that reach the most unvaccinated people, then route them.

    Stops are chosen by the maximal covering model among candidates the bus can reach and
    return from within a day; OR-Tools routing then orders them into days under the time
    budget, dropping the stops worth least if they cannot all fit.
    """
    _check_columns(demand, DEMAND_COLUMNS, "demand")
    _check_columns(candidates, CANDIDATE_COLUMNS, "candidates")
    excluded = (
        within_existing(demand, existing, reach)
        if existing is not None
        else np.zeros(len(demand), dtype=bool)
    )
    weights = unvaccinated_weights(demand, rule, excluded)
    lon = np.r_[depot[0], candidates["lon"].to_numpy(dtype=float)]
    lat = np.r_[depot[1], candidates["lat"].to_numpy(dtype=float)]
    from_depot = travel_seconds(lon, lat, timetable)[0, 1:]
    fits = 2 * from_depot + timetable.dwell_minutes * 60 <= timetable.day_minutes * 60
    coverage = coverage_matrix(
        candidates["lon"], candidates["lat"], demand["lon"], demand["lat"], reach
    )
    coverage = coverage & fits[:, None]
    solution = solve_mclp(coverage, weights, timetable.days * timetable.stops_per_day)
    chosen = list(solution.chosen)
    owner = np.where(~excluded, assign_demand(coverage, chosen), -1)
    values = [int(weights[owner == k].sum()) for k in range(len(chosen))]
    visits, dropped = route_days(
        depot,
        candidates["lon"].to_numpy()[chosen],
        candidates["lat"].to_numpy()[chosen],
        values,
        timetable,
        route_time_limit_s,
    )
    # Count each person once along the itinerary, in visit order.
    in_order = [chosen[v.stop] for v in visits]
    owner = np.where(~excluded, assign_demand(coverage, in_order), -1)
    rows = []
    for position, visit in enumerate(visits):
        site = chosen[visit.stop]
        mine = owner == position
        rows.append(
            {
                "day": visit.day,
                "order": visit.order,
                "name": candidates["name"].iloc[site],
                "postcode": candidates["postcode"].iloc[site],
                "lon": float(candidates["lon"].iloc[site]),
                "lat": float(candidates["lat"].iloc[site]),
                "arrival": _clock(visit.arrival_minute),
                "departure": _clock(visit.arrival_minute + timetable.dwell_minutes),
                "travel_minutes": visit.travel_minutes,
                "lsoa_codes": tuple(demand["lsoa_code"].to_numpy()[mine]),
                **{c: int(demand[c].to_numpy()[mine].sum()) for c in COUNTS},
            }
        )
    columns = [
        "day",
        "order",
        "name",
        "postcode",
        "lon",
        "lat",
        "arrival",
        "departure",
        "travel_minutes",
        "lsoa_codes",
        *COUNTS,
    ]
    dropped_sites = candidates.iloc[[chosen[i] for i in dropped]][list(CANDIDATE_COLUMNS)]
    back = from_depot  # driving is symmetric: each candidate back to the depot
    last = {visit.day: visit for visit in visits}  # visits run in day and order
    back_at_depot = tuple(
        _clock(
            last[day].arrival_minute
            + timetable.dwell_minutes
            + round(back[chosen[last[day].stop]] / 60)
        )
        if day in last
        else _clock(timetable.start_minute)
        for day in range(1, timetable.days + 1)
    )
    return BusPlan(
        itinerary=pd.DataFrame(rows, columns=columns),
        dropped=dropped_sites.reset_index(drop=True),
        solution=solution,
        timetable=timetable,
        reach=reach,
        depot_name=depot_name,
        back_at_depot=back_at_depot,
    )


def _clock(minute: int) -> str:
    """Return minutes after midnight as HH:MM."""
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def top_languages(
    lsoa_codes: tuple[str, ...], languages: pd.DataFrame, rule: DisclosureRule, n: int = 3
) -> str:
    """Return the n commonest first languages among the unvaccinated of some LSOAs, protected.

    `languages`: lsoa_code, main_language, vaccinated, population and their key sums.
    Languages are ordered by their shown unvaccinated counts (ties by name), small ones '<8'.
    """
    mine = languages[languages["lsoa_code"].isin(lsoa_codes)]
    if mine.empty:
        return ""
    counts = ["vaccinated", "population", *KEY_COLUMNS]  # key sums add over disjoint LSOAs
    summed = mine.groupby("main_language", as_index=False)[counts].sum()
    summed = summed[summed["population"] > summed["vaccinated"]]
    protected = protected_uptake(summed, rule)
    protected = protected[protected["unvaccinated_suppressed"] | (protected["unvaccinated"] > 0)]
    parts = []
    for row in largest_shown(protected, "unvaccinated", "main_language", n).itertuples():
        count = rule.suppressed_text if row.unvaccinated_suppressed else f"{row.unvaccinated:,}"
        parts.append(f"{row.main_language} ({count})")
    return ", ".join(parts)
