"""Server time of Compare and Trends reruns (AppTest) beside an Overview rerun, and the SII simulation."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from phm import codes
from phm.stats import slope_index_of_inequality

ROOT = Path(__file__).resolve().parents[1]


def commissioner():
    """Return the demo borough commissioner, who may see every population page."""
    from phm.access.demo import DEMO_USERS

    return next(u.principal for u in DEMO_USERS if u.key == "borough-commissioner")


def rerun_times(page: str, reruns: int) -> tuple[float, list[float], list[float]]:
    """Return the first-run time and the uncached / cached rerun times of one page file."""
    at = AppTest.from_file(str(ROOT / "views" / page), default_timeout=300)
    at.session_state["principal"] = commissioner()  # pages need a signed-in user
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    uncached, cached = [], []
    for i in range(reruns):
        at.session_state["age_min"] = 18 + i  # a cohort not seen before
        started = time.perf_counter()
        at.run()
        uncached.append(time.perf_counter() - started)
        started = time.perf_counter()
        at.run()
        cached.append(time.perf_counter() - started)
        assert not at.exception, at.exception
    return first, uncached, cached


def main() -> None:
    """Print rerun times of compare.py and trends.py as ratios of overview.py's, and SII timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--reruns", type=int, default=5)
    args = parser.parse_args()
    os.environ["PHM_DB"] = str(Path(args.db).resolve())
    results = {
        page: rerun_times(page, args.reruns) for page in ("overview.py", "compare.py", "trends.py")
    }
    base = statistics.median(results["overview.py"][1])
    print(f"Pages on {args.db} ({args.reruns} new cohorts each)")
    for page, (first, uncached, cached) in results.items():
        median = statistics.median(uncached)
        print(
            f"  {page:12} first {first:5.2f} s; rerun new cohort median {median:.3f} s"
            f" ({median / base:.1f} x Overview); cached {statistics.median(cached):.3f} s"
        )
    x = np.array([61_500, 68_000, 75_000, 80_000, 83_700])
    n = np.array([100_000] * 5)
    timings = []
    for repetitions in (1_000, 100_000):
        started = time.perf_counter()
        slope_index_of_inequality(x, n, repetitions=repetitions)
        timings.append(time.perf_counter() - started)
    print(
        f"SII with 1,000 simulations {timings[0] * 1000:.1f} ms; with 100,000 (PHE default)"
        f" {timings[1] * 1000:.1f} ms ({timings[1] / timings[0]:.0f} x)"
    )


if __name__ == "__main__":
    main()
