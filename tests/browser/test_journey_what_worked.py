"""Journey in Chromium: record a planned bus, evaluate, cost it on what we observed, download the brief.

Plan outreach plans a vaccine bus and records it in the interventions register in one click;
What worked lists it. The planned bus has just been planned (its days are after the data's
date, and the tiny demo has no effect built in for it), so it cannot be evaluated yet: the
observed figures come from the demo's built-in vaccine bus after door-knocking (Haringey and
Enfield), evaluated on What worked and opened in the business case, whose brief names it as
the source of its reach and conversion.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from streamlit_page import no_exception, settle

from phm.interventions import register

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # software WebGL in headless Chromium draws the bus map slowly
DEMO_BUS = "Vaccine bus after door-knocking (Haringey and Enfield)"


def see(locator: Locator) -> None:
    """Wait (long enough for the first run on a fresh server) until the element is visible."""
    expect(locator).to_be_visible(timeout=TIMEOUT_MS)


def settled(page: Page) -> None:
    """Wait until no script run is in progress and no traceback is shown."""
    settle(page, TIMEOUT_MS)
    no_exception(page)


def test_record_a_planned_bus_then_cost_the_observed_bus_and_download_the_brief(
    context, start_server, tiny_db, tmp_path, artifacts
):
    state = tmp_path / "state.sqlite"
    context.set_default_timeout(TIMEOUT_MS)
    with start_server(tiny_db, tmp_path / "server.log", env={"PHM_STATE_DB": str(state)}) as url:
        page = context.new_page()

        # 1. Plan a vaccine bus for boosters and record it as an intervention.
        page.goto(f"{url}/outreach?dose=3")
        see(page.get_by_role("heading", name="Plan outreach"))
        page.get_by_role("tab", name="Vaccine bus").click()
        page.get_by_role("button", name="Plan the route").click()
        settled(page)
        see(page.get_by_text("Assumptions: 3 day(s), up to 8 stops"))
        page.get_by_role("button", name="Record this bus as an intervention").click()
        see(page.get_by_text(re.compile(r"^Recorded 'Vaccine bus from .+' in the interventions")))
        settled(page)
        page.screenshot(path=str(artifacts / "journey-ww-1-bus-recorded.png"))
        (saved,) = register.stored(state)
        assert saved.record.kind == "bus" and saved.record.msoas

        # 2. What worked lists it beside the demo's own and evaluates them side by side.
        page.get_by_role("link", name="See it on What worked").click()
        see(page.get_by_role("heading", name="Interventions register"))
        settled(page)
        register_table = page.locator("[data-testid='stDataFrame']").first
        see(register_table)
        expect(register_table).to_contain_text(saved.record.name[:20], timeout=TIMEOUT_MS)
        see(page.get_by_text("Side by side", exact=True))
        see(page.get_by_text("Use what we observed", exact=True))
        see(page.get_by_text(re.compile(r"^Share reached \d+\.\d%")))
        page.screenshot(path=str(artifacts / "journey-ww-2-what-worked.png"), full_page=True)

        # 3. The demo's bus (first, the one looked at) opens the business case on what it did.
        page.get_by_role("link", name="Open the business case with these observed figures").click()
        see(page.get_by_role("heading", name="Business case", exact=True))
        see(page.get_by_role("heading", name="Vaccine-bus days"))
        expect(page).to_have_url(re.compile(r"[?&]observed=1000001(&|$)"), timeout=TIMEOUT_MS)
        see(page.get_by_text(f"Reach and conversion: Observed in {DEMO_BUS}"))
        settled(page)
        page.screenshot(path=str(artifacts / "journey-ww-3-business-case.png"), full_page=True)

        # 4. The brief names the observed source of its reach and conversion.
        with page.expect_download() as download:
            page.get_by_role("button", name="Download brief (HTML)").click()
        brief = Path(download.value.path()).read_text(encoding="utf-8")
        assert "SYNTHETIC DATA" in brief
        assert f"Observed in {DEMO_BUS} (04 Oct 2021 to 14 Nov 2021)" in brief
        no_exception(page)
