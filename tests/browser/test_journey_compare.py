"""Journey 3 in Chromium: compare PCNs with CIs and a funnel plot, the deprivation gap and SII, then trends."""

import re
from pathlib import Path

import pytest
import streamlit_page
from playwright.sync_api import Page, expect
from streamlit_page import TIMEOUT_MS

pytestmark = pytest.mark.browser


def settle(page: Page) -> None:
    """Wait until no script run is in progress and no traceback is shown."""
    streamlit_page.settle(page)
    streamlit_page.no_exception(page)


def shot(page: Page, folder: Path, name: str) -> None:
    """Save a screenshot of the current step."""
    page.screenshot(path=str(folder / f"journey3-{name}.png"), full_page=True)


def sidebar_link(page: Page, name: str):
    """Return a page link of the sidebar navigation."""
    nav = page.locator("[data-testid='stSidebarNav']")
    return nav.get_by_role("link", name=name, exact=True)


def test_compare_localities_inequality_and_trends(context, app_url, artifacts):
    page = context.new_page()
    page.goto(f"{app_url}/?age_min=18")
    settle(page)

    # 1. Compare, by borough first: the comparator (adults across the ICS) and a ranked chart coloured against it.
    sidebar_link(page, "Compare").click()
    expect(page.get_by_role("heading", name="Compare localities")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    expect(
        page.get_by_text(
            re.compile(r"Comparator \(first dose\): [0-9.]+% for adults \(18 and over\)")
        )
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name="Boroughs ranked by uptake (first dose)")
    ).to_be_visible()
    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
    shot(page, artifacts, "1-compare-boroughs")

    # 2. Switch to PCNs: headings, counts and the table follow.
    page.get_by_role("radiogroup", name="Compare").get_by_role(
        "radio", name="PCN (registration)"
    ).click()
    expect(page.get_by_role("heading", name="PCNs ranked by uptake (first dose)")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    settle(page)
    metrics = page.locator("[data-testid='stMetricValue']")
    total = sum(int(metrics.nth(i).inner_text()) for i in range(3))
    assert total > 5, "every PCN is higher, similar or lower than the comparator"
    shot(page, artifacts, "2-compare-pcns")

    # 3. The funnel plot and its list of outliers.
    page.get_by_role("tab", name="Funnel plot").click()
    expect(page.get_by_role("heading", name="Funnel plot (first dose)")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Outside the 99\.8% limits: \d+ PCN"))).to_be_visible()
    page.wait_for_timeout(800)
    shot(page, artifacts, "3-funnel")

    # 4. The table with a CSV download, then the inequality tab: gap, SII and RII for the ICS.
    page.get_by_role("tab", name="Table and download").click()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()
    page.get_by_role("tab", name="Inequality").click()
    expect(page.get_by_role("heading", name="Deprivation gradient")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Gaps by ethnic group and first language")
    ).to_be_visible()
    page.wait_for_timeout(800)
    shot(page, artifacts, "4-inequality")

    # 5. Trends by IMD quintile: cumulative lines with milestones, the gap sentence, SPC.
    sidebar_link(page, "Trends").click()
    expect(page.get_by_role("heading", name="Trends", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    page.locator("[data-testid='stSelectbox']").filter(has_text="Characteristic").click()
    page.get_by_role("option", name="IMD quintile").click()
    sentence = page.get_by_text(
        re.compile(r"Uptake in 1 \(most deprived\) against 5 \(least deprived\)")
    )
    expect(sentence).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    expect(
        page.get_by_role("heading", name="Cumulative uptake by week (first dose)")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"1\. 08 Dec 2020 Rollout begins"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"the gap has (narrowed|widened|reversed)"))).to_be_visible()
    expect(page.get_by_role("heading", name="SPC view (NHS Making Data Count)")).to_be_visible()
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 4
    shot(page, artifacts, "5-trends")
