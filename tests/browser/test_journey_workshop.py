"""Journey 5 in Chromium: pick a scenario, share its URL, open it in presentation mode."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

pytestmark = pytest.mark.browser


def wait_for_business_case(page: Page) -> None:
    """Wait until the business case shows its figures (metrics and inputs are drawn lazily)."""
    expect(page.locator("[data-testid='stMetricValue']").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("[data-testid='stNumberInput'] input").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    settle(page)


def font_size(page: Page, selector: str) -> float:
    """Return the computed font size in pixels of the first element matching a selector."""
    return page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def test_pick_a_scenario_share_it_and_present(context, app_url, artifacts):
    page = context.new_page()

    # 1. The gallery: six or more stories, through the sidebar navigation.
    page.goto(f"{app_url}/overview")
    sidebar_nav = page.locator("[data-testid='stSidebarNav']")
    sidebar_nav.get_by_role("link", name="Scenarios").click()
    expect(page.get_by_role("heading", name="Scenarios", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    links = page.get_by_role("link", name=re.compile(r"^Open: "))
    expect(links.nth(5)).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    no_exception(page)
    page.screenshot(path=str(artifacts / "journey5-1-scenarios.png"), full_page=True)
    normal_h1 = font_size(page, "[data-testid='stMain'] h1")
    expect(page.locator("[data-testid='stSidebar']")).to_have_attribute("data-collapsed", "false")

    # 2. One click: the Polish link worker's business case, cohort set in sidebar and URL.
    page.get_by_role("link", name="Open: A Polish-speaking link worker").click()
    expect(page.get_by_role("heading", name="Business case", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_text("whose first language is Polish").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page).to_have_url(
        re.compile(r"/business_case\?language=Polish&intervention=link_worker&intervention=popup$")
    )
    wait_for_business_case(page)
    expect(page.get_by_role("heading", name="Community-language link worker")).to_be_visible()
    expect(page.get_by_role("heading", name="Pop-up clinic sessions")).to_be_visible()
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Ethnicity and language").click()
    expect(
        sidebar.locator("[data-testid='stMultiSelect']").filter(has_text="First language")
    ).to_contain_text("Polish")
    no_exception(page)
    page.screenshot(path=str(artifacts / "journey5-2-scenario-opened.png"), full_page=True)

    # 3. Copy link, at the top of the page: it opens the shareable URL of this view.
    page.get_by_role("button", name=re.compile("Copy link")).click()
    shared = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode']").inner_text()
    shared = shared.strip()
    assert parse_qs(urlparse(shared).query) == {
        "language": ["Polish"],
        "intervention": ["link_worker", "popup"],
    }
    assert urlparse(shared).path == "/business_case"

    # 4. A participant opens the link in presentation mode: large type, sidebar collapsed,
    # same cohort.
    room = context.new_page()
    room.goto(f"{shared}&present=1")
    expect(room.get_by_role("heading", name="Business case", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(room.get_by_text("whose first language is Polish").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    wait_for_business_case(room)
    expect(room.locator("#phm-presentation-mode")).to_have_count(1)
    assert font_size(room, "[data-testid='stMain'] h1") > 1.1 * normal_h1
    assert font_size(room, "[data-testid='stMain'] [data-testid='stMarkdownContainer'] p") >= 22
    assert font_size(room, "[data-testid='stMetricValue'] *") >= 48
    expect(room.locator("[data-testid='stSidebar']")).to_have_attribute("data-collapsed", "true")
    no_exception(room)
    room.screenshot(path=str(artifacts / "journey5-3-presentation-mode.png"), full_page=True)
