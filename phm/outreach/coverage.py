"""Coverage: which demand points (LSOA population-weighted points) each candidate site reaches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from phm.geo import distance_matrix, haversine_m

DEFAULT_WALK_M = 800
DEFAULT_WALK_FACTOR = 1.25  # walking route over straight line, a typical urban detour ratio


@dataclass(frozen=True)
class Reach:
    """How far a site reaches: a walking distance and the walking/straight-line factor used."""

    walk_m: float = DEFAULT_WALK_M
    factor: float = DEFAULT_WALK_FACTOR

    def __post_init__(self) -> None:
        """Check the distance and factor are usable."""
        if not 0 < self.walk_m <= 20_000:
            raise ValueError(f"walking distance must be 1 m to 20 km, got {self.walk_m}")
        if not 1 <= self.factor <= 3:
            raise ValueError(f"walking factor must be 1 to 3, got {self.factor}")

    @property
    def straight_m(self) -> float:
        """Return the straight-line radius that the walking distance stands for."""
        return self.walk_m / self.factor

    def describe(self) -> str:
        """Return the reach in one phrase for captions and exports."""
        return (
            f"{self.walk_m:,.0f} m walk, taken as {self.straight_m:,.0f} m in a straight line"
            f" (walking route = {self.factor:g} x straight line)"
        )


def weighted_points(postcodes: pd.DataFrame) -> pd.DataFrame:
    """Return one population-weighted point per LSOA: the live postcode nearest its postcodes' mean.

    Residential postcodes stand in for where people live (there are more where more people
    live); taking a real postcode keeps the point on an address and gives it a postcode.
    """
    needed = {"postcode", "lsoa_code", "lon", "lat", "is_live"}
    if not needed <= set(postcodes.columns):
        raise ValueError(f"postcodes need columns {sorted(needed)}")
    live = postcodes[postcodes["is_live"].astype(bool)]
    live = live if live["lsoa_code"].nunique() == postcodes["lsoa_code"].nunique() else postcodes
    means = live.groupby("lsoa_code")[["lon", "lat"]].transform("mean")
    distance = haversine_m(live["lon"], live["lat"], means["lon"], means["lat"])
    nearest = live.assign(_d=distance).sort_values(["lsoa_code", "_d", "postcode"])
    points = nearest.drop_duplicates("lsoa_code")[["lsoa_code", "postcode", "lon", "lat"]]
    return points.reset_index(drop=True)


def coverage_matrix(
    site_lon: Sequence[float],
    site_lat: Sequence[float],
    demand_lon: Sequence[float],
    demand_lat: Sequence[float],
    reach: Reach,
) -> np.ndarray:
    """Return a boolean matrix: True where a site (row) reaches a demand point (column)."""
    return distance_matrix(site_lon, site_lat, demand_lon, demand_lat) <= reach.straight_m


def covered_count(coverage: np.ndarray, weights: Sequence[int], chosen: Sequence[int]) -> int:
    """Return the weight of demand reached by any chosen site, each point counted once."""
    weights = np.asarray(weights)
    if len(chosen) == 0:
        return 0
    reached = coverage[list(chosen)].any(axis=0)
    return int(weights[reached].sum())


def assign_demand(coverage: np.ndarray, chosen: Sequence[int]) -> np.ndarray:
    """Return, per demand point, the position in `chosen` of the site that counts it, or -1.

    A point reached by several chosen sites counts for the first of them in `chosen`,
    so that the sites' counts add up to the total reach.
    """
    owner = np.full(coverage.shape[1], -1, dtype=int)
    for position, site in enumerate(chosen):
        free = (owner == -1) & coverage[site]
        owner[free] = position
    return owner


def order_by_gain(coverage: np.ndarray, weights: Sequence[int], chosen: Sequence[int]) -> list[int]:
    """Return the chosen sites ordered greedily: each next site adds the most not yet reached."""
    weights = np.asarray(weights, dtype=float)
    remaining = list(chosen)
    reached = np.zeros(coverage.shape[1], dtype=bool)
    ordered: list[int] = []
    while remaining:
        gains = coverage[remaining] @ np.where(reached, 0.0, weights)
        best = remaining.pop(int(np.argmax(gains)))
        ordered.append(best)
        reached |= coverage[best]
    return ordered


def lowest_uptake_sites(
    uptake: Sequence[float], eligible: Sequence[bool], n_sites: int
) -> list[int]:
    """Return the indices of the n areas with the lowest uptake among the eligible ones.

    This is the naive plan the optimiser is compared with: a pop-up in each of the
    N areas that look worst on the map. Ties are broken by position.
    """
    uptake = np.asarray(uptake, dtype=float)
    eligible = np.asarray(eligible, dtype=bool) & ~np.isnan(uptake)
    order = np.lexsort((np.arange(len(uptake)), uptake))
    return [int(i) for i in order if eligible[i]][:n_sites]
