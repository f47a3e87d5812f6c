"""One deprivation gap, said one way: Overview's sentence, Compare's inequality table and the
business case's results quote the same size and direction for one cohort, in words.

Users saw '+17.9 (+17.6 to +18.2)' on Compare, '-17.9 pp' on the business case and '17.9
points lower' on Overview for the same gap and asked which way round it was.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from streamlit_page import no_exception, settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
COHORT = "age_min=18"
GAP = re.compile(r"(\d+\.\d) (?:percentage )?points (lower|higher)")
SIGNED = re.compile(r"[+\u2212-]\d+\.\d\b")


def opened(page: Page, url: str, heading: str) -> None:
    """Open a page and wait for its run to finish."""
    page.goto(url)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    settle(page, TIMEOUT_MS)


def table_row(page: Page, first_cell: str) -> list[str]:
    """Return the cells of the shown table row whose first cell is `first_cell`."""
    row = page.locator("[data-testid='stTable'] tr", has_text=first_cell).first
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    return row.locator("td, th").all_inner_texts()


def test_the_deprivation_gap_reads_the_same_on_overview_compare_and_the_business_case(
    context, app_url
):
    page = context.new_page()
    opened(page, f"{app_url}/overview?{COHORT}", "Overview")
    sentence = page.locator(
        "[data-testid='stMarkdownContainer'] p", has_text="Deprivation gap."
    ).first
    expect(sentence).to_be_visible(timeout=TIMEOUT_MS)
    overview = GAP.search(sentence.inner_text())
    assert overview, sentence.inner_text()

    opened(page, f"{app_url}/compare?{COHORT}", "Compare localities")
    page.get_by_role("tab", name="Inequality").click()
    settle(page, TIMEOUT_MS)
    header = page.locator("[data-testid='stTable'] th").all_inner_texts()
    gap_cell = table_row(page, "ICS (whole cohort)")[
        header.index("Gap: most vs least deprived (95% CI)")
    ]
    compare = GAP.match(gap_cell)
    assert compare and not SIGNED.search(gap_cell), gap_cell

    opened(page, f"{app_url}/business_case?{COHORT}", "Business case")
    cells = table_row(page, "Most vs least deprived gap now")
    assert all(GAP.match(cell) for cell in cells[1:]), cells  # one per intervention, in words
    business_case = GAP.match(cells[1])

    found = {name: (m.group(1), m.group(2)) for name, m in
             (("overview", overview), ("compare", compare), ("business case", business_case))}  # fmt: skip
    assert len(set(found.values())) == 1, found  # one size, one direction, everywhere
    no_exception(page)
