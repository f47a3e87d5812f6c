"""App memory at full scale: the server's resident memory while Chromium sessions use every page.

One session walks every page in menu order, doing the heavy thing on each (finder at every
place level, a two-way breakdown, Compare by practice and MSOA, the Map by MSOA and LSOA,
the pop-up optimiser and the bus planner, the business-case PDF). Then more sessions open
at once, each with its own cohort, to show what every extra user costs. Resident memory
(VmRSS) and its peak (VmHWM) come from /proc for the server process; the baseline is a
hello-world Streamlit app started and opened the same way in the same run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench_cold_start import CHROMIUM_ARGS, HELLO, start_server, stop_server
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MB = 1024.0
TIMEOUT_MS = 180_000
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def memory_mb(pid: int) -> tuple[float, float]:
    """Return (resident, peak resident) MB of a process, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def settle(page: Page) -> None:
    """Wait until the page's script run has finished (twice, to catch a follow-up rerun)."""
    for _ in range(2):
        page.wait_for_timeout(300)
        expect(page.locator(IDLE)).to_have_count(1, timeout=TIMEOUT_MS)
        expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=TIMEOUT_MS)


def open_page(page: Page, title: str) -> None:
    """Open a page from the sidebar menu and wait for it."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    settle(page)


def click_text(page: Page, text: str) -> None:
    """Click a segmented-control option by its exact text and wait."""
    page.get_by_role("radio", name=text, exact=True).first.click()
    settle(page)


def choose(page: Page, box_label: str, option: str) -> None:
    """Choose an option of a select box identified by its label."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=box_label).first
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def walk_every_page(page: Page) -> list[tuple[str, Callable[[Page], None]]]:
    """Return the steps of one session that uses every page's heaviest views."""

    def outreach(p: Page) -> None:
        open_page(p, "Plan outreach")
        p.get_by_role("button", name="Find the best sites").click()
        settle(p)
        expect(p.get_by_text("Unvaccinated people reached").first).to_be_visible(timeout=TIMEOUT_MS)
        p.get_by_role("tab", name="Vaccine bus").click()
        p.get_by_role("button", name="Plan the route").click()
        settle(p)
        expect(p.get_by_text("Assumptions: 3 day(s)").first).to_be_visible(timeout=TIMEOUT_MS)

    def business_case(p: Page) -> None:
        open_page(p, "Business case")
        with p.expect_download(timeout=TIMEOUT_MS):
            p.get_by_role("button", name="Download brief (PDF)").click()
        settle(p)

    return [
        ("finder by MSOA, borough and PCN", lambda p: [click_text(p, t) for t in ("Borough", "PCN")]),
        ("Explore: ethnicity x IMD quintile", lambda p: (
            open_page(p, "Explore"), choose(p, "Break down by", "Ethnicity"),
            choose(p, "and by", "IMD quintile"),
        )),
        ("Overview", lambda p: open_page(p, "Overview")),
        ("Compare: practices, MSOAs", lambda p: (
            open_page(p, "Compare"), click_text(p, "GP practice (registration)"),
            click_text(p, "MSOA (residence)"),
        )),
        ("Trends", lambda p: open_page(p, "Trends")),
        ("Map: LSOA, MSOA", lambda p: (open_page(p, "Map"), click_text(p, "MSOA"))),
        ("Plan outreach: 10 pop-ups, 3 bus days", outreach),
        ("Business case + PDF brief", business_case),
        ("Scenarios, Data, About", lambda p: [open_page(p, t) for t in ("Scenarios", "Data", "About")]),
    ]  # fmt: skip


def main() -> None:
    """Print the server's resident memory through a full session and with extra sessions."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "data" / "phm.duckdb"))
    parser.add_argument("--sessions", type=int, default=3, help="extra sessions opened together")
    parser.add_argument("--chromium", default=os.environ.get("PHM_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    db = Path(args.db).resolve()
    if not db.exists():
        raise SystemExit(f"{db} does not exist: build the demo first (python -m phm demo)")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
        )
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        server, url = start_server(hello, db)
        page = browser.new_page()
        page.goto(url)
        settle(page)
        hello_rss, _ = memory_mb(server.pid)
        page.close()
        stop_server(server)

        server, url = start_server(ROOT / "serve.py", db)
        try:
            idle_rss, _ = memory_mb(server.pid)
            print(f"Server resident memory on {db.name} (budget {BUDGET_MB:.0f} MB)")
            print(f"  hello-world Streamlit app, one page open : {hello_rss:7.0f} MB")
            print(f"  app started, no session                  : {idle_rss:7.0f} MB")
            context = browser.new_context(
                accept_downloads=True, viewport={"width": 1400, "height": 1000}
            )
            page = context.new_page()
            page.goto(url)
            settle(page)
            rss, _ = memory_mb(server.pid)
            print(f"  landing page (finder by MSOA)            : {rss:7.0f} MB")
            for name, step in walk_every_page(page):
                step(page)
                rss, peak = memory_mb(server.pid)
                print(f"  + {name:39s}: {rss:7.0f} MB (peak {peak:.0f})")
            one_session, _ = memory_mb(server.pid)

            cohorts = ["?dose=2", "?dose=3&age_min=50", "?dose=1&imd_quintile=1", "?dose=2&sex=F"]
            pages = []
            for i in range(args.sessions):
                extra = context.new_page()
                extra.goto(url + "/map" + cohorts[i % len(cohorts)])
                pages.append(extra)
            for extra in pages:
                settle(extra)
                open_page(extra, "Compare")
                open_page(extra, "Explore")
            rss, peak = memory_mb(server.pid)
            per_session = (rss - one_session) / max(args.sessions, 1)
            print(
                f"  + {args.sessions} more sessions (Map, Compare, Explore): {rss:7.0f} MB"
                f" (peak {peak:.0f}); about {per_session:.0f} MB per extra session"
            )
            print(
                f"peak / budget = {peak / BUDGET_MB:.2f}; peak / hello-world = {peak / hello_rss:.1f}x"
            )
            context.close()
        finally:
            stop_server(server)
        browser.close()


if __name__ == "__main__":
    main()
