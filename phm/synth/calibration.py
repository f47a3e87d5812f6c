"""Real area data that shapes the demo when --reference-dir is given (tests, CI, benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

IMD_FILE = "imd2019/imd2019_lsoa_file1_imd.csv.gz"
POPULATION_FILE = "imd2019/iod2019_lsoa_file6_population_mid2015.csv.gz"
ETHNICITY_FILE = "census2011/ethnic_group_broad_msoa_2011.csv"
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


def _read_imd(path: Path) -> pd.DataFrame:
    """Read IoD 2019 file 1: LSOA IMD rank and decile."""
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    return pd.DataFrame(
        {
            "lsoa_code": raw["LSOA code (2011)"].str.strip(),
            "imd_rank": parse_count(raw["Index of Multiple Deprivation (IMD) Rank"]),
            "imd_decile": parse_count(raw["Index of Multiple Deprivation (IMD) Decile"]),
        }
    ).dropna()


def _read_population(path: Path) -> pd.DataFrame:
    """Read IoD 2019 file 6: mid-2015 LSOA population in broad ages."""
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    pick = {c.split(":")[0]: c for c in raw.columns}
    return pd.DataFrame(
        {
            "lsoa_code": raw["LSOA code (2011)"].str.strip(),
            "total": parse_count(raw[pick["Total population"]]),
            "age_0_15": parse_count(raw[pick["Dependent Children aged 0-15"]]),
            "age_16_59": parse_count(raw[pick["Population aged 16-59"]]),
            "age_60_plus": parse_count(raw[pick["Older population aged 60 and over"]]),
        }
    ).dropna()


def _read_ethnicity(path: Path) -> pd.DataFrame:
    """Read Census 2011 broad ethnic group shares per MSOA."""
    raw = pd.read_csv(path, encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    return pd.DataFrame(
        {
            "msoa_code": raw["MSOA"].str.strip(),
            "white": raw["White%"],
            "mixed": raw["Mixed%"],
            "asian": raw["Asian%"],
            "black": raw["Black%"],
            "other": raw["Other%"],
        }
    )


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
        imd=_read_imd(imd_path) if imd_path else None,
        population=_read_population(pop_path) if pop_path else None,
        ethnic_groups=_read_ethnicity(eth_path) if eth_path else None,
        msoa_uptake_effect=(
            _read_uptake_effect(vac_path, nims_path) if vac_path and nims_path else None
        ),
        sources=sources,
    )
