"""Synthetic practices, PCNs and vaccination sites placed on the real geography."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from phm import schema
from phm.geo import distance_matrix
from phm.synth import assumptions as A
from phm.synth.areas import Areas
from phm.synth.random import rng_for, sample_rows

PRACTICE_WORDS = (
    "Park",
    "Grove",
    "Road",
    "Hill",
    "Green",
    "Lane",
    "Gardens",
    "Village",
    "Square",
    "Avenue",
    "Station",
    "Church",
    "Bridge",
    "Common",
    "Vale",
    "Fields",
    "Rise",
)
PRACTICE_KINDS = (
    "Medical Centre",
    "Surgery",
    "Health Centre",
    "Group Practice",
    "Medical Practice",
)
COMPASS = (
    "North",
    "South",
    "East",
    "West",
    "Central",
    "North East",
    "North West",
    "South East",
    "South West",
    "Inner",
    "Outer",
)
# Real NCL hospital sites (public locations), used for hospital hubs when the ICB is NCL.
NCL_HOSPITALS = (
    ("Royal Free Hospital hub", -0.1652, 51.5531),
    ("University College Hospital hub", -0.1357, 51.5246),
    ("Whittington Hospital hub", -0.1387, 51.5656),
    ("North Middlesex Hospital hub", -0.0706, 51.6130),
    ("Barnet Hospital hub", -0.2146, 51.6506),
    ("Chase Farm Hospital hub", -0.1034, 51.6660),
)
POP_UP_PLACES = (
    "Mosque",
    "Community Centre",
    "Church",
    "Library",
    "Football Stadium",
    "University Campus",
    "Gurdwara",
    "Synagogue",
    "Leisure Centre",
    "Market",
)


def _jitter(
    lon: np.ndarray, lat: np.ndarray, rng: np.random.Generator, metres: float
) -> tuple[np.ndarray, np.ndarray]:
    """Move points by up to about `metres`, keeping them near their LSOA centroid."""
    dlat = rng.normal(0, metres, lon.size) / 111_320
    dlon = rng.normal(0, metres, lon.size) / (111_320 * np.cos(np.radians(lat)))
    return lon + dlon, lat + dlat


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 20) -> np.ndarray:
    """Return cluster labels of points (seeded Lloyd's algorithm; k is small)."""
    k = max(1, min(k, len(points)))
    centres = points[rng.choice(len(points), size=k, replace=False)]
    labels = np.zeros(len(points), dtype=int)
    for _ in range(rounds):
        labels = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for j in range(k):
            if np.any(labels == j):
                centres[j] = points[labels == j].mean(axis=0)
    return labels


def build_practices(areas: Areas, weights: np.ndarray, seed: int) -> pd.DataFrame:
    """Return practices in PCNs, spread over each borough in proportion to its population."""
    rng = rng_for(seed, "services.practices")
    lsoa = areas.lsoa
    n_lsoa = len(lsoa)
    scale_to_icb = n_lsoa / 795
    n_practices = max(5, round(A.PRACTICES_AT_SCALE_1 * scale_to_icb))
    n_pcns = max(1, round(A.PCNS_AT_SCALE_1 * scale_to_icb))
    rows = []
    pcn_counter = 0
    lads = lsoa.groupby("lad_code")["lad_name"].first()
    lad_weight = pd.Series(weights, index=lsoa.index).groupby(lsoa["lad_code"]).sum()
    for lad_code, lad_name in lads.items():
        in_lad = np.flatnonzero(lsoa["lad_code"].to_numpy() == lad_code)
        k = max(1, round(n_practices * lad_weight[lad_code]))
        chosen = rng.choice(
            in_lad,
            size=min(k, in_lad.size),
            replace=False,
            p=weights[in_lad] / weights[in_lad].sum(),
        )
        lon, lat = _jitter(
            lsoa["centroid_lon"].to_numpy()[chosen],
            lsoa["centroid_lat"].to_numpy()[chosen],
            rng,
            120,
        )
        n_lad_pcns = max(1, round(n_pcns * lad_weight[lad_code]))
        labels = _kmeans(np.c_[lon, lat * 1.6], n_lad_pcns, rng)
        for label in np.unique(labels):
            pcn_counter += 1
            pcn_code = f"U{pcn_counter:05d}"
            pcn_name = f"{lad_name} {COMPASS[label % len(COMPASS)]} PCN"
            if label >= len(COMPASS):
                pcn_name = (
                    f"{lad_name} {COMPASS[label % len(COMPASS)]} {label // len(COMPASS) + 1} PCN"
                )
            for i in np.flatnonzero(labels == label):
                name = f"{rng.choice(PRACTICE_WORDS)} {rng.choice(PRACTICE_KINDS)}"
                rows.append((pcn_code, pcn_name, lad_code, float(lon[i]), float(lat[i]), name))
    practices = pd.DataFrame(
        rows, columns=["pcn_code", "pcn_name", "lad_code", "lon", "lat", "practice_name"]
    )
    practices.insert(0, "practice_code", [f"P{i + 1:05d}" for i in range(len(practices))])
    dup = practices.duplicated("practice_name", keep=False)
    practices.loc[dup, "practice_name"] = (
        practices.loc[dup, "practice_name"] + " (" + practices.loc[dup, "practice_code"] + ")"
    )
    return practices[
        ["practice_code", "practice_name", "pcn_code", "pcn_name", "lad_code", "lon", "lat"]
    ]


def assign_practices(
    areas: Areas, practices: pd.DataFrame, lsoa_idx: np.ndarray, seed: int
) -> np.ndarray:
    """Return each person's practice code: mostly one of the practices near their LSOA."""
    rng = rng_for(seed, "services.registration")
    d = distance_matrix(
        areas.lsoa["centroid_lon"], areas.lsoa["centroid_lat"], practices["lon"], practices["lat"]
    )
    appeal = rng_for(seed, "services.appeal").lognormal(0, 0.5, len(practices))
    probs = appeal[None, :] * np.exp(-d / 900.0)
    probs /= probs.sum(axis=1, keepdims=True)
    return practices["practice_code"].to_numpy()[sample_rows(probs, lsoa_idx, rng)]


def build_sites(
    areas: Areas,
    weights: np.ndarray,
    practices: pd.DataFrame,
    postcodes: pd.DataFrame | None,
    seed: int,
    is_ncl: bool,
) -> pd.DataFrame:
    """Return vaccination sites of every delivery model, placed plausibly."""
    rng = rng_for(seed, "services.sites")
    lsoa = areas.lsoa
    lon0, lat0 = lsoa["centroid_lon"].to_numpy(), lsoa["centroid_lat"].to_numpy()
    rows: list[tuple] = []

    def add(
        model: str, name: str, lon: float, lat: float, opened: date, closed: date | None
    ) -> None:
        rows.append((model, name, float(lon), float(lat), opened, closed))

    def place(k: int, p: np.ndarray) -> np.ndarray:
        return rng.choice(len(lsoa), size=min(k, len(lsoa)), replace=False, p=p / p.sum())

    scale = len(lsoa) / 795
    for i in place(max(1, round(4 * scale)), weights):
        add(
            "vaccination_centre",
            f"{lsoa['lsoa_name'].iat[i].rsplit(' ', 1)[0]} Vaccination Centre",
            lon0[i],
            lat0[i],
            date(2021, 1, 11),
            date(2021, 11, 30),
        )
    if is_ncl:
        for name, lon, lat in NCL_HOSPITALS:
            add("hospital_hub", name, lon, lat, A.PROGRAMME_START, None)
    else:
        for j, i in enumerate(place(max(1, round(6 * scale)), weights**2)):
            add("hospital_hub", f"Hospital hub {j + 1}", lon0[i], lat0[i], A.PROGRAMME_START, None)
    for _, group in practices.groupby("pcn_code", sort=True):
        lead = group.iloc[0]
        add(
            "gp_pcn_site",
            f"{lead['pcn_name']} vaccination site",
            lead["lon"],
            lead["lat"],
            date(2020, 12, 14),
            None,
        )
        add(
            "housebound_visit",
            f"{lead['pcn_name']} roving team",
            lead["lon"],
            lead["lat"],
            A.CARE_HOME_VISITS_FROM,
            None,
        )
    for j, i in enumerate(place(max(3, round(60 * scale)), weights)):
        opened = date(2021, 1, 14) + timedelta(days=int(rng.integers(0, 70)))
        add(
            "community_pharmacy",
            f"{lsoa['lsoa_name'].iat[i].rsplit(' ', 1)[0]} Pharmacy {j + 1}",
            lon0[i],
            lat0[i],
            opened,
            None,
        )
    low_uptake = np.exp(-2.0 * areas.uptake_effect + areas.deprivation) * weights
    for j, i in enumerate(place(max(2, round(20 * scale)), low_uptake)):
        opened = date(2021, 4, 1) + timedelta(days=int(rng.integers(0, 240)))
        closed = opened + timedelta(days=int(rng.integers(30, 120)))
        add(
            "pop_up",
            f"Pop-up: {lsoa['lsoa_name'].iat[i].rsplit(' ', 1)[0]} {POP_UP_PLACES[j % len(POP_UP_PLACES)]}",
            lon0[i],
            lat0[i],
            opened,
            min(closed, A.PROGRAMME_END),
        )
    for j, i in enumerate(place(max(2, round(12 * scale)), low_uptake)):
        opened = date(2021, 5, 1) + timedelta(days=int(rng.integers(0, 250)))
        closed = opened + timedelta(days=int(rng.integers(20, 90)))
        add(
            "vaccine_bus",
            f"Vaccine bus stop {j + 1}: {lsoa['lsoa_name'].iat[i].rsplit(' ', 1)[0]}",
            lon0[i],
            lat0[i],
            opened,
            min(closed, A.PROGRAMME_END),
        )
    sites = pd.DataFrame(
        rows, columns=["delivery_model", "site_name", "lon", "lat", "opened", "closed"]
    )
    moved = ~sites["delivery_model"].isin(["hospital_hub", "gp_pcn_site", "housebound_visit"])
    lon, lat = _jitter(sites["lon"].to_numpy(), sites["lat"].to_numpy(), rng, 150)
    sites.loc[moved, "lon"] = lon[moved.to_numpy()]
    sites.loc[moved, "lat"] = lat[moved.to_numpy()]
    sites.insert(0, "site_id", [f"S{i + 1:04d}" for i in range(len(sites))])
    sites["postcode"] = None
    if postcodes is not None and len(postcodes):
        d = distance_matrix(sites["lon"], sites["lat"], postcodes["lon"], postcodes["lat"])
        sites["postcode"] = postcodes["postcode"].to_numpy()[np.argmin(d, axis=1)]
    sites["source"] = "synthetic"
    return sites[schema.column_names("site")]
