"""Area-level attributes of each LSOA: deprivation, size, age and ethnic mix, uptake effects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from phm import codes
from phm.geo import distance_matrix
from phm.synth import assumptions as A
from phm.synth.calibration import Calibration
from phm.synth.random import rng_for

ETHNICITY_CODES = [e.code for e in codes.ETHNICITIES]


@dataclass
class Areas:
    """LSOA attributes used by the person generator."""

    lsoa: pd.DataFrame  # one row per LSOA, in the order used by every array below
    distance_m: np.ndarray  # LSOA x LSOA centroid distances
    deprivation: np.ndarray  # -1 least to +1 most deprived
    uptake_effect: np.ndarray  # log odds added to every resident's propensity
    community: dict[str, np.ndarray]  # language -> intensity 0..1 per LSOA


def _smooth_field(
    distance_m: np.ndarray, rng: np.random.Generator, bumps: int, sigma_m: float
) -> np.ndarray:
    """Return a spatially smooth random field over LSOAs (a sum of Gaussian bumps)."""
    centres = rng.choice(distance_m.shape[0], size=bumps, replace=False)
    weights = rng.normal(0, 1, size=bumps)
    field = (np.exp(-((distance_m[:, centres] / sigma_m) ** 2) / 2) * weights).sum(axis=1)
    return (field - field.mean()) / (field.std() or 1.0)


def simulate_imd(lsoa: pd.DataFrame, distance_m: np.ndarray, seed: int) -> pd.DataFrame:
    """Simulate IMD deciles with spatial structure: deprived east, clusters, borough effects."""
    rng = rng_for(seed, "areas.imd")
    lon = lsoa["centroid_lon"].to_numpy()
    lat = lsoa["centroid_lat"].to_numpy()
    gradient = (lon - lon.mean()) / (lon.std() or 1) - 0.3 * (lat - lat.mean()) / (lat.std() or 1)
    score = 0.6 * gradient + _smooth_field(distance_m, rng, max(5, len(lsoa) // 15), 1500.0)
    score += rng.normal(0, 0.5, size=len(lsoa))
    order = np.argsort(-score)  # most deprived first
    shares = np.cumsum(A.SYNTHETIC_IMD_DECILE_SHARES)
    decile = np.empty(len(lsoa), dtype=int)
    decile[order] = np.searchsorted(shares * len(lsoa), np.arange(len(lsoa)), side="right") + 1
    decile = np.clip(decile, 1, 10)
    rank = ((decile - 1) * 3284.4 + rng.uniform(1, 3284, size=len(lsoa))).astype(int)
    return pd.DataFrame({"imd_decile": decile, "imd_rank": rank, "imd_source": "synthetic"})


def build_areas(lsoa: pd.DataFrame, seed: int, calibration: Calibration | None) -> Areas:
    """Return LSOA attributes, taking real values from the calibration where it has them."""
    lsoa = lsoa.sort_values("lsoa_code").reset_index(drop=True)
    distance = distance_matrix(
        lsoa["centroid_lon"], lsoa["centroid_lat"], lsoa["centroid_lon"], lsoa["centroid_lat"]
    )
    imd = simulate_imd(lsoa, distance, seed)
    if calibration is not None and calibration.imd is not None:
        real = lsoa[["lsoa_code"]].merge(calibration.imd, on="lsoa_code", how="left")
        has = real["imd_decile"].notna().to_numpy()
        imd.loc[has, "imd_decile"] = real.loc[has, "imd_decile"].astype(int).to_numpy()
        imd.loc[has, "imd_rank"] = real.loc[has, "imd_rank"].astype(int).to_numpy()
        imd.loc[has, "imd_source"] = "IoD2019"
    lsoa = pd.concat([lsoa, imd], axis=1)
    deprivation = (5.5 - lsoa["imd_decile"].to_numpy()) / 4.5

    rng = rng_for(seed, "areas.effects")
    effect = rng.normal(0, A.AREA_EFFECT_SD, size=len(lsoa))
    n_pockets = max(1, round(len(lsoa) * A.POCKETS_PER_100_LSOAS / 100))
    weights = np.exp(1.5 * deprivation)
    centres = rng.choice(len(lsoa), size=n_pockets, replace=False, p=weights / weights.sum())
    depth = rng.uniform(0.5, 1.0, size=n_pockets) * A.POCKET_DEPTH
    pocket = (np.exp(-((distance[:, centres] / A.POCKET_RADIUS_M) ** 2) / 2) * depth).max(axis=1)
    effect -= pocket
    if calibration is not None and calibration.msoa_uptake_effect is not None:
        real = lsoa[["msoa_code"]].merge(calibration.msoa_uptake_effect, on="msoa_code", how="left")
        known = real["effect"].notna().to_numpy()
        # Real MSOA differences replace the simulated deprivation slope and pockets there.
        effect[known] = real.loc[known, "effect"].to_numpy() + rng.normal(0, 0.1, known.sum())
        effect[known] -= A.FIRST_DOSE_DEPRIVATION * deprivation[known]
    lsoa["uptake_effect"] = effect

    community: dict[str, np.ndarray] = {}
    rng_c = rng_for(seed, "areas.communities")
    for language, _hosts, boroughs, n_centres in A.COMMUNITIES:
        eligible = np.flatnonzero(lsoa["lad_code"].isin(boroughs).to_numpy())
        if eligible.size == 0:
            eligible = np.arange(len(lsoa))
        p = np.exp(deprivation[eligible])
        chosen = rng_c.choice(
            eligible, size=min(n_centres, eligible.size), replace=False, p=p / p.sum()
        )
        community[language] = np.exp(-((distance[:, chosen] / A.COMMUNITY_RADIUS_M) ** 2) / 2).max(
            axis=1
        )
    return Areas(lsoa, distance, deprivation, effect, community)


def lsoa_weights(areas: Areas, seed: int, calibration: Calibration | None) -> np.ndarray:
    """Return each LSOA's share of registered persons."""
    rng = rng_for(seed, "areas.size")
    weights = rng.lognormal(0, 0.15, size=len(areas.lsoa))
    if calibration is not None and calibration.population is not None:
        real = areas.lsoa[["lsoa_code"]].merge(calibration.population, on="lsoa_code", how="left")
        known = real["total"].notna().to_numpy()
        weights[known] = real.loc[known, "total"].to_numpy() / real.loc[known, "total"].mean()
    return weights / weights.sum()


def ethnicity_weights(
    areas: Areas, weights: np.ndarray, seed: int, calibration: Calibration | None
) -> dict[str, np.ndarray]:
    """Return per-LSOA ethnic category probabilities for children, adults and older people.

    Local variation (deprivation, communities, noise) moves people between LSOAs of a
    borough, then each borough is rescaled back to its overall mix.
    """
    rng = rng_for(seed, "areas.ethnicity")
    n = len(areas.lsoa)
    base = np.array(
        [
            [A.BOROUGH_ETHNICITY.get(lad, A.DEFAULT_ETHNICITY).get(c, 0.0) for c in ETHNICITY_CODES]
            for lad in areas.lsoa["lad_code"]
        ]
    )
    betas = np.array([A.ETHNICITY_DEPRIVATION.get(c, 0.0) for c in ETHNICITY_CODES])
    base = (
        base * np.exp(np.outer(areas.deprivation, betas)) * rng.lognormal(0, 0.3, size=base.shape)
    )
    for language, hosts, _b, _n in A.COMMUNITIES:
        for host in hosts:
            base[:, ETHNICITY_CODES.index(host)] *= 1 + 0.6 * areas.community[language]
    lad = areas.lsoa["lad_code"].to_numpy()
    for code in np.unique(lad):
        rows = lad == code
        target = np.array(
            [
                A.BOROUGH_ETHNICITY.get(code, A.DEFAULT_ETHNICITY).get(c, 0.0)
                for c in ETHNICITY_CODES
            ]
        )
        shares = base[rows] / base[rows].sum(axis=1, keepdims=True)
        current = (shares * weights[rows, None]).sum(axis=0)
        factor = np.where(current > 0, target / target.sum() / np.where(current > 0, current, 1), 0)
        base[rows] = shares * factor * weights[rows].sum()
    if calibration is not None and calibration.ethnic_groups is not None:
        real = areas.lsoa[["msoa_code"]].merge(
            calibration.ethnic_groups, on="msoa_code", how="left"
        )
        group_of = [codes.ETHNICITY_GROUP[c] for c in ETHNICITY_CODES]
        for group, column in (
            ("White", "white"),
            ("Mixed", "mixed"),
            ("Asian or Asian British", "asian"),
            ("Black or Black British", "black"),
            ("Other ethnic groups", "other"),
        ):
            idx = [i for i, g in enumerate(group_of) if g == group]
            target = real[column].to_numpy()
            known = ~np.isnan(target)
            current = base[:, idx].sum(axis=1) / base.sum(axis=1)
            factor = np.where(
                known & (current > 0), target / np.where(current > 0, current, 1), 1.0
            )
            base[:, idx] *= factor[:, None]
    base[:, ETHNICITY_CODES.index("Z")] = 0
    base[:, ETHNICITY_CODES.index("99")] = 0
    out = {}
    for group in ("child", "adult", "older"):
        mult = np.array([A.ETHNICITY_AGE.get(group, {}).get(c, 1.0) for c in ETHNICITY_CODES])
        w = base * mult
        w = w / w.sum(axis=1, keepdims=True) * (1 - A.NOT_STATED_SHARE)
        w[:, ETHNICITY_CODES.index("Z")] = A.NOT_STATED_SHARE
        out[group] = w / w.sum(axis=1, keepdims=True)
    assert all(v.shape == (n, len(ETHNICITY_CODES)) for v in out.values())
    return out
