"""Explore breakdowns and the targeting finder at full scale, against hand-written SQL and pandas.

Part 1: 20 random layered cohorts (3 to 8 characteristics), each broken down one way and two
ways, three ways: phm.queries.uptake_by, the same hand-written DuckDB SQL, and idiomatic
vectorised pandas (categorical columns, boolean masks, groupby) on the same data in memory.
Cold is the first run of each query, warm the median of three repeats.
Part 2: the targeting finder (views/targets.py) for adults at each place level: the scan
itself, and the page's server time through AppTest, first run and a cached rerun.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
from bench_queries import random_cohort
from streamlit.testing.v1 import AppTest

from phm import codes, queries
from phm.analysis import targeting
from phm.cohort import AGE_BAND_SQL, ETHNIC_GROUP_SQL, IMD_QUINTILE_SQL, Cohort
from phm.levels import FINDER_LEVELS

ROOT = Path(__file__).resolve().parents[1]
N_COHORTS = 20
# Breakdowns: dimension -> (hand-written SQL expression, pandas column).
BREAKDOWNS = {
    "ethnicity_code": ("p.ethnicity_code", "ethnicity_code"),
    "ethnic_group": (ETHNIC_GROUP_SQL, "ethnic_group"),
    "main_language": ("p.main_language", "main_language"),
    "age_band": (AGE_BAND_SQL, "age_band"),
    "imd_quintile": (IMD_QUINTILE_SQL, "imd_quintile"),
    "borough": ("l.lad_code", "lad_code"),
    "pcn": ("pr.pcn_code", "pcn_code"),
    "is_housebound": ("p.is_housebound", "is_housebound"),
}
DOSE = {"1": "first_dose_date", "2": "second_dose_date", "3": "booster_date"}
BAND_EDGES = [-1, 17, 24, 29, 34, 39, 44, 49, 54, 59, 64, 69, 74, 79, 200]


def commissioner():
    """Return the demo borough commissioner, who may see every population page."""
    from phm.access.demo import DEMO_USERS

    return next(u.principal for u in DEMO_USERS if u.key == "borough-commissioner")


def hand_written(con: duckdb.DuckDBPyConnection, cohort: Cohort, dims: tuple[str, ...]):
    """The breakdown written by hand: one scan of person joined to lsoa and practice."""
    where, params = cohort.to_where()
    keys = [BREAKDOWNS[d][0] for d in dims]
    sql = (
        "SELECT "
        + ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
        + f", count(*) FILTER (WHERE p.{DOSE[cohort.dose]} <= $as_at) AS vaccinated,"
        " count(*) AS population FROM person p JOIN lsoa l ON l.lsoa_code = p.lsoa_code"
        " JOIN practice pr ON pr.practice_code = p.practice_code WHERE "
        + where
        + " GROUP BY "
        + ", ".join(f"k{i}" for i in range(len(keys)))
    )
    return con.cursor().execute(sql, params).df()


def load_people(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return person with its LSOA and practice columns, codes as pandas categoricals."""
    frame = con.execute(
        "SELECT p.*, l.lad_code, l.imd_decile, pr.pcn_code FROM person p"
        " JOIN lsoa l USING (lsoa_code) JOIN practice pr USING (practice_code)"
    ).df()
    for column in ("birth_date", "registered_from", "registered_to", *DOSE.values()):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("sex", "ethnicity_code", "main_language", "lad_code", "pcn_code", "lsoa_code"):
        frame[column] = frame[column].astype("category")
    frame["ethnic_group"] = frame["ethnicity_code"].map(codes.ETHNICITY_GROUP).astype("category")
    frame["imd_quintile"] = ((frame["imd_decile"] + 1) // 2).astype("int8")
    return frame


def with_pandas(p: pd.DataFrame, cohort: Cohort, dims: tuple[str, ...]) -> pd.DataFrame:
    """Idiomatic vectorised pandas: boolean masks, then a groupby on categoricals."""
    as_at = pd.Timestamp(cohort.as_at)
    mask = (p["registered_from"] <= as_at) & (
        p["registered_to"].isna() | (p["registered_to"] > as_at)
    )
    mask &= p["birth_date"] <= as_at
    age = (
        (as_at.year - p["birth_date"].dt.year) * 12 + as_at.month - p["birth_date"].dt.month
    ) // 12
    if cohort.age_min is not None:
        mask &= age >= cohort.age_min
    bands = None
    if cohort.age_bands or "age_band" in dims:
        bands = pd.cut(age, BAND_EDGES, labels=list(codes.AGE_BAND_LABELS))
    if cohort.age_bands:
        mask &= bands.isin(cohort.age_bands)
    for field, column in (
        ("sexes", "sex"),
        ("ethnic_groups", "ethnic_group"),
        ("imd_quintiles", "imd_quintile"),
        ("boroughs", "lad_code"),
        ("languages", "main_language"),
    ):
        if getattr(cohort, field):
            mask &= p[column].isin(getattr(cohort, field))
    for flag, wanted in cohort.flags:
        mask &= p[flag] == wanted
    keys = [bands[mask] if d == "age_band" else p.loc[mask, BREAKDOWNS[d][1]] for d in dims]
    vaccinated = p.loc[mask, DOSE[cohort.dose]] <= as_at
    grouped = vaccinated.groupby(keys, observed=True).agg(["sum", "size"])
    return grouped.rename(columns={"sum": "vaccinated", "size": "population"}).reset_index()


def timed(fn, *args) -> tuple[float, object]:  # noqa: ANN001
    """Return seconds taken and the result."""
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def bench_breakdowns(con: duckdb.DuckDBPyConnection, people: pd.DataFrame) -> None:
    """Print cold and warm medians of the three implementations and their ratios."""
    rng = random.Random(11)
    boroughs = sorted(people["lad_code"].cat.categories)
    languages = sorted(people["main_language"].cat.categories)
    names = sorted(BREAKDOWNS)
    ways = {"phm.queries": queries.uptake_by, "hand-written SQL": hand_written, "pandas": None}
    cold: dict[str, list[float]] = {k: [] for k in ways}
    warm: dict[str, list[float]] = {k: [] for k in ways}
    for _ in range(N_COHORTS):
        cohort = random_cohort(rng, boroughs, languages)
        for dims in ((rng.choice(names),), tuple(rng.sample(names, 2))):
            totals = []
            for name, fn in ways.items():
                if fn is None:
                    call = partial(with_pandas, people, cohort, dims)
                else:
                    call = partial(fn, con, cohort, dims)
                first, result = timed(call)
                repeats = [timed(call)[0] for _ in range(3)]
                cold[name].append(first)
                warm[name].append(statistics.median(repeats))
                totals.append(int(result["population"].sum()))
            assert len(set(totals)) == 1, (cohort, dims, totals)
    print(
        f"{len(people):,} persons; {N_COHORTS} random cohorts (3-8 characteristics), one- and two-way"
    )
    for name in ways:
        print(
            f"  {name:<18} cold median {statistics.median(cold[name]) * 1000:7.1f} ms"
            f"   warm median {statistics.median(warm[name]) * 1000:7.1f} ms"
        )
    ours, sql, pdf = (statistics.median(cold[k]) for k in ways)
    print(f"cold: phm.queries / hand-written SQL = {ours / sql:.2f} (budget <= 1.5)")
    print(f"cold: pandas / phm.queries = {pdf / ours:.1f}x (budget >= 5)")
    ours, sql, pdf = (statistics.median(warm[k]) for k in ways)
    print(
        f"warm: phm.queries / hand-written SQL = {ours / sql:.2f}; pandas / phm.queries = {pdf / ours:.1f}x"
    )


def bench_finder(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Print the finder's scan time per level and the landing page's server time."""
    languages = list(queries.filter_options(con)["languages"])
    for level in FINDER_LEVELS:
        runs = [
            timed(targeting.find_targets, con, Cohort(age_min=18), level, 50, 20, languages)[0]
            for _ in range(3)
        ]
        print(
            f"finder, adults, by {level:<7}: median {statistics.median(runs):.2f} s (target < 2 s)"
        )
    os.environ["PHM_DB"] = str(db.resolve())
    at = AppTest.from_file(str(ROOT / "views" / "targets.py"), default_timeout=120)
    at.session_state["principal"] = commissioner()  # pages need a signed-in user
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    first, _ = timed(at.run)
    assert not at.exception, at.exception
    again, _ = timed(at.run)
    at.session_state["dose"] = "2"
    other, _ = timed(at.run)
    print(
        f"landing page (views/targets.py) server time: first run {first:.2f} s (connection,"
        f" options, scan), new dose {other:.2f} s, cached rerun {again:.3f} s"
    )


def main() -> None:
    """Run both parts on a built database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    args = parser.parse_args()
    con = duckdb.connect(args.db, read_only=True)
    bench_finder(con, Path(args.db))
    bench_breakdowns(con, load_people(con))


if __name__ == "__main__":
    main()
