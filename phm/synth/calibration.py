"""Real area data that shapes the demo: the ICB's official data store and/or --reference-dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from phm.official.catalog import ETHNICITY_FILE, IMD_FILE, POPULATION_FILE
from phm.official.readers import read_ethnicity, read_imd, read_population
from phm.official.store import load_official

MSOA_VACCINATIONS_FILE = "nhse_msoa_vaccinations/vaccinations-MSOA-20210311.csv"
NIMS_POPULATION_FILE = "nhse_msoa_vaccinations/NIMS-MSOA-population.csv"
OLDER_BANDS = ("60-64", "65-69", "70-74", "75-79", "80+")


@dataclass
class Calibration:
    """Real area figures; any part may be None when its file is absent."""

    imd: pd.DataFrame | None  # lsoa_code, imd_decile, imd_rank
    population: pd.DataFrame | None  # lsoa_code, total, age_0_15, age_16_59, age_60_plus
    ethnic_groups: pd.DataFrame | None  # msoa_code, white, mixed, asian, black, other (shares)
    msoa_uptake_effect: pd.DataFrame | None  # msoa_code, effect (log odds vs all MSOAs)
    sources: list[str]


def parse_count(values: pd.Series) -> pd.Series:
    """Parse published counts such as ' 1,499 '; unreadable cells become NaN, never 0."""
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce")


def _read_uptake_effect(vaccinations: Path, population: Path) -> pd.DataFrame:
    """Return each MSOA's first-dose log-odds difference from all MSOAs, ages 60+, 7 Mar 2021."""
    vac = pd.read_csv(vaccinations, dtype=str)
    vac.columns = [str(c).strip() for c in vac.columns]
    pop = pd.read_csv(population, dtype=str)
    pop.columns = [str(c).strip() for c in pop.columns]
    vac = vac.dropna(subset=["MSOA Code"]).set_index(vac["MSOA Code"].dropna().str.strip())
    pop = pop.set_index(pop["MSOA Code"].str.strip())
    common = vac.index.intersection(pop.index)
    diffs, weights = [], []
    for band in OLDER_BANDS:
        v = parse_count(vac.loc[common, band]).to_numpy(dtype=float)
        n = parse_count(pop.loc[common, band]).to_numpy(dtype=float)
        ok = (n > 0) & ~np.isnan(v)
        p = np.clip(np.where(ok, v / np.where(n > 0, n, 1), np.nan), 0.02, 0.98)
        overall = np.nansum(v[ok]) / np.nansum(n[ok])
        diffs.append(np.log(p / (1 - p)) - np.log(overall / (1 - overall)))
        weights.append(np.where(ok, n, 0))
    d = np.array(diffs)
    w = np.array(weights)
    effect = np.nansum(d * w, axis=0) / np.where(w.sum(axis=0) > 0, w.sum(axis=0), np.nan)
    return pd.DataFrame({"msoa_code": list(common), "effect": effect}).dropna()


def load_calibration(reference_dir: Path) -> Calibration:
    """Read whatever real area data the folder holds; raise when it holds none."""
    if not reference_dir.is_dir():
        raise ValueError(f"reference folder not found: {reference_dir}")
    sources = []

    def have(name: str) -> Path | None:
        path = reference_dir / name
        if path.exists():
            sources.append(name)
            return path
        return None

    imd_path = have(IMD_FILE)
    pop_path = have(POPULATION_FILE)
    eth_path = have(ETHNICITY_FILE)
    vac_path = have(MSOA_VACCINATIONS_FILE)
    nims_path = have(NIMS_POPULATION_FILE)
    if not sources:
        raise ValueError(f"no known reference files in {reference_dir}")
    return Calibration(
        imd=read_imd(imd_path).frame if imd_path else None,
        population=read_population(pop_path).frame if pop_path else None,
        ethnic_groups=read_ethnicity(eth_path).frame if eth_path else None,
        msoa_uptake_effect=(
            _read_uptake_effect(vac_path, nims_path) if vac_path and nims_path else None
        ),
        sources=sources,
    )


def calibration_for(ref_dir: Path, reference_dir: Path | None) -> Calibration | None:
    """Return the real area data for an ICB: --reference-dir first, then its official store.

    With neither, return None (every area value is simulated, as on a fresh clone).
    """
    given = load_calibration(reference_dir) if reference_dir else None
    official = load_official(ref_dir)
    if official is None:
        return given
    stored = Calibration(
        official.imd, official.population, official.ethnic_groups, None, official.describe()
    )
    if given is None:
        return stored
    lines = dict(zip(official.records, stored.sources, strict=True))
    used = [
        lines[kind]
        for kind, mine in (
            ("imd", given.imd),
            ("population", given.population),
            ("ethnicity", given.ethnic_groups),
        )
        if mine is None and kind in lines
    ]
    return Calibration(
        imd=given.imd if given.imd is not None else stored.imd,
        population=given.population if given.population is not None else stored.population,
        ethnic_groups=(
            given.ethnic_groups if given.ethnic_groups is not None else stored.ethnic_groups
        ),
        msoa_uptake_effect=given.msoa_uptake_effect,
        sources=given.sources + used,
    )
