"""What disclosure control costs in accuracy: the cell key method against rounding to the nearest 5.

Part 1, error in uptake. Real cells of about 50, 500 and 5,000 people (populations 40-60,
400-600, 4,000-6,000) are taken from the database through phm.queries.uptake_by (practice x
ethnicity, MSOA x age band, LSOA x age band, ... for each dose). Each cell's uptake is worked
out three ways: exact; (a) today's rule, phm.disclosure.protect with DEFAULT_RULE (counts
randomly rounded to 5 by cell key, 1-7 suppressed); (b) the previous rule, written out here
as a reference: vaccinated and population each rounded independently to the nearest 5
(np.round(x / 5) * 5) and the rate worked out from the rounded counts, 1-7 suppressed.
Errors are in percentage points, before the one-decimal display rounding, over the cells
both rules show.
Part 2, decisions. The targeting finder's top 20 (adults, by MSOA, at least 50 people) under
DEFAULT_RULE and under an exact rule (threshold 8, rounding 1): groups in common and rank
correlation; and the Compare page's labels (higher / similar / lower than the ICS) for
boroughs, PCNs and practices: share of localities with the same label. The previous code
(commit c08df25, checked out as a git worktree and run in a subprocess) is compared too.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from old_tree import OLD_COMMIT, old_tree, run_in

from phm import queries
from phm.analysis import targeting
from phm.analysis.comparison import benchmark_table
from phm.analysis.summaries import protected_uptake
from phm.cohort import Cohort
from phm.disclosure import DEFAULT_RULE, DisclosureRule, protect
from phm.queries.compare import uptake_by_level

ROOT = Path(__file__).resolve().parents[1]
EXACT = DisclosureRule(threshold=8, rounding=1)
BANDS = {"~50": (40, 60), "~500": (400, 600), "~5,000": (4_000, 6_000)}
# Breakdowns that give many cells in each size band at full scale (1.6M people).
SOURCES: tuple[tuple[str, ...], ...] = (
    ("lsoa", "age_band"),
    ("lsoa", "ethnic_group"),
    ("practice", "ethnicity_code"),
    ("practice", "imd_quintile"),
    ("pcn", "main_language"),
    ("msoa", "ethnicity_code"),
    ("msoa", "age_band"),
    ("practice", "age_band"),
    ("msoa", "ethnic_group"),
    ("practice", "ethnic_group"),
    ("pcn", "ethnicity_code"),
    ("msoa", "sex"),
    ("practice", "sex"),
    ("msoa", "imd_quintile"),
    ("pcn", "age_band"),
    ("borough", "ethnicity_code"),
    ("practice",),
)
DOSES = ("1", "2", "3")
FINDER = {  # name -> (cohort fields, level, min_size); the first is the one the brief asks for
    "adults, dose 1, by MSOA": ({"age_min": 18, "dose": "1"}, "msoa", 50),
    "adults, dose 2, by MSOA": ({"age_min": 18, "dose": "2"}, "msoa", 50),
    "adults, booster, by MSOA": ({"age_min": 18, "dose": "3"}, "msoa", 50),
}
COMPARE_COHORTS = {
    "everyone, dose 1": {"dose": "1"},
    "everyone, dose 2": {"dose": "2"},
    "everyone, booster": {"dose": "3"},
    "adults, dose 1": {"age_min": 18, "dose": "1"},
    "adults 18-29, booster": {"age_min": 18, "age_max": 29, "dose": "3"},
    "65 and over, booster": {"age_min": 65, "dose": "3"},
}
COMPARE_LEVELS = {"borough": "boroughs", "pcn": "PCNs", "practice": "practices"}
GROUP_COLUMNS = ["place_code", "first", "first_value", "second", "second_value"]

# Run inside the old tree (PYTHONPATH=/tmp/old): the finder's top 20 and Compare's labels as
# the code of c08df25 made them (raw ranking; rounding to the nearest 5 with secondary
# suppression), printed as one JSON line.
OLD_SIDE = """
import json, sys
import duckdb
from phm import queries
from phm.analysis import targeting
from phm.cohort import Cohort
from phm.analysis.comparison import benchmark_table
from phm.disclosure import DEFAULT_RULE
from phm.queries.compare import uptake_by_level
from phm.analysis.summaries import protected_uptake

def missing(value):
    return value is None or (isinstance(value, float) and value != value)

spec = json.load(sys.stdin)
con = duckdb.connect(spec["db"], read_only=True)
languages = list(queries.filter_options(con)["languages"])
out = {"finder": {}, "compare": {}}
for name, (fields, level, min_size) in spec["finder"].items():
    top, _done, _population = targeting.find_targets(
        con, Cohort(**fields), level, min_size, 20, languages
    )
    cols = ["place_code", "first", "first_value", "second", "second_value"]
    out["finder"][name] = [[None if missing(v) else str(v) for v in row] for row in top[cols].itertuples(index=False)]
for name, fields in spec["compare"].items():
    cohort = Cohort(**fields)
    overall = protected_uptake(queries.uptake_all_doses(con, cohort), DEFAULT_RULE, partitions=())
    ics = overall.loc[overall["dose"] == cohort.dose].iloc[0]
    ics_pct = None if ics["uptake_suppressed"] else float(ics["uptake_pct"])
    for level in spec["levels"]:
        table = benchmark_table(uptake_by_level(con, cohort, level), level, DEFAULT_RULE, ics_pct)
        out["compare"][name + "|" + level] = dict(zip(table[level].astype(str), table["compared"]))
print(json.dumps(out))
"""


# --- part 1: error in uptake ----------------------------------------------------------------


def gather_cells(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every cell of SOURCES (each dose) whose population is in one of the BANDS."""
    frames = []
    for dose in DOSES:
        for dims in SOURCES:
            raw = queries.uptake_by(con, Cohort(dose=dose), dims)
            population = raw["population"].to_numpy()
            band = pd.Series(pd.NA, index=raw.index, dtype="object")
            for name, (low, high) in BANDS.items():
                band[(population >= low) & (population <= high)] = name
            keep = band.notna().to_numpy()
            frames.append(
                raw.loc[keep, ["vaccinated", "population", "vaccinated_key", "population_key"]]
                .assign(band=band[keep].to_numpy(), source=" x ".join(dims), dose=dose)
                .reset_index(drop=True)
            )
    cells = pd.concat(frames, ignore_index=True)
    # The same people reached by two breakdowns (e.g. a practice wholly in one quintile) once.
    return cells.drop_duplicates(
        ["dose", "vaccinated", "population", "vaccinated_key", "population_key"]
    ).reset_index(drop=True)


def _small(values: np.ndarray) -> np.ndarray:
    """Return True where a count is 1 to 7 (suppressed by both rules)."""
    return (values >= 1) & (values < DEFAULT_RULE.threshold)


def uptake_errors(cells: pd.DataFrame) -> pd.DataFrame:
    """Return, per cell, exact uptake and the error of each rule's shown uptake (NaN where hidden)."""
    vaccinated = cells["vaccinated"].to_numpy(dtype=float)
    population = cells["population"].to_numpy(dtype=float)
    exact = 100 * vaccinated / population
    shown = protect(cells, DEFAULT_RULE)
    ck_v = shown["vaccinated"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    ck_n = shown["population"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    ck_hidden = shown["uptake_suppressed"].to_numpy(dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        cell_key = np.where(ck_hidden, np.nan, 100 * ck_v / ck_n)
        old_v = np.round(vaccinated / 5) * 5
        old_n = np.round(population / 5) * 5
        old_hidden = _small(vaccinated) | _small(population - vaccinated) | _small(population)
        nearest5 = np.where(old_hidden, np.nan, 100 * old_v / old_n)
    return pd.DataFrame(
        {
            "band": cells["band"].to_numpy(),
            "exact": exact,
            "cell_key": cell_key - exact,
            "nearest5": nearest5 - exact,
            "unvaccinated": population - vaccinated,
            "ck_hidden": ck_hidden,
            "old_hidden": old_hidden,
        }
    )


def print_errors(errors: pd.DataFrame, n_sources: int) -> None:
    """Print mean absolute, 95th percentile and largest error per size band for both rules."""
    print(
        f"Part 1. Error in uptake (percentage points) that protection adds, against exact uptake;"
        f" cells from {n_sources} breakdowns x {len(DOSES)} doses, shown by both rules"
    )
    header = (
        f"  {'band':7} {'cells':>6} | {'cell key (today)':^29} | {'nearest 5 (previous)':^29} |"
        f" {'ratio of mean abs':>17}"
    )
    print(header)
    print(
        f"  {'':7} {'':>6} | {'mean abs':>8} {'p95':>6} {'max':>6} {'bias':>6} |"
        f" {'mean abs':>8} {'p95':>6} {'max':>6} {'bias':>6} | {'cell key / near5':>17}"
    )
    for band in BANDS:
        part = errors[errors["band"] == band]
        both = part[~part["ck_hidden"] & ~part["old_hidden"]]
        row = f"  {band:7} {len(both):>6} |"
        means = []
        for rule in ("cell_key", "nearest5"):
            err = both[rule].to_numpy()
            means.append(np.mean(np.abs(err)))
            row += (
                f" {np.mean(np.abs(err)):8.3f} {np.quantile(np.abs(err), 0.95):6.3f}"
                f" {np.max(np.abs(err)):6.3f} {np.mean(err):+6.3f} |"
            )
        print(row + f" {means[0] / means[1]:17.2f}")
    print("  cells hidden (uptake suppressed) by one rule only:")
    for band in BANDS:
        part = errors[errors["band"] == band]
        print(
            f"    {band:7} of {len(part):>5}: cell key only {int((part['ck_hidden'] & ~part['old_hidden']).sum()):>4},"
            f" nearest 5 only {int((~part['ck_hidden'] & part['old_hidden']).sum()):>4},"
            f" both {int((part['ck_hidden'] & part['old_hidden']).sum()):>4}"
        )
    only = errors[errors["ck_hidden"] & ~errors["old_hidden"]]
    if len(only):
        risky = errors[~errors["old_hidden"] & errors["unvaccinated"].between(8, 13)]
        print(
            f"    (hidden by cell key only: {int(only['unvaccinated'].min())}-"
            f"{int(only['unvaccinated'].max())} unvaccinated, which two roundings left at 0 or 5"
            f" shown; {len(only)} of the {len(risky)} cells with 8-13 unvaccinated)"
        )


# --- part 2: decisions ----------------------------------------------------------------------


def group_keys(top: pd.DataFrame) -> list[tuple]:
    """Return each finding as (place, first, value, second, value), missing parts as None."""
    return [
        tuple(None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in row)
        for row in top[GROUP_COLUMNS].itertuples(index=False)
    ]


def _ranks(values: np.ndarray) -> np.ndarray:
    """Return 0-based ranks of distinct values."""
    return np.argsort(np.argsort(values))


def overlap(a: list[tuple], b: list[tuple]) -> tuple[int, float, float]:
    """Return groups in common, and Spearman's rho and Kendall's tau of their ranks in a and b."""
    common = [k for k in a if k in set(b)]
    if len(common) < 2:
        return len(common), float("nan"), float("nan")
    ra = _ranks(np.array([a.index(k) for k in common]))
    rb = _ranks(np.array([b.index(k) for k in common]))
    rho = float(np.corrcoef(ra, rb)[0, 1])
    n = len(common)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    concordant = sum(np.sign(ra[i] - ra[j]) == np.sign(rb[i] - rb[j]) for i, j in pairs)
    tau = (2 * concordant - len(pairs)) / len(pairs)
    return len(common), rho, float(tau)


def new_finder(con: duckdb.DuckDBPyConnection, languages: list[str]) -> dict[str, dict]:
    """Return, per FINDER setting, the top 20 keys under DEFAULT_RULE and EXACT (current code)."""
    out = {}
    for name, (fields, level, min_size) in FINDER.items():
        cohort = Cohort(**fields)
        out[name] = {
            rule_name: group_keys(
                targeting.find_targets(con, cohort, level, min_size, 20, languages, rule=rule)[0]
            )
            for rule_name, rule in (("cell key", DEFAULT_RULE), ("exact", EXACT))
        }
    return out


def new_compare(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict[str, str]]]:
    """Return Compare labels (code -> higher/similar/lower, '' when hidden) per rule, as views/compare.py."""
    out: dict[str, dict[str, dict[str, str]]] = {"cell key": {}, "exact": {}}
    for name, fields in COMPARE_COHORTS.items():
        cohort = Cohort(**fields)
        doses = queries.uptake_all_doses(con, cohort)
        for rule_name, rule in (("cell key", DEFAULT_RULE), ("exact", EXACT)):
            overall = protected_uptake(doses, rule)
            ics = overall.loc[overall["dose"] == cohort.dose].iloc[0]
            ics_pct = None if ics["uptake_suppressed"] else float(ics["uptake_pct"])
            for level in COMPARE_LEVELS:
                table = benchmark_table(uptake_by_level(con, cohort, level), level, rule, ics_pct)
                out[rule_name][f"{name}|{level}"] = dict(
                    zip(table[level].astype(str), table["compared"], strict=True)
                )
    return out


def label_agreement(a: dict[str, str], b: dict[str, str]) -> tuple[int, int, int]:
    """Return (labelled by both, same label, labelled by only one of them)."""
    both = [k for k in a if a[k] and b.get(k)]
    same = sum(a[k] == b[k] for k in both)
    one = sum(bool(a.get(k)) != bool(b.get(k)) for k in set(a) | set(b))
    return len(both), same, one


def print_finder(new: dict[str, dict], old: dict[str, list] | None) -> None:
    """Print overlap and rank correlation of the top 20 under each pair of rules."""
    print()
    print(
        "Part 2a. Targeting finder top 20 (phm.analysis.targeting.find_targets, Cohort(age_min=18),"
        " min_size 50): groups in common, Spearman's rho and Kendall's tau of their ranks"
    )
    print(f"  {'setting':26} {'comparison':38} {'in common':>9} {'rho':>6} {'tau':>6}")
    for name, lists in new.items():
        pairs = [("cell key vs exact (current code)", lists["cell key"], lists["exact"])]
        if old is not None:
            pairs += [
                (f"cell key vs previous code ({OLD_COMMIT})", lists["cell key"], old[name]),
                ("exact (current) vs previous code", lists["exact"], old[name]),
            ]
        for label, a, b in pairs:
            common, rho, tau = overlap(a, b)
            print(f"  {name:26} {label:38} {common:>6}/20 {rho:6.3f} {tau:6.3f}")
            name = ""


def print_compare(new: dict, old: dict | None) -> None:
    """Print, per level, the share of localities with the same Compare label under two rules."""
    print()
    print(
        "Part 2b. Compare labels (higher / similar / lower than the ICS, phm.analysis.comparison.benchmark_table"
        f" as views/compare.py calls it), {len(COMPARE_COHORTS)} cohorts pooled:"
        " same label / labelled by both (share); labelled by one rule only"
    )
    pairs = [("cell key vs exact", new["cell key"], new["exact"])]
    if old is not None:
        pairs += [
            ("nearest 5 (previous code) vs exact", old, new["exact"]),
            ("cell key vs nearest 5 (previous code)", new["cell key"], old),
        ]
    print(f"  {'level':10} {'comparison':40} {'same / both':>13} {'share':>7} {'one only':>9}")
    for level, noun in COMPARE_LEVELS.items():
        for label, a, b in pairs:
            both = same = one = 0
            for name in COMPARE_COHORTS:
                key = f"{name}|{level}"
                n, s, o = label_agreement(a[key], b[key])
                both, same, one = both + n, same + s, one + o
            print(f"  {noun:10} {label:40} {same:>6}/{both:<6} {same / both:7.1%} {one:>9}")
            noun = ""
    print("  per cohort, cell key vs exact (same / labelled by both, boroughs+PCNs+practices):")
    for name in COMPARE_COHORTS:
        parts = [
            label_agreement(new["cell key"][f"{name}|{lv}"], new["exact"][f"{name}|{lv}"])
            for lv in COMPARE_LEVELS
        ]
        both, same = sum(p[0] for p in parts), sum(p[1] for p in parts)
        print(f"    {name:24} {same:>4}/{both:<4} {same / both:7.1%}")


def main() -> None:
    """Run both parts on a built database and print the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--old-tree", default="/tmp/old", help="checkout of the previous code")
    parser.add_argument("--old-commit", default=OLD_COMMIT)
    parser.add_argument("--no-old", action="store_true", help="skip the previous code's run")
    parser.add_argument("--keep-old-tree", action="store_true")
    args = parser.parse_args()
    db = str(Path(args.db).resolve())
    con = duckdb.connect(db, read_only=True)
    started = time.perf_counter()
    cells = gather_cells(con)
    print(f"Disclosure utility on {db}: {len(cells):,} cells in the size bands")
    print_errors(uptake_errors(cells), len(SOURCES))
    languages = list(queries.filter_options(con)["languages"])
    finder = new_finder(con, languages)
    compare = new_compare(con)
    old = None
    if not args.no_old:
        with old_tree(Path(args.old_tree), args.old_commit, args.keep_old_tree) as tree:
            old = run_in(
                tree,
                OLD_SIDE,
                {
                    "db": db,
                    "finder": FINDER,
                    "compare": COMPARE_COHORTS,
                    "levels": list(COMPARE_LEVELS),
                },
            )
        old_finder = {name: [tuple(row) for row in rows] for name, rows in old["finder"].items()}
    print_finder(finder, old_finder if old else None)
    print_compare(compare, old["compare"] if old else None)
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
