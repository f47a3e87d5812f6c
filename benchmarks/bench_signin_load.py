"""Load with sign-in and audit: many signed-in sessions at once against one session, same run.

Each session is a websocket client doing what a browser tab does (tests/browser/streamlit_ws.py):
it signs in through the demo picker as one of the demo users (roles in turn), then opens the
pages its role may open, in a loop, for the time given. First one session alone (the
baseline), then N at once. Reported: page times (median, 95th centile) alone and under load,
the server's resident memory (and peak), errors (exceptions on a page, failed runs), and the
audit log's entries against the actions made: one sign_in per session and one page_view per
page run, nothing lost, and `verify` passing at the end.

    python benchmarks/bench_signin_load.py --sessions 20 --seconds 300
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "browser")]

from streamlit_ws import Tab, Trigger  # noqa: E402

from phm import geo  # noqa: E402
from phm.access import pages_for  # noqa: E402
from phm.access.demo import DEMO_USERS  # noqa: E402
from phm.audit import log  # noqa: E402

# The pages a session cycles through (URL path -> page key), as its role allows.
CYCLE = {
    "overview": "overview",
    "explore": "explore",
    "compare": "compare",
    "trends": "trends",
    "targets": "targets",
    "map": "map",
    "about": "about",
    "usage": "usage",
    "audit": "audit",
}


def memory_mb(pid: int) -> tuple[float, float]:
    """Return (resident, peak resident) MB of a process, from /proc (Linux)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _browser_conftest():
    """Return tests/browser/conftest.py as a module, for its streamlit_server."""
    spec = importlib.util.spec_from_file_location(
        "browser_conftest", ROOT / "tests" / "browser" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Session(threading.Thread):
    """One signed-in tab cycling through its role's pages until the deadline."""

    def __init__(self, url: str, user_index: int, deadline: float) -> None:
        super().__init__(daemon=True)
        self.url, self.deadline = url, deadline
        self.user = DEMO_USERS[user_index % len(DEMO_USERS)]
        self.times: list[float] = []
        self.page_runs = 0
        self.errors: list[str] = []
        self.signed_in = False

    def run(self) -> None:
        """Sign in through the picker, then open pages in turn."""
        pages = [p for p in CYCLE if CYCLE[p] in pages_for(self.user.principal, CYCLE.values())]
        try:
            with Tab(self.url) as tab:
                picker = tab.run("")
                started = time.perf_counter()
                landed = tab.run(
                    "",
                    widgets={
                        picker.widget_id("phm_demo_user"): self.user.label,
                        picker.widget_id("phm_demo_sign_in"): Trigger(),
                    },
                )
                self.times.append(time.perf_counter() - started)
                self.signed_in = True
                self.page_runs += 1  # the landing page after sign-in
                self._check(landed, "landing")
                turn = 0
                while time.perf_counter() < self.deadline:
                    page = pages[turn % len(pages)]
                    turn += 1
                    started = time.perf_counter()
                    result = tab.run(page)
                    self.times.append(time.perf_counter() - started)
                    self.page_runs += 1
                    self._check(result, page)
        except Exception as problem:  # noqa: BLE001 - counted and reported, not raised
            self.errors.append(f"{self.user.key}: {type(problem).__name__}: {problem}")

    def _check(self, result, page: str) -> None:
        """Count a page that showed an exception as an error."""
        if result.of("exception"):
            self.errors.append(f"{self.user.key} on {page}: exception")


def phase(url: str, sessions: int, seconds: float, pid: int) -> dict:
    """Run `sessions` sessions for `seconds`; return their times, runs, errors and memory."""
    deadline = time.perf_counter() + seconds
    threads = [Session(url, i, deadline) for i in range(sessions)]
    peak_rss = 0.0
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        peak_rss = max(peak_rss, memory_mb(pid)[0])
        time.sleep(0.5)
    times = [t for thread in threads for t in thread.times]
    return {
        "sessions": sessions,
        "page_runs": sum(t.page_runs for t in threads),
        "sign_ins": sum(t.signed_in for t in threads),
        "errors": [e for t in threads for e in t.errors],
        "median_s": statistics.median(times) if times else float("nan"),
        "p95_s": statistics.quantiles(times, n=20)[-1] if len(times) > 1 else float("nan"),
        "peak_rss_mb": peak_rss,
    }


def measure(url: str, pid: int, args: argparse.Namespace) -> tuple:
    """Return the warm-up, baseline and load phases with the server's memory between them."""
    idle_rss = memory_mb(pid)[0]
    # A first session warms the caches (as a workshop's first visitor does); not measured.
    warm = phase(url, 1, 5, pid)
    single = phase(url, 1, args.baseline_seconds, pid)
    after_single_rss = memory_mb(pid)[0]
    load = phase(url, args.sessions, args.seconds, pid)
    final_rss, peak_rss = memory_mb(pid)
    return warm, single, load, idle_rss, after_single_rss, final_rss, peak_rss


def main() -> None:
    """Run the baseline and the load, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--baseline-seconds", type=float, default=60.0)
    parser.add_argument(
        "--scale", type=float, default=0.05, help="demo scale when --db is not given"
    )
    parser.add_argument("--db", type=Path, help="an existing synthetic demo database")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="phm-load-"))
    db = args.db
    if db is None:
        from phm.synth.build import build_demo

        db = folder / "demo.duckdb"
        build_demo(db, geo.REFERENCE_ROOT / "north-central-london", scale=args.scale, seed=7)
    audit = folder / "audit.sqlite"  # streamlit_server puts the log beside the server's log
    server_log = folder / "server.log"
    with _browser_conftest().streamlit_server(db, server_log, {"PHM_DEMO_USER": ""}) as url:
        pid = int(server_log.with_suffix(".pid").read_text())
        figures = measure(url, pid, args)
        os.kill(pid, signal.SIGKILL)  # the log must verify after a server dies
    warm, single, load, idle_rss, after_single_rss, final_rss, peak_rss = figures

    real = [e for e in log.entries(audit) if not e.synthetic]
    kinds = Counter(e.kind for e in real)
    phases = (warm, single, load)
    runs = sum(p["page_runs"] for p in phases)
    signed_in = sum(p["sign_ins"] for p in phases)
    verification = log.verify(audit)
    print(f"server memory: idle {idle_rss:.0f} MB, after one session {after_single_rss:.0f} MB,")
    print(f"  during {args.sessions} sessions up to {load['peak_rss_mb']:.0f} MB,")
    print(f"  at the end {final_rss:.0f} MB (process peak {peak_rss:.0f} MB)")
    for name, result in (("1 session", single), (f"{args.sessions} sessions", load)):
        print(
            f"{name}: {result['page_runs']} page runs, median {result['median_s']:.2f} s,"
            f" 95th centile {result['p95_s']:.2f} s, errors {len(result['errors'])}"
        )
        for error in result["errors"][:5]:
            print(f"  {error}")
    print(
        f"audit: {kinds['sign_in']} sign_in for {signed_in} sessions signed in,"
        f" {kinds['page_view']} page_view for {runs} page runs made,"
        f" {kinds['refused']} refused; lost: {signed_in - kinds['sign_in']} sign-ins,"
        f" {runs - kinds['page_view']} page views; verify after SIGKILL:"
        f" {verification.describe()}"
    )


if __name__ == "__main__":
    main()
