"""Server time of one Map page rerun (Streamlit AppTest) at full scale: cached and new cohorts."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from phm import codes

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 0.5


def commissioner():
    """Return the demo borough commissioner, who may see every population page."""
    from phm.access.demo import DEMO_USERS

    return next(u.principal for u in DEMO_USERS if u.key == "borough-commissioner")


def timed(at: AppTest) -> float:
    """Run the page once and return the seconds it took."""
    started = time.perf_counter()
    at.run()
    assert not at.exception, at.exception
    return time.perf_counter() - started


def main() -> None:
    """Print first-run and rerun times of views/map.py against the 0.5 s budget."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--reruns", type=int, default=8)
    args = parser.parse_args()
    os.environ["PHM_DB"] = str(Path(args.db).resolve())
    at = AppTest.from_file(str(ROOT / "views" / "map.py"), default_timeout=300)
    at.session_state["principal"] = commissioner()  # pages need a signed-in user
    for flag in codes.FLAGS:
        at.session_state[flag] = "any"
    at.session_state["dose"] = "1"
    first = timed(at)
    for level in ("msoa", "borough", "lsoa"):  # geometry of every level decoded once
        at.session_state["map_level"] = level
        timed(at)
    cached = [timed(at) for _ in range(args.reruns)]
    uncached, metric_switch = [], []
    quintiles = list(codes.IMD_QUINTILES)
    for i in range(args.reruns):
        at.session_state["imd_quintile"] = [quintiles[i % 5]]
        at.session_state["age_min"] = 18 + i  # a cohort not seen before: uncached query
        at.session_state["map_metric"] = "uptake"
        uncached.append(timed(at))
        at.session_state["map_metric"] = "unvaccinated"
        metric_switch.append(timed(at))
    codes_list = list(at.selectbox(key="map_area_pick").options)
    panel = []
    for i in range(min(args.reruns, 4)):
        at.selectbox(key="map_area_pick").set_value(_code(codes_list[i * 50]))
        panel.append(timed(at))
    print(f"Map page on {args.db}")
    print(f"  first run (connection, geometry, query): {first:.2f} s")
    med = statistics.median(cached)
    print(
        f"  rerun, same cohort (cached): median {med:.3f} s, max {max(cached):.3f} s ({med / BUDGET_S:.2f} of the {BUDGET_S} s budget)"
    )
    med_u = statistics.median(uncached)
    print(
        f"  rerun, new cohort (uncached query by LSOA): median {med_u:.3f} s, max {max(uncached):.3f} s ({med_u / BUDGET_S:.2f} of the budget)"
    )
    print(
        f"  rerun, metric switch on a cached cohort: median {statistics.median(metric_switch):.3f} s"
    )
    print(
        f"  rerun, area chosen (side panel, uncached breakdowns): median {statistics.median(panel):.3f} s"
    )
    print(f"  ratio uncached / cached: {med_u / med:.1f}x")


def _code(option: str) -> str:
    """Return the area code from a picker option formatted 'Name (CODE)'."""
    return option.rsplit("(", 1)[-1].rstrip(")")


if __name__ == "__main__":
    main()
