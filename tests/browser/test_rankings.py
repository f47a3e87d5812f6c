"""Rankings follow the figures they show: the finder's list, by excess unvaccinated or by uptake.

Users saw 410 listed above 415 when lists were ordered by exact counts and showed rounded ones.
"""

import re

import pytest
from playwright.sync_api import expect
from streamlit_page import TIMEOUT_MS, no_exception, settle

pytestmark = pytest.mark.browser

FINDING = re.compile(r"^(\d+)\. .+: (\d+\.\d)% \(.*about ([\d,]+) more than at that uptake", re.S)


def findings(page) -> list[tuple[int, float, int]]:
    """Return each listed finding's rank, shown uptake and shown excess unvaccinated."""
    texts = page.locator("[data-testid='stMarkdownContainer'] p").all_inner_texts()
    found = [FINDING.match(text) for text in texts]
    return [(int(m[1]), float(m[2]), int(m[3].replace(",", ""))) for m in found if m]


def test_the_finders_lists_are_in_the_order_of_their_shown_figures(context, app_url):
    page = context.new_page()
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Find target groups")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    by_excess = findings(page)
    assert len(by_excess) >= 5, by_excess
    assert [rank for rank, _, _ in by_excess] == list(range(1, len(by_excess) + 1))
    excess = [shown for _, _, shown in by_excess]
    assert excess == sorted(excess, reverse=True), excess
    page.get_by_role("radiogroup", name="Sort by").get_by_role(
        "radio", name="Lowest uptake"
    ).click()
    settle(page)
    by_uptake = findings(page)
    assert len(by_uptake) >= 5, by_uptake
    uptake = [shown for _, shown, _ in by_uptake]
    assert uptake == sorted(uptake), uptake
    no_exception(page)
