"""Cohort query by LSOA: phm.queries vs hand-written DuckDB SQL vs vectorised pandas."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from phm import codes, queries
from phm.cohort import Cohort

N_COHORTS = 30


def random_cohort(rng: random.Random, boroughs: list[str], languages: list[str]) -> Cohort:
    """Return a cohort with up to 8 layered characteristics."""
    fields = {
        "sexes": lambda: [rng.choice(list(codes.SEXES))],
        "ethnic_groups": lambda: rng.sample(list(codes.ETHNIC_GROUPS), 3),
        "imd_quintiles": lambda: rng.sample(list(codes.IMD_QUINTILES), 2),
        "boroughs": lambda: rng.sample(boroughs, 2),
        "languages": lambda: rng.sample(languages, 4),
        "age_bands": lambda: rng.sample(list(codes.AGE_BAND_LABELS), 5),
        "flags": lambda: {rng.choice(list(codes.FLAGS)): rng.random() < 0.3},
        "age_min": lambda: rng.choice([18, 40, 50]),
    }
    chosen = rng.sample(list(fields), rng.randint(3, 8))
    return Cohort().with_(
        dose=rng.choice(list(codes.DOSES)),
        as_at=date(2021, rng.randint(2, 12), 1),
        **{k: fields[k]() for k in chosen},
    )


def hand_written(con: duckdb.DuckDBPyConnection, cohort: Cohort) -> pd.DataFrame:
    """The same query written by hand: one scan of person, joins to lsoa and practice."""
    where, params = cohort.to_where()
    dose = {"1": "first_dose_date", "2": "second_dose_date", "3": "booster_date"}[cohort.dose]
    sql = (
        "SELECT p.lsoa_code, count(*) FILTER (WHERE p." + dose + " <= $as_at) AS vaccinated, "
        "count(*) AS population FROM person p JOIN lsoa l ON l.lsoa_code = p.lsoa_code "
        "JOIN practice pr ON pr.practice_code = p.practice_code WHERE "
        + where
        + " GROUP BY p.lsoa_code"
    )
    return con.cursor().execute(sql, params).df()


def with_pandas(person: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """Idiomatic vectorised pandas on the same data in memory."""
    as_at = pd.Timestamp(cohort.as_at)
    p = person
    mask = (p["registered_from"] <= as_at) & (
        p["registered_to"].isna() | (p["registered_to"] > as_at)
    )
    mask &= p["birth_date"] <= as_at
    age = (
        (as_at.year - p["birth_date"].dt.year) * 12 + as_at.month - p["birth_date"].dt.month
    ) // 12
    if cohort.age_min is not None:
        mask &= age >= cohort.age_min
    if cohort.age_bands:
        bands = pd.cut(
            age,
            [-1, 17, 24, 29, 34, 39, 44, 49, 54, 59, 64, 69, 74, 79, 200],
            labels=list(codes.AGE_BAND_LABELS),
        )
        mask &= bands.isin(cohort.age_bands)
    if cohort.sexes:
        mask &= p["sex"].isin(cohort.sexes)
    if cohort.ethnic_groups:
        mask &= p["ethnicity_code"].map(codes.ETHNICITY_GROUP).isin(cohort.ethnic_groups)
    if cohort.imd_quintiles:
        mask &= ((p["imd_decile"] + 1) // 2).isin(cohort.imd_quintiles)
    if cohort.boroughs:
        mask &= p["lad_code"].isin(cohort.boroughs)
    if cohort.languages:
        mask &= p["main_language"].isin(cohort.languages)
    for flag, wanted in cohort.flags:
        mask &= p[flag] == wanted
    dose = {"1": "first_dose_date", "2": "second_dose_date", "3": "booster_date"}[cohort.dose]
    sub = p.loc[mask, ["lsoa_code", dose]]
    vaccinated = sub[dose] <= as_at
    return (
        pd.DataFrame({"lsoa_code": sub["lsoa_code"], "v": vaccinated})
        .groupby("lsoa_code")
        .agg(vaccinated=("v", "sum"), population=("v", "size"))
        .reset_index()
    )


def timed(fn, *args) -> tuple[float, object]:  # noqa: ANN001
    """Return seconds taken and the result."""
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def p95(values: list[float]) -> float:
    """Return the 95th percentile."""
    return float(np.percentile(values, 95))


def main() -> None:
    """Print p95 and median times of the three implementations and their ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="data/phm.duckdb")
    args = parser.parse_args()
    con = duckdb.connect(str(Path(args.db)), read_only=True)
    person = con.execute(
        "SELECT p.*, l.imd_decile, l.lad_code FROM person p JOIN lsoa l USING (lsoa_code)"
    ).df()
    for column in (
        "birth_date",
        "registered_from",
        "registered_to",
        "first_dose_date",
        "second_dose_date",
        "booster_date",
    ):
        person[column] = pd.to_datetime(person[column])
    person["sex"] = person["sex"].astype("category")
    boroughs = sorted(person["lad_code"].unique())
    languages = sorted(person["main_language"].unique())
    rng = random.Random(5)
    cohorts = [random_cohort(rng, boroughs, languages) for _ in range(N_COHORTS)]
    times: dict[str, list[float]] = {"phm.queries": [], "hand-written SQL": [], "pandas": []}
    for cohort in cohorts:
        t1, ours = timed(queries.uptake_by, con, cohort, ("lsoa",))
        t2, sql = timed(hand_written, con, cohort)
        t3, pdf = timed(with_pandas, person, cohort)
        assert (
            int(ours["population"].sum())
            == int(sql["population"].sum())
            == int(pdf["population"].sum())
        )
        times["phm.queries"].append(t1)
        times["hand-written SQL"].append(t2)
        times["pandas"].append(t3)
    print(
        f"{len(person):,} persons; {N_COHORTS} random cohorts (3-8 characteristics) by LSOA, uncached"
    )
    for name, values in times.items():
        print(
            f"  {name:<18} median {statistics.median(values) * 1000:7.1f} ms   p95 {p95(values) * 1000:7.1f} ms"
        )
    ours, sql, pdf = (p95(times[k]) for k in times)
    print(f"p95 phm.queries / hand-written SQL = {ours / sql:.2f} (budget <= 1.5)")
    print(f"p95 pandas / phm.queries = {pdf / ours:.1f}x faster (budget >= 5)")


if __name__ == "__main__":
    main()
