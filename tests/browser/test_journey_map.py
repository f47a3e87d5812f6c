"""Journey 2 in Chromium: map a cohort by LSOA, open an area, plan 10 pop-ups, export GeoJSON, plan a bus."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from streamlit_page import no_exception, settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # software WebGL in headless Chromium draws the map slowly
COUNT = re.compile(r"^(<8|\*|–|\d{1,3}(,\d{3})*)$")


def see(locator: Locator) -> None:
    """Wait (long enough for the first run on a fresh server) until the element is visible."""
    expect(locator).to_be_visible(timeout=TIMEOUT_MS)


def settled(page: Page) -> None:
    """Wait until no script run is in progress and no traceback is shown."""
    settle(page, TIMEOUT_MS)
    no_exception(page)


def shot(page: Page, folder, name: str) -> None:
    """Save a screenshot of the current step (the viewport: the map draws in it)."""
    page.screenshot(path=str(folder / f"journey2-{name}.png"), timeout=TIMEOUT_MS)


def map_chart(page: Page):
    """Return the pydeck chart element."""
    return page.locator("[data-testid='stDeckGlJsonChart']").first


def test_map_plan_ten_popups_export_geojson_and_plan_a_bus(context, app_url, artifacts):
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    # 1. Everyone, then boosters by a click (enough people unvaccinated in each LSOA of the
    # tiny demo for plans: hidden counts weigh nothing).
    page.goto(f"{app_url}/map")
    see(page.get_by_role("heading", name="Map"))
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("radiogroup", name="Dose").get_by_role("radio", name="Booster").click()
    see(page.get_by_text("Everyone: booster"))
    expect(page).to_have_url(re.compile(r"[?&]dose=3(&|$)"), timeout=TIMEOUT_MS)
    settled(page)
    see(map_chart(page).locator("canvas").first)
    shot(page, artifacts, "1-map-by-lsoa")

    # 2. Colour by number unvaccinated; choose an area for its breakdown.
    page.get_by_role("radiogroup", name="Colour by").get_by_text("Unvaccinated").click()
    see(page.get_by_text("Number unvaccinated"))
    settled(page)
    picker = page.locator("[data-testid='stSelectbox']").filter(has_text="LSOA (or click the map)")
    picker.locator("input").click()
    page.keyboard.type("Enfield 0")
    page.keyboard.press("Enter")
    settled(page)
    see(page.get_by_text("Uptake here"))
    # An LSOA of the tiny demo holds fewer than 50 people: its figure, no breakdown.
    see(page.get_by_text("Fewer than 50 people in this cohort here"))
    expect(page.get_by_role("strong").filter(has_text="First language")).to_have_count(0)
    shot(page, artifacts, "2-area-breakdown")

    # 3. From the map to the planner in one click; the cohort comes along.
    page.get_by_role("link", name="Plan pop-up sites or a vaccine-bus route").click()
    see(page.get_by_role("heading", name="Plan outreach"))
    see(page.get_by_text("Everyone: booster"))
    page.get_by_role("button", name="Find the best sites").click()
    settled(page)
    reached = page.locator("[data-testid='stMetric']").filter(
        has_text="Unvaccinated people reached"
    )
    see(reached)
    see(page.get_by_text("Proven optimal by the SCIP solver"))
    extra = page.locator("[data-testid='stMetric']").filter(has_text="More people reached")
    expect(extra.locator("[data-testid='stMetricValue']")).to_have_text(
        re.compile(r"^[+-]?\d"), timeout=TIMEOUT_MS
    )
    shot(page, artifacts, "3-ten-popups")

    # 4. Export the sites as GeoJSON: ten labelled points, no count below eight.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Sites (GeoJSON)").click()
    path = download_info.value.path()
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 10
    labels = "\n".join(collection["metadata"])
    assert "Cohort: Everyone: booster" in labels
    assert "SYNTHETIC" in labels and "Data as at:" in labels and "Disclosure control:" in labels
    for feature in collection["features"]:
        assert feature["geometry"]["type"] == "Point"
        count = feature["properties"]["Unvaccinated within reach (counted once)"]
        assert COUNT.match(count), count
        if count[0].isdigit():
            assert int(count.replace(",", "")) >= 8

    # 5. A vaccine bus over three days, with a printable itinerary.
    page.get_by_role("tab", name="Vaccine bus").click()
    page.get_by_role("button", name="Plan the route").click()
    settled(page)
    see(page.get_by_text("Assumptions: 3 day(s), up to 8 stops"))
    stops = page.locator("[data-testid='stMetric']").filter(has_text="Stops")
    expect(stops.locator("[data-testid='stMetricValue']")).to_have_text(
        re.compile(r"^\d+$"), timeout=TIMEOUT_MS
    )
    shot(page, artifacts, "4-bus-route")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Printable itinerary (HTML)").click()
    html = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert re.search(
        r"<h2>Day 1, \w+day \d{2} \w+ \d{4}: leaves .+ back at the depot at \d{2}:\d{2}</h2>", html
    )
    assert "SYNTHETIC" in html and "<svg" in html  # dated days and a route map

    # 6. Cost the bus days in a business case: the plan's days come along in the link.
    page.get_by_role("link", name="Cost 3 vaccine-bus days in a business case").click()
    see(page.get_by_role("heading", name="Business case", exact=True))
    see(page.get_by_role("heading", name="Vaccine-bus days"))
    see(page.get_by_text("Everyone: booster").first)
    units = page.locator("[data-testid='stNumberInput']").filter(has_text="Number of bus days")
    expect(units.locator("input")).to_have_value("3", timeout=TIMEOUT_MS)
    expect(page).to_have_url(
        re.compile(r"intervention=bus.*bus_units=3|bus_units=3.*intervention=bus")
    )
    settled(page)
    shot(page, artifacts, "5-bus-business-case")
