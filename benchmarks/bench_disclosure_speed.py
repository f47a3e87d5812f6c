"""Page reruns before and after the cell key method, measured in one run.

The previous code (commit c08df25: rounding to the nearest 5 with secondary suppression) is
checked out as a git worktree (default /tmp/old, added and removed by this script unless it
is already there); the current tree is this repository. One worker process per tree, each
with PYTHONPATH set to its tree only, runs every page through Streamlit's AppTest as the
other page benchmarks do (bench_overview.py, bench_compare.py, bench_map.py) and keeps it
open; the driver asks them in turn, alternating which goes first, so machine noise hits both
alike. Each request is a rerun with a cohort neither worker has seen (age from 18 + i:
uncached queries, protection, charts), then the same rerun again (cached queries; protection
and charts still run). Every variant of a page uses its own age ceiling, so no two share a
cached query. Prints median old, median new and their ratio per page, with a bootstrap 90%
interval of the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from old_tree import OLD_COMMIT, old_tree, tree_env

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 1.10  # the new rerun may take at most 10% longer than the old one
# Variant -> (page file, widget state). The first variant of each page is its default view.
VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "Overview": ("overview.py", {}),
    "Explore (age band)": ("explore.py", {}),
    "Explore (ethnicity x MSOA)": (
        "explore.py",
        {"explore_by": "ethnicity_code", "explore_then": "msoa"},
    ),
    "Compare (borough)": ("compare.py", {}),
    "Compare (practice)": ("compare.py", {"compare_level": "practice"}),
    "Trends (ethnic group)": ("trends.py", {}),
    "Trends (PCN lines)": ("trends.py", {"trends_mode": "localities", "trends_level": "pcn"}),
    "Map (LSOA)": ("map.py", {}),
}
# Phm-level parts of those reruns (--parts): the queries (each with a new cohort) and the
# protection of their results (summaries.protected_uptake / trends.cumulative_uptake), so a
# slower page can be traced to what costs the time.
QUERY_PARTS: dict[str, tuple[str, ...] | str] = {
    "uptake_all_doses": "doses",
    "uptake_by ()": (),
    "uptake_by age_band": ("age_band",),
    "uptake_by borough": ("borough",),
    "uptake_by imd_quintile": ("imd_quintile",),
    "uptake_by ethnicity_code": ("ethnicity_code",),
    "uptake_by practice": ("practice",),
    "uptake_by lsoa": ("lsoa",),
    "uptake_by ethnicity_code x msoa": ("ethnicity_code", "msoa"),
    "uptake_by practice x imd_quintile": ("practice", "imd_quintile"),
    "weekly_doses ethnic_group": "weekly ethnic_group",
    "weekly_doses (everyone)": "weekly",
}
PROTECT_PARTS = {
    "protect borough (5 rows)": ("borough",),
    "protect practice (179 rows)": ("practice",),
    "protect lsoa (795 rows)": ("lsoa",),
    "protect ethnicity x msoa": ("ethnicity_code", "msoa"),
    "cumulative_uptake ethnic_group": "weekly ethnic_group",
}


# --- worker: one tree, all pages, kept open -------------------------------------------------


def worker(profile_dir: str | None) -> None:
    """Serve timing requests (JSON lines on stdin) for the tree on PYTHONPATH; answer on stdout."""
    reply = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything a page prints goes to stderr, not into the replies
    from streamlit.testing.v1 import AppTest

    from phm import codes

    apps: dict[str, AppTest] = {}
    parts: dict[str, object] = {}

    def run(name: str) -> float:
        app = apps[name]
        started = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - started
        if app.exception:
            raise RuntimeError(f"{name}: {app.exception}")
        return elapsed

    for line in sys.stdin:
        request = json.loads(line)
        if request["cmd"] == "warm":
            first = {}
            for v, (name, (page, state)) in enumerate(VARIANTS.items()):
                app = AppTest.from_file(str(Path.cwd() / "views" / page), default_timeout=600)
                try:  # pages need a signed-in user since sign-in; older trees have none
                    from phm.access.demo import DEMO_USERS

                    users = {u.key: u.principal for u in DEMO_USERS}
                    app.session_state["principal"] = users["borough-commissioner"]
                except ImportError:
                    pass
                for flag in codes.FLAGS:
                    app.session_state[flag] = "any"
                app.session_state["dose"] = "1"
                app.session_state["age_max"] = 100 + v  # its own cache entries
                for key, value in state.items():
                    app.session_state[key] = value
                apps[name] = app
                first[name] = run(name)  # connection, metadata, geometry: not timed below
            reply.write(json.dumps(first) + "\n")
        elif request["cmd"] == "time":
            name = request["variant"]
            apps[name].session_state["age_min"] = 18 + request["i"]  # a cohort not seen before
            if profile_dir:
                stem = "".join(c if c.isalnum() else "-" for c in name.lower())
                new = _profiled(
                    lambda n=name: run(n), Path(profile_dir) / f"{stem}-{request['i']}.prof"
                )
            else:
                new = run(name)
            cached = run(name)
            reply.write(json.dumps({"new": new, "cached": cached}) + "\n")
        elif request["cmd"] == "part":
            if not parts:
                parts.update(_parts())
            reply.write(json.dumps({"seconds": parts[request["part"]](request["i"])}) + "\n")


def _profiled(call, path: Path) -> float:  # noqa: ANN001
    """Return call(), with cProfile on in the thread AppTest runs the page in, saved to `path`."""
    import cProfile
    import threading

    profiler = cProfile.Profile()
    original = threading.Thread.run

    def run_profiled(thread: threading.Thread) -> None:
        profiler.enable()  # the page runs in a thread of its own: profile that thread
        try:
            original(thread)
        finally:
            profiler.disable()

    threading.Thread.run = run_profiled  # type: ignore[method-assign]
    try:
        result = call()
    finally:
        threading.Thread.run = original  # type: ignore[method-assign]
    profiler.dump_stats(str(path))
    return result


def _parts() -> dict[str, object]:
    """Return part name -> function(i) timing that part for the i-th new cohort (tree on PYTHONPATH)."""
    import duckdb

    from phm import disclosure, queries
    from phm.analysis import trends
    from phm.analysis.summaries import protected_uptake
    from phm.cohort import Cohort
    from phm.queries import trends as trend_queries

    con = duckdb.connect(os.environ["PHM_DB"], read_only=True)

    def query(what: tuple[str, ...] | str, cohort: Cohort):
        if what == "doses":
            return queries.uptake_all_doses(con, cohort)
        if isinstance(what, str):
            return trend_queries.weekly_doses(con, cohort, what.split()[1] if " " in what else None)
        return queries.uptake_by(con, cohort, what)

    def timed_query(what: tuple[str, ...] | str):
        def run(i: int) -> float:
            cohort = Cohort(age_min=18 + i, age_max=90)  # not seen by this connection before
            started = time.perf_counter()
            query(what, cohort)
            return time.perf_counter() - started

        return run

    def timed_protect(what: tuple[str, ...] | str):
        raw = query(what, Cohort(age_min=18))
        rule = disclosure.DEFAULT_RULE

        def run(i: int) -> float:
            started = time.perf_counter()
            if isinstance(what, str):
                trends.cumulative_uptake(raw, rule, what.split()[1])
            else:
                protected_uptake(raw, rule)
            return time.perf_counter() - started

        return run

    out: dict[str, object] = {n: timed_query(w) for n, w in QUERY_PARTS.items()}
    out.update({n: timed_protect(w) for n, w in PROTECT_PARTS.items()})
    return out


class Worker:
    """A worker process for one tree."""

    def __init__(self, tree: Path, db: str, profile_dir: str | None = None) -> None:
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        command = [sys.executable, str(Path(__file__).resolve()), "--worker"]
        if profile_dir:
            command += ["--profile-dir", profile_dir]
        self.process = subprocess.Popen(
            command,
            cwd=tree,
            env={**tree_env(tree), "PHM_DB": db},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )

    def ask(self, request: dict) -> dict:
        """Send one request and return the reply."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            raise RuntimeError("worker failed:\n" + self.log.read()[-4000:])
        return json.loads(line)

    def close(self) -> None:
        """End the worker (closing its stdin ends its loop)."""
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.log.close()


# --- driver ---------------------------------------------------------------------------------


def ratio_interval(
    old: list[float], new: list[float], rng: np.random.Generator
) -> tuple[float, float]:
    """Return a bootstrap 90% interval of median(new) / median(old), resampling the pairs."""
    old_a, new_a = np.array(old), np.array(new)
    picks = rng.integers(0, len(old_a), size=(2000, len(old_a)))
    ratios = np.median(new_a[picks], axis=1) / np.median(old_a[picks], axis=1)
    low, high = np.quantile(ratios, [0.05, 0.95])
    return float(low), float(high)


def print_table(
    names: list[str], title: str, times: dict[str, dict[str, list[float]]], kind: str
) -> None:
    """Print median old, median new and their ratio per variant for one kind of rerun."""
    rng = np.random.default_rng(0)
    print(title)
    print(
        f"  {'page':28} {'old (ms)':>9} {'new (ms)':>9} {'new/old':>8} {'90% interval':>14}"
        f" {'paired':>7}  within 10%?"
    )
    for name in names:
        old, new = times[name][f"old {kind}"], times[name][f"new {kind}"]
        mo, mn = statistics.median(old), statistics.median(new)
        low, high = ratio_interval(old, new, rng)
        paired = statistics.median(n / o for o, n in zip(old, new, strict=True))
        verdict = "yes" if mn / mo <= BUDGET else "NO"
        print(
            f"  {name:28} {mo * 1000:9.1f} {mn * 1000:9.1f} {mn / mo:8.3f}"
            f"   {low:5.3f}-{high:5.3f} {paired:7.3f}  {verdict}"
        )


def time_parts(workers: dict[str, Worker], reruns: int) -> dict[str, dict[str, list[float]]]:
    """Return seconds per part and tree, old and new alternating, one new cohort per repetition."""
    names = [*QUERY_PARTS, *PROTECT_PARTS]
    times = {n: {"old": [], "new": []} for n in names}
    for i in range(reruns):
        for p, name in enumerate(names):
            for side in ("old", "new") if (i + p) % 2 == 0 else ("new", "old"):
                seconds = workers[side].ask({"cmd": "part", "part": name, "i": i})["seconds"]
                times[name][side].append(seconds)
    return times


def print_parts(times: dict[str, dict[str, list[float]]]) -> None:
    """Print median old, median new and their ratio per phm-level part."""
    rng = np.random.default_rng(1)
    print("Parts (phm level; queries with a new cohort each time, 18+i to 90, dose 1)")
    print(f"  {'part':36} {'old (ms)':>9} {'new (ms)':>9} {'new/old':>8} {'90% interval':>14}")
    for name, sides in times.items():
        mo, mn = statistics.median(sides["old"]), statistics.median(sides["new"])
        low, high = ratio_interval(sides["old"], sides["new"], rng)
        print(
            f"  {name:36} {mo * 1000:9.2f} {mn * 1000:9.2f} {mn / mo:8.3f}   {low:5.3f}-{high:5.3f}"
        )


def main() -> None:
    """Time every page variant in both trees, alternating, and print the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--reruns", type=int, default=30, help="new cohorts per page and tree")
    parser.add_argument("--old-tree", default="/tmp/old", help="checkout of the previous code")
    parser.add_argument("--old-commit", default=OLD_COMMIT)
    parser.add_argument("--keep-old-tree", action="store_true")
    parser.add_argument(
        "--new-commit",
        help="time this commit (checked out at /tmp/new-<commit>) instead of the working tree,"
        " e.g. to keep other work in progress out of the measurement",
    )
    parser.add_argument("--only", nargs="*", help="variants to time (default: all)")
    parser.add_argument("--profile-dir", help="cProfile each new-cohort rerun into this folder")
    parser.add_argument(
        "--parts", action="store_true", help="also time the phm-level parts (queries, protection)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.profile_dir)
        return
    db = str(Path(args.db).resolve())
    names = args.only or list(VARIANTS)
    started = time.perf_counter()
    new_tree = (
        old_tree(Path(f"/tmp/new-{args.new_commit}"), args.new_commit)
        if args.new_commit
        else contextlib.nullcontext(ROOT)
    )
    with (
        old_tree(Path(args.old_tree), args.old_commit, args.keep_old_tree) as tree,
        new_tree as current,
    ):
        profiles = {}
        if args.profile_dir:
            for side in ("old", "new"):
                profiles[side] = str(Path(args.profile_dir).resolve() / side)
                Path(profiles[side]).mkdir(parents=True, exist_ok=True)
        workers = {
            "old": Worker(tree, db, profiles.get("old")),
            "new": Worker(current, db, profiles.get("new")),
        }
        try:
            part_times = time_parts(workers, args.reruns) if args.parts else None
            first = {side: w.ask({"cmd": "warm"}) for side, w in workers.items()}
            times: dict[str, dict[str, list[float]]] = {
                n: {f"{s} {k}": [] for s in workers for k in ("new", "cached")} for n in VARIANTS
            }
            for i in range(args.reruns):
                for v, name in enumerate(names):
                    order = ("old", "new") if (i + v) % 2 == 0 else ("new", "old")
                    for side in order:
                        reply = workers[side].ask({"cmd": "time", "variant": name, "i": i})
                        times[name][f"{side} new"].append(reply["new"])
                        times[name][f"{side} cached"].append(reply["cached"])
        finally:
            for w in workers.values():
                w.close()
    print(
        f"Page reruns on {db}: previous code {args.old_commit} ({tree}) against"
        f" {args.new_commit or 'the working tree'} ({current}), {args.reruns} new cohorts per"
        " page, old and new alternating; AppTest server time"
    )
    print(
        "  first runs (connection, metadata, geometry; not compared): "
        + ", ".join(
            f"{n} {first['old'][n]:.2f}/{first['new'][n]:.2f} s" for n in VARIANTS if n in names
        )
    )
    print_table(names, "Rerun with a new cohort (uncached queries)", times, "new")
    print_table(
        names,
        "Rerun with the same cohort (cached queries; protection and charts run)",
        times,
        "cached",
    )
    if part_times:
        print_parts(part_times)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
