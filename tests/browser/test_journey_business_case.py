"""Journey 4 in Chromium: pick a cohort and interventions, set costs, download the brief."""

import re

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

pytestmark = pytest.mark.browser

COST_LABEL = "Cost per additional vaccination (central)"


def cost_metrics(page: Page) -> list[int]:
    """Return the central cost per additional vaccination of each intervention, in pounds."""
    metrics = page.locator("[data-testid='stMetric']").filter(has_text=COST_LABEL)
    values = metrics.locator("[data-testid='stMetricValue']").all_inner_texts()
    return [int(re.sub(r"[£,]", "", v)) for v in values]


def test_build_a_business_case_and_download_the_brief(context, app_url, artifacts):
    page = context.new_page()

    # 1. The Core20 cohort's business case, with two interventions side by side.
    page.goto(f"{app_url}/business_case?imd_quintile=1")
    expect(page.get_by_role("heading", name="Business case", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_text("living in IMD quintile 1 areas").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    metrics = page.locator("[data-testid='stMetric']").filter(has_text=COST_LABEL)
    expect(metrics).to_have_count(2, timeout=TIMEOUT_MS)
    expect(metrics.locator("[data-testid='stMetricValue']").first).to_have_text(
        re.compile(r"^£[\d,]+$"), timeout=TIMEOUT_MS
    )
    settle(page)
    no_exception(page)
    expect(page.get_by_text("SYNTHETIC DATA: not real people.")).to_be_visible()
    expect(page.get_by_role("heading", name="Pop-up clinic sessions")).to_be_visible()
    link_worker, popup = cost_metrics(page)
    page.screenshot(path=str(artifacts / "journey4-1-business-case.png"), full_page=True)

    # 2. Double the cost of a pop-up session: its cost per vaccination doubles, the other stays.
    cost = page.get_by_role("spinbutton", name="Cost per session (£)")
    cost.fill("3000")
    cost.press("Enter")
    expect(metrics.nth(1).locator("[data-testid='stMetricValue']")).not_to_have_text(
        f"£{popup:,}", timeout=TIMEOUT_MS
    )
    settle(page)
    new_link_worker, new_popup = cost_metrics(page)
    assert new_link_worker == link_worker
    assert abs(new_popup - 2 * popup) <= 1
    results_table = page.locator("[data-testid='stTable']").first
    expect(results_table.locator("td", has_text="£30,000")).to_have_count(1)
    no_exception(page)
    page.screenshot(path=str(artifacts / "journey4-2-cost-doubled.png"), full_page=True)

    # 3. Download the brief as HTML and as PDF.
    with page.expect_download() as html_download:
        page.get_by_role("button", name="Download brief (HTML)").click()
    html_path = artifacts / "journey4-brief.html"
    html_download.value.save_as(html_path)
    text = html_path.read_text()
    assert "SYNTHETIC DATA" in text
    assert "living in IMD quintile 1 areas" in text
    assert "£30,000" in text
    assert "data:image/svg+xml;base64," in text

    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Download brief (PDF)").click()
    pdf_path = artifacts / "journey4-brief.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    no_exception(page)
