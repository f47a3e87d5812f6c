"""Plans as display tables: every count through disclosure control, ready to show or export."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from phm.analysis.summaries import protected_uptake
from phm.disclosure import DisclosureRule, format_count
from phm.geo import haversine_m
from phm.outreach.plan import COUNTS, BusPlan, SitePlan, top_languages


@dataclass(frozen=True)
class ReachSummary:
    """Protected totals of the optimised and naive plans, and how many more the optimiser reaches."""

    optimised: str
    naive: str
    eligible: str
    extra: str
    extra_value: int | None


def _counts(frame: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return a vaccinated/population frame protected as rows that are not siblings."""
    return protected_uptake(frame, rule)


def _shown(row: pd.Series, column: str, rule: DisclosureRule) -> str:
    """Return a protected count as text."""
    return format_count(row[column], bool(row[f"{column}_suppressed"]), rule)


def reach_summary(plan: SitePlan, rule: DisclosureRule) -> ReachSummary:
    """Return the unvaccinated people reached by each plan, protected, and the difference."""
    totals = pd.DataFrame(
        {
            "plan": ["optimised", "naive", "eligible"],
            **{
                c: [
                    int(plan.sites[c].sum()),
                    int(plan.naive[c].sum()),
                    int(plan.eligible[c].iloc[0]),
                ]
                for c in COUNTS
            },
        }
    )
    protected = _counts(totals, rule)
    rows = {r["plan"]: r for _, r in protected.iterrows()}
    optimised, naive = rows["optimised"], rows["naive"]
    extra_value = None
    extra = "–"
    if not optimised["unvaccinated_suppressed"] and not naive["unvaccinated_suppressed"]:
        # The difference of the shown (rounded) counts, so it reveals nothing more than they do.
        extra_value = int(optimised["unvaccinated"]) - int(naive["unvaccinated"])
        extra = f"{extra_value:+,}"
    return ReachSummary(
        optimised=_shown(optimised, "unvaccinated", rule),
        naive=_shown(naive, "unvaccinated", rule),
        eligible=_shown(rows["eligible"], "unvaccinated", rule),
        extra=extra,
        extra_value=extra_value,
    )


def site_table(sites: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return chosen sites with protected counts: rank, site, postcode, reach, LSOAs."""
    protected = _counts(sites[list(COUNTS)], rule)
    return pd.DataFrame(
        {
            "Rank": sites["rank"].to_numpy(),
            "Site": sites["name"].to_numpy(),
            "Postcode": sites["postcode"].to_numpy(),
            "Unvaccinated within reach (counted once)": [
                _shown(r, "unvaccinated", rule) for _, r in protected.iterrows()
            ],
            "People in cohort within reach": [
                _shown(r, "population", rule) for _, r in protected.iterrows()
            ],
            "LSOAs reached": [len(c) for c in sites["lsoa_codes"]],
            "LSOA codes": [" ".join(c) for c in sites["lsoa_codes"]],
            "Longitude": sites["lon"].round(6).to_numpy(),
            "Latitude": sites["lat"].round(6).to_numpy(),
        }
    )


def plan_dates(first_day: date, days: int) -> list[date]:
    """Return the date of each day of a bus plan: consecutive weekdays from `first_day`."""
    out, day = [], first_day
    while len(out) < days:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def day_headings(plan: BusPlan, first_day: date, leaves: str) -> dict[int, str]:
    """Return each day's heading: its date, when the bus leaves and when it is back at the depot."""
    dates = plan_dates(first_day, plan.timetable.days)
    back = plan.back_at_depot or ("",) * plan.timetable.days
    return {
        day: f"Day {day}, {when:%A %d %B %Y}: leaves {plan.depot_name} at {leaves},"
        f" back at the depot at {back[day - 1]}"
        for day, when in enumerate(dates, start=1)
    }


def itinerary_table(plan: BusPlan, languages: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """Return the bus itinerary with protected reach and the commonest languages at each stop."""
    stops = plan.itinerary
    protected = _counts(stops[list(COUNTS)], rule)
    return pd.DataFrame(
        {
            "Day": stops["day"].to_numpy(),
            "Order": stops["order"].to_numpy(),
            "Stop": stops["name"].to_numpy(),
            "Nearest postcode": stops["postcode"].to_numpy(),
            "Arrive": stops["arrival"].to_numpy(),
            "Leave": stops["departure"].to_numpy(),
            "Drive (min)": stops["travel_minutes"].to_numpy(),
            "Unvaccinated within reach (counted once)": [
                _shown(r, "unvaccinated", rule) for _, r in protected.iterrows()
            ],
            "Top first languages among them": [
                top_languages(codes_, languages, rule) for codes_ in stops["lsoa_codes"]
            ],
        }
    )


def bus_total(plan: BusPlan, rule: DisclosureRule) -> str:
    """Return the unvaccinated people reached by the whole itinerary, protected."""
    total = pd.DataFrame({c: [int(plan.itinerary[c].sum())] for c in COUNTS})
    return _shown(_counts(total, rule).iloc[0], "unvaccinated", rule)


def site_tooltips(table: pd.DataFrame) -> list[str]:
    """Return the map tooltip (HTML, names escaped) of each site of a site_table."""
    reached = table["Unvaccinated within reach (counted once)"]
    return [
        f"<b>{rank}. {html.escape(str(site))}</b><br>{count} unvaccinated within reach"
        for rank, site, count in zip(table["Rank"], table["Site"], reached, strict=True)
    ]


def stop_tooltips(table: pd.DataFrame) -> list[str]:
    """Return the map tooltip (HTML, names escaped) of each stop of an itinerary_table."""
    return [
        f"<b>Day {r.Day}, stop {r.Order}</b><br>{html.escape(str(r.Stop))}<br>Arrive {r.Arrive}"
        for r in table.itertuples()
    ]


def depot_tooltip(name: str) -> str:
    """Return the map tooltip (HTML, the name escaped) of the bus depot."""
    return f"<b>Depot</b><br>{html.escape(name)}"


DEPOT_MODELS = (
    "vaccination_centre",
    "hospital_hub",
)  # where a vaccine bus is first offered to start


def default_depot(sites: pd.DataFrame, target: tuple[float, float] | None = None) -> int:
    """Return the position among `sites` (site rows in order) of the depot offered first.

    The vaccination centre or hospital hub nearest `target` (the centre of the target group's
    unvaccinated people, target_centre), else the first of them; the first site when none.
    """
    preferred = [i for i, model in enumerate(sites["delivery_model"]) if model in DEPOT_MODELS]
    if not preferred:
        return 0
    if target is None:
        return preferred[0]
    lon = sites["lon"].to_numpy(dtype=float)[preferred]
    lat = sites["lat"].to_numpy(dtype=float)[preferred]
    return preferred[int(np.argmin(haversine_m(lon, lat, target[0], target[1])))]


def target_centre(
    lon: pd.Series, lat: pd.Series, unvaccinated: pd.Series
) -> tuple[float, float] | None:
    """Return the centre of a group's unvaccinated people (areas' points weighted by shown counts)."""
    weights = pd.to_numeric(unvaccinated, errors="coerce").fillna(0).to_numpy(dtype=float)
    if weights.sum() <= 0:
        return None
    return (
        float(np.average(lon.to_numpy(dtype=float), weights=weights)),
        float(np.average(lat.to_numpy(dtype=float), weights=weights)),
    )
