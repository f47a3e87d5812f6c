"""Server time of one Overview rerun (Streamlit AppTest): first run, then reruns with a new cohort."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from phm import codes

ROOT = Path(__file__).resolve().parents[1]


def commissioner():
    """Return the demo borough commissioner, who may see every population page."""
    from phm.access.demo import DEMO_USERS

    return next(u.principal for u in DEMO_USERS if u.key == "borough-commissioner")


def main() -> None:
    """Print the first-run and rerun times of views/overview.py against the 0.5 s budget."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--reruns", type=int, default=10)
    args = parser.parse_args()
    os.environ["PHM_DB"] = str(Path(args.db).resolve())
    at = AppTest.from_file(str(ROOT / "views" / "overview.py"), default_timeout=120)
    at.session_state["principal"] = commissioner()  # pages need a signed-in user
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    uncached, cached = [], []
    quintiles = list(codes.IMD_QUINTILES)
    for i in range(args.reruns):
        at.session_state["imd_quintile"] = [quintiles[i % 5]]
        at.session_state["age_min"] = 18 + i  # a cohort not seen before: uncached queries
        started = time.perf_counter()
        at.run()
        uncached.append(time.perf_counter() - started)
        started = time.perf_counter()
        at.run()  # the same cohort again: served from st.cache_data
        cached.append(time.perf_counter() - started)
        assert not at.exception, at.exception
    print(f"Overview on {args.db}")
    print(f"  first run (connection, metadata, queries): {first:.2f} s")
    print(
        f"  rerun, new cohort (uncached queries): median {statistics.median(uncached):.3f} s, "
        f"max {max(uncached):.3f} s  ({statistics.median(uncached) / 0.5:.2f} of the 0.5 s budget)"
    )
    print(f"  rerun, same cohort (cached): median {statistics.median(cached):.3f} s")
    print(
        f"  ratio uncached / cached: {statistics.median(uncached) / statistics.median(cached):.1f}x"
    )


if __name__ == "__main__":
    main()
