"""A workshop room on one server: page-ready times, server CPU per page view, memory and errors.

The server (`streamlit run serve.py`, or app.py on a tree without it, on the full-scale demo;
CPU is counted from when it reports healthy, so serve.py's start-up warm-up is not) is driven
by lightweight websocket clients (tests/browser/streamlit_ws.py: what a browser tab sends, nothing drawn), in threads of
this process, which lowers its own priority (nice 10) once the server has started, so the
clients take as little as possible of the server's cores. Three rooms, each on a fresh server
(cold caches, as when a workshop starts):

  (a) one session opens the scenario link alone: the baseline;
  (b) N sessions (40) open the same scenario link at once;
  (c) M sessions (20) open at once, each a different cohort on a different page.

With `--floor`, the first two rooms are also run on a one-line Streamlit app (`st.write`,
nothing of this project): what Streamlit itself costs per session on this machine, and so the
least any app could take for room (b) against room (a).

Page-ready is from the request to the server's "script finished" for the page's last run (a
rerun the page asks for included). Server CPU is user + system time of the server process
(/proc/<pid>/stat) from before the room opens to when the last page is ready, divided by the
page views; peak memory is the server's VmHWM. Errors are exceptions in the delta stream and
runs that never finished. With `--before COMMIT` the same rooms are run on that commit's code
too (a git worktree, removed afterwards), alternating old and new servers room by room.

When the app asks people to sign in, `sign_in` below is the one place a client picks a demo
user before it opens its page.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from statistics import median
from urllib.parse import urlencode

from bench_cold_start import _free_port, _wait_healthy, stop_server
from old_tree import old_tree

from phm.analysis.scenarios import SCENARIOS
from phm.cohort import Cohort
from tests.browser.streamlit_ws import Tab

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MB = 1024.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Pages the mixed room spreads its sessions over (the business case and outreach included).
MIXED_PAGES = ("targets", "explore", "overview", "compare", "trends", "map", "outreach")


def sign_in(tab: Tab, user: int) -> None:
    """Sign a client in as demo user number `user` before it opens a page.

    The app has no sign-in yet, so this does nothing; when it has, pick a demo user here
    (every client calls it once, right after connecting).
    """
    del tab, user


def scenario_link(key: str) -> tuple[str, str]:
    """Return the (page, query string) of a workshop scenario's link."""
    scenario = next(s for s in SCENARIOS if s.key == key)
    from components.pages import PAGES  # the page's URL path

    return PAGES[scenario.page].url_path, urlencode(scenario.query_params(), doseq=True)


def mixed_links(n: int) -> list[tuple[str, str]]:
    """Return n (page, query string) pairs: each a different cohort, pages taken in turn."""
    links = []
    for i in range(n):
        cohort = Cohort().with_(
            dose=("1", "2", "3")[i % 3],
            imd_quintiles=[1 + i % 5],
            age_min=18 + 5 * (i // 5),
        )
        query = urlencode(cohort.to_query_params(), doseq=True)
        links.append((MIXED_PAGES[i % len(MIXED_PAGES)], query))
    return links


@dataclass
class View:
    """One page view: seconds to ready (None if it never finished) and exceptions shown."""

    seconds: float | None
    errors: int = 0


@dataclass
class Room:
    """What one room measured."""

    name: str
    views: list[View] = field(default_factory=list)
    cpu_s: float = 0.0
    peak_mb: float = 0.0

    @property
    def ready(self) -> list[float]:
        """Page-ready times of the views that finished."""
        return sorted(v.seconds for v in self.views if v.seconds is not None)

    @property
    def errors(self) -> int:
        """Exceptions shown plus views that never finished."""
        return sum(v.errors + (v.seconds is None) for v in self.views)

    def quantile(self, q: float) -> float:
        """Return a quantile of the page-ready times (nearest rank)."""
        ready = self.ready
        if not ready:
            return float("nan")
        return ready[min(len(ready) - 1, max(0, round(q * len(ready)) - 1))]


def cpu_seconds(pid: int) -> float:
    """Return user + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_mb(pid: int) -> float:
    """Return the peak resident memory (VmHWM) of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Server:
    """A running server: the process started, and the Python process that serves."""

    process: subprocess.Popen
    pid: int  # the server itself (under py-spy, py-spy's child)
    url: str

    def stop(self) -> None:
        """Stop the server (py-spy, if it records, then writes its profile and exits)."""
        if self.pid != self.process.pid:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
                return
            except subprocess.TimeoutExpired:
                pass
        stop_server(self.process)


def _child(pid: int, timeout: float = 30) -> int:
    """Return the first child process of a process (py-spy's server), waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("py-spy did not start the server")


def entry(tree: Path) -> Path:
    """Return the tree's server entry: serve.py (warms up before it serves) where it has one."""
    return tree / "serve.py" if (tree / "serve.py").exists() else tree / "app.py"


def start_server(tree: Path, db: Path, log: Path, profile: Path | None = None) -> Server:
    """Start `streamlit run` of a tree's entry on the database; return it once healthy.

    With `profile`, the server runs under `py-spy record`, which writes its samples (raw
    collapsed stacks, for flamegraph tools or grep) there when the server stops.
    """
    port = _free_port()
    spy = []
    if profile is not None:
        spy = [
            str(Path(sys.executable).with_name("py-spy")),
            *("record", "--gil", "--format", "raw", "--rate", "250", "-o", str(profile), "--"),
        ]
    command = [
        *spy,
        sys.executable,
        *("-m", "streamlit", "run", str(entry(tree))),
        *("--server.port", str(port), "--server.address", "127.0.0.1"),
        *("--server.headless", "true", "--server.fileWatcherType", "none"),
        *("--browser.gatherUsageStats", "false"),
    ]
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        server = subprocess.Popen(
            command,
            cwd=tree,
            # Every session signed in as the demo commissioner (synthetic data; older trees
            # without sign-in ignore it), with its own audit log beside the server's log.
            env={
                **os.environ,
                "PHM_DB": str(db),
                "PYTHONPATH": str(tree),
                "PHM_DEMO_USER": "borough-commissioner",
                "PHM_AUDIT_DB": str(log.parent / "audit.sqlite"),
                "PHM_USER_KEY_FILE": str(log.parent / "user-key.secret"),
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, 0),  # not the clients' nice
        )
    try:
        _wait_healthy(url, server)
    except BaseException:
        stop_server(server)
        raise
    return Server(server, _child(server.pid) if spy else server.pid, url)


# The smallest Streamlit app: what any app's session costs on this machine (--floor).
FLOOR_APP = 'import streamlit as st\n\nst.write("ready")\n'


def open_together(url: str, links: list[tuple[str, str]]) -> list[View]:
    """Open each link in its own session, all at once; return each page view."""
    views: list[View | None] = [None] * len(links)
    connected = threading.Barrier(len(links))

    def session(i: int, page: str, query: str) -> None:
        try:
            with Tab(url, decode=False) as tab:
                sign_in(tab, i)
                connected.wait()
                started = time.perf_counter()
                run = tab.run(page, query)
                views[i] = View(run.finished_at - started, len(run.of("exception")))
        except Exception:  # a run that never finished, or a dropped connection
            connected.abort()
            views[i] = View(None, 1)

    threads = [
        threading.Thread(target=session, args=(i, page, query))
        for i, (page, query) in enumerate(links)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [v if v is not None else View(None, 1) for v in views]


def run_room(
    tree: Path,
    db: Path,
    log: Path,
    name: str,
    links: list[tuple[str, str]],
    profile: Path | None = None,
) -> Room:
    """Start a fresh server, open the links at once and return what the room measured."""
    server = start_server(tree, db, log, profile)
    try:
        before = cpu_seconds(server.pid)
        views = open_together(server.url, links)
        return Room(name, views, cpu_seconds(server.pid) - before, peak_mb(server.pid))
    finally:
        server.stop()


def report(label: str, rooms: list[Room]) -> None:
    """Print each room's figures and its ratios against the single session (median of its runs)."""
    alone = [room for room in rooms if room.name.startswith("(a)")]
    base_ready = median(room.quantile(1.0) for room in alone) if alone else float("nan")
    base_cpu = (
        median(room.cpu_s / max(len(room.views), 1) for room in alone) if alone else float("nan")
    )
    print(f"{label}")
    print(
        f"  {'room':38s} {'views':>5s} {'p50 s':>7s} {'p95 s':>7s} {'max s':>7s}"
        f" {'max/alone':>9s} {'CPU s/view':>10s} {'/alone':>7s} {'peak MB':>8s} {'errors':>6s}"
    )
    for room in rooms:
        per_view = room.cpu_s / max(len(room.views), 1)
        print(
            f"  {room.name:38s} {len(room.views):5d} {room.quantile(0.5):7.2f}"
            f" {room.quantile(0.95):7.2f} {room.quantile(1.0):7.2f}"
            f" {room.quantile(1.0) / base_ready:8.1f}x {per_view:10.2f}"
            f" {per_view / base_cpu:6.2f}x {room.peak_mb:8.0f} {room.errors:6d}"
        )


def main() -> None:
    """Run the rooms on this tree (and on an older commit with --before) and print them."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--scenario", default="white_other_bus", help="the shared link's scenario")
    parser.add_argument("--sessions", type=int, default=40, help="sessions on the shared link")
    parser.add_argument("--mixed", type=int, default=20, help="sessions on different cohorts")
    parser.add_argument("--before", help="also run this commit's code (e.g. main), room by room")
    parser.add_argument("--old-tree", default="/tmp/room-before", help="worktree for --before")
    parser.add_argument(
        "--profile", help="folder for py-spy profiles of each room's server (slows the server)"
    )
    parser.add_argument("--rooms", default="abc", help="which rooms to run (default abc)")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also run rooms (a) and (b) on a one-line Streamlit app: the platform's floor",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each room this many times (medians reported)"
    )
    args = parser.parse_args()
    db = Path(args.db).resolve()
    if not db.exists():
        raise SystemExit(f"{db} does not exist: build the demo first (python -m phm demo)")
    shared = scenario_link(args.scenario)
    rooms: list[tuple[str, list[tuple[str, str]]]] = [
        ("(a) 1 session, scenario link", [shared]),
        (f"(b) {args.sessions} sessions, same scenario link", [shared] * args.sessions),
        (f"(c) {args.mixed} sessions, own cohort and page", mixed_links(args.mixed)),
    ]
    os.nice(10)  # the clients (threads started from here) yield to the server
    print(f"Rooms on {db.name}: shared link /{shared[0]}?{shared[1]} (scenario {args.scenario})")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        results: dict[str, list[Room]] = {"after": []}
        if args.before:
            results = {"before": [], "after": []}
        with old_tree(Path(args.old_tree), args.before) if args.before else _no_tree() as old:
            for number, (name, links) in enumerate(rooms):
                if "abc"[number] not in args.rooms:
                    continue
                for _, (label, tree) in product(
                    range(args.repeat), (("before", old), ("after", ROOT))
                ):
                    if tree is None:
                        continue
                    profile = None
                    if args.profile:
                        Path(args.profile).mkdir(parents=True, exist_ok=True)
                        profile = Path(args.profile) / f"{label}-{'abc'[number]}.txt"
                    results[label].append(run_room(tree, db, log, name, links, profile))
        if args.before:
            report(f"before: {args.before}", results["before"])
        report("after: this tree" if args.before else "this tree", results["after"])
        if args.before:
            _compare(results["before"], results["after"])
        if args.floor:
            report("floor: a one-line Streamlit app", run_floor(db, log, rooms[:2], args.repeat))
        if "Traceback" in log.read_text(errors="replace"):
            print("server log has tracebacks:\n" + log.read_text(errors="replace")[-3000:])


def run_floor(
    db: Path, log: Path, rooms: list[tuple[str, list[tuple[str, str]]]], repeat: int
) -> list[Room]:
    """Run rooms (a) and (b) on FLOOR_APP in a temporary tree: Streamlit's own cost per session."""
    results = []
    with tempfile.TemporaryDirectory() as tree:
        (Path(tree) / "app.py").write_text(FLOOR_APP)
        for _, (name, links) in product(range(repeat), rooms):
            results.append(run_room(Path(tree), db, log, name, [("", "")] * len(links)))
    return results


class _no_tree:
    """A context that yields no tree (no --before)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _compare(before: list[Room], after: list[Room]) -> None:
    """Print after / before for the targets' figures, each run and the median of each room."""
    print("after / before")
    ratios: dict[str, list[float]] = {}
    for old, new in zip(before, after, strict=True):
        ratios.setdefault(new.name, []).append(
            (new.cpu_s / max(len(new.views), 1)) / (old.cpu_s / max(len(old.views), 1))
        )
        old_cpu = old.cpu_s / max(len(old.views), 1)
        new_cpu = new.cpu_s / max(len(new.views), 1)
        print(
            f"  {new.name:38s} max ready {new.quantile(1.0) / old.quantile(1.0):5.2f}x"
            f"  p50 {new.quantile(0.5) / old.quantile(0.5):5.2f}x"
            f"  CPU per view {new_cpu / old_cpu:5.2f}x  peak MB {new.peak_mb / old.peak_mb:5.2f}x"
        )
    if any(len(runs) > 1 for runs in ratios.values()):
        for name, runs in ratios.items():
            listed = ", ".join(f"{r:.2f}" for r in runs)
            print(f"  {name:38s} CPU per view: median {median(runs):.2f}x of {listed}")
    print(
        "targets: (b) max ready <= 3x (a); CPU per view <= 0.5x before; 0 errors; peak <= "
        f"{BUDGET_MB:.0f} MB"
    )


if __name__ == "__main__":
    main()
