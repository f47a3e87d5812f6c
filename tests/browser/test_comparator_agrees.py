"""One group, one comparator: every page that compares quotes the same figure for it.

Women aged 18 and over (a cohort with an age filter and another filter) were compared with
different figures on different pages; the rule (phm.analysis.comparators) is everyone in the
same age range across the ICS, and each page names it with its figure.
"""

import re

import pytest
from playwright.sync_api import expect
from streamlit_page import no_exception, settle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
COHORT = "age_min=18&sex=F"
FIGURE = re.compile(r"(\d{1,3}\.\d)% for adults \(18 and over\) across [A-Z][A-Za-z ]+")
PAGES = ("targets", "explore", "overview", "compare", "business_case")


def test_every_page_quotes_the_same_comparator_for_one_cohort(context, app_url):
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    figures = {}
    for path in PAGES:
        page.goto(f"{app_url}/{path}?{COHORT}")
        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=TIMEOUT_MS)
        settle(page, TIMEOUT_MS)
        expect(page.get_by_text(FIGURE).first).to_be_visible(timeout=TIMEOUT_MS)
        text = page.locator("[data-testid='stMain']").inner_text()
        figures[path] = set(FIGURE.findall(text))
        no_exception(page)
    shown = set().union(*figures.values())
    assert len(shown) == 1, figures
    assert all(figures.values()), figures
    # Women's own uptake is not the comparator: the pages do not compare the group with itself.
    page.goto(f"{app_url}/overview?{COHORT}")
    settle(page, TIMEOUT_MS)
    first_dose = page.locator("[data-testid='stMetricValue']").first.inner_text()
    assert first_dose.removesuffix("%") not in shown
