"""Aggregate mode in Chromium: published NHS England figures on the Map and in Compare."""

import pytest
from playwright.sync_api import expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

pytestmark = pytest.mark.browser


def test_published_figures_map_and_compare(
    context, published_db, tmp_path, artifacts, start_provider_server, provider_sign_in
):
    # Published figures are not synthetic: the app opens them only after a provider sign-in.
    with start_provider_server(published_db, tmp_path) as url:
        page = context.new_page()
        provider_sign_in(page, url, "planner")
        journey(page, artifacts)


def journey(page, artifacts) -> None:
    """Map of published figures, then Compare boroughs under 60."""

    # 1. The landing page is the map of published figures; what they lack is greyed out.
    expect(page.get_by_role("heading", name="Map", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("NHS England published figures").first).to_be_visible()
    expect(page.locator("[data-testid='stDeckGlJsonChart'] canvas").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(
        sidebar.get_by_text("NHS England publishes counts by MSOA and age band only")
    ).to_be_visible()
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_role("link")).to_have_count(4)  # Map, Compare, Data, About (no Usage, Audit)
    expect(page.get_by_text("Barnet 002").first).to_be_visible()  # its #VALUE! cell is named
    settle(page)
    no_exception(page)
    page.screenshot(path=str(artifacts / "published-1-map.png"))

    # 2. Compare boroughs for people under 60, where every published cell is readable.
    nav.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare localities")).to_be_visible(timeout=TIMEOUT_MS)
    band = sidebar.locator("[data-testid='stMultiSelect']").filter(has_text="Age band")
    band.locator("input").click()
    page.get_by_role("option", name="Under 60", exact=True).click()
    page.keyboard.press("Escape")
    settle(page)
    expect(page.get_by_text("People in age band Under 60:").first).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    tab = page.get_by_role("tab", name="Table and download")
    expect(tab).to_have_count(1, timeout=TIMEOUT_MS)  # the rerun's old tabs are gone
    tab.click()
    table = page.locator("[data-testid='stDataFrame']:visible").first
    expect(table).to_be_visible(timeout=TIMEOUT_MS)
    no_exception(page)
    page.screenshot(path=str(artifacts / "published-2-compare.png"), full_page=True)
