"""A plan saved as an intervention in one click: a Plan outreach bus itinerary, a business case.

Each returns the `RecordedIntervention` to store (phm.interventions.register) or raises
ValueError with the reason it cannot be recorded (no areas, too many, no dates...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from phm.analysis.business_case import INTERVENTIONS
from phm.cohort import Cohort
from phm.interventions.record import MAX_NAME, RecordedIntervention


def without_places(cohort: Cohort) -> Cohort:
    """Return the cohort's people without its places (a record says where in its MSOAs)."""
    return cohort.with_(msoas=(), lsoas=(), boroughs=())


def msoas_of(lsoa_codes: Iterable[str], lsoa_msoa: Mapping[str, str]) -> tuple[str, ...]:
    """Return the MSOAs of some LSOAs, sorted, without repeats (unknown LSOAs are skipped)."""
    return tuple(sorted({lsoa_msoa[c] for c in lsoa_codes if c in lsoa_msoa}))


def stop_msoas(stops: Sequence[tuple[float, float]], lsoas: pd.DataFrame) -> tuple[str, ...]:
    """Return the MSOAs the stops (lon, lat) are in: each stop's nearest LSOA centre's MSOA.

    `lsoas` has lsoa_code, msoa_code, centroid_lon and centroid_lat (phm.queries.geography).
    Distances are on a flat map scaled by the cosine of the latitude (enough within an ICS).
    """
    lon = lsoas["centroid_lon"].to_numpy(float)
    lat = lsoas["centroid_lat"].to_numpy(float)
    out = set()
    for x, y in stops:
        squared = ((lon - x) * np.cos(np.radians(y))) ** 2 + (lat - y) ** 2
        out.add(str(lsoas["msoa_code"].iloc[int(np.argmin(squared))]))
    return tuple(sorted(out))


def from_bus_plan(
    *,
    depot: str,
    stops: Sequence[tuple[float, float]],
    dates: Sequence[date],
    cohort: Cohort,
    lsoas: pd.DataFrame,
) -> RecordedIntervention:
    """Return a vaccine-bus itinerary as an intervention.

    `stops` are the itinerary's stops (lon, lat); the record's areas are the MSOAs they are in
    (stop_msoas). It runs from the first to the last day of the plan, for the plan's cohort
    (without its places), and costs the business case's cost of a bus day per day.
    """
    if not dates:
        raise ValueError("the plan has no days")
    if not stops:
        raise ValueError("the plan has no stops")
    areas = stop_msoas(stops, lsoas)
    bus = INTERVENTIONS["bus"]
    days = len(dates)
    name = f"Vaccine bus from {depot}, {dates[0]:%d %b %Y}"[:MAX_NAME]
    return RecordedIntervention(
        name=name,
        kind="bus",
        msoas=areas,
        site_id="",
        start=min(dates),
        end=max(dates),
        cohort=without_places(cohort),
        cost_gbp=bus.cost_per_unit * days,
        note=(
            f"Recorded from a Plan outreach itinerary: {len(stops)} stops over {days} days from"
            f" {depot}, in the MSOAs the stops are in. Cost: {bus.units_text(days)} at"
            f" £{bus.cost_per_unit:,.0f} each (the business case's assumption; change it when"
            " the real cost is known)."
        ),
    )


def from_business_case(
    *,
    key: str,
    units: int,
    cost_gbp: float,
    cohort: Cohort,
    lsoa_msoa: Mapping[str, str],
    borough_msoas: Mapping[str, Sequence[str]],
    start: date,
    end: date,
) -> RecordedIntervention:
    """Return one costed intervention of a business case, for its cohort, as an intervention.

    Its areas are the cohort's places as MSOAs (its MSOAs, its LSOAs' and its boroughs');
    a cohort without places cannot be recorded (say where first).
    """
    intervention = INTERVENTIONS[key]
    areas = set(cohort.msoas) | set(msoas_of(cohort.lsoas, lsoa_msoa))
    for borough in cohort.boroughs:
        areas |= set(borough_msoas.get(borough, ()))
    if not areas:
        raise ValueError("choose the areas it will run in (boroughs, MSOAs or LSOAs) first")
    return RecordedIntervention(
        name=f"{intervention.name}: {intervention.units_text(units)}, {start:%d %b %Y}"[:MAX_NAME],
        kind=key,
        msoas=tuple(sorted(areas)),
        site_id="",
        start=start,
        end=end,
        cohort=without_places(cohort),
        cost_gbp=float(cost_gbp),
        note=f"Recorded from a business case: {intervention.units_text(units)}.",
    )
